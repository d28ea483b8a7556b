"""The service period (就労定着支援の利用期間): start, yearly renewals, end.

Periods are counted as the Civil Code counts them (民法 第140条-第143条), the way Japanese
offices and the benefit rules count months (docs/lifecycle.md):

- a period of N months whose first day is D ends the day before the day numbered D in the
  N-th month after; when that month has no such day (31st, 30th, 29 February), it ends on
  that month's last day (民法 第143条第2項);
- the service may start on the day after the 6 months after hire end (seed 002:
  「就職後６カ月が経過した日から」); the hire day is day 1 (work starts at the start of that
  day, 民法 第140条ただし書). Hours-extension type: counted from the day after the sending
  office's last day (「終了日の翌日から起算して６月」); return-to-work type: the return day
  is day 1 (「復職した日を１日目として６月」);
- the service lasts at most 3 years from its first day (so at most 3 years 6 months after
  hire), renewed (支給決定の更新) each year: the renewal days are the first days of
  years 2 and 3.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from checkin.models import Client, ServicePeriodOverride, ServiceType

WAIT_MONTHS = 6  # after hire (or the sending office's end, or the return to work)
SERVICE_YEARS = 3


def period_end(first: date, months: int) -> date:
    """The last day of a period of ``months`` months whose first day is ``first``.

    >>> period_end(date(2026, 4, 1), 1)
    datetime.date(2026, 4, 30)
    >>> period_end(date(2026, 1, 31), 1)  # no 31 February: the month's last day
    datetime.date(2026, 2, 28)
    >>> period_end(date(2024, 1, 30), 1)  # no 30 February: 29 in a leap year
    datetime.date(2024, 2, 29)
    """
    total = first.year * 12 + (first.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    if first.day > last_day:
        return date(year, month, last_day)
    return date(year, month, first.day) - timedelta(days=1)


def months_back(day: date, months: int) -> date:
    """The day with the same number ``months`` months before (that month's last day when
    it has none): the first day of the window of ``months`` months that ends the day before
    ``day``. 10 June: 10 March; 31 May: 28 (29) February."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after(first: date, months: int) -> date:
    """The first day after a period of ``months`` months starting on ``first``."""
    return period_end(first, months) + timedelta(days=1)


def months_left(today: date, end: date) -> int:
    """Whole months from ``today`` to ``end`` (the period from today that still fits)."""
    if end < today:
        return 0
    n = 0
    while period_end(today, n + 1) <= end:
        n += 1
    return n


def counted_from(client: Client) -> date | None:
    """The first day of the 6-month wait before the service, by the client's type."""
    match client.service_type:
        case ServiceType.HOURS_EXTENSION:
            prior = client.prior_service_end
            return prior + timedelta(days=1) if prior else None
        case ServiceType.RETURN_TO_WORK:
            return client.return_date
        case _:
            return client.hire_date


@dataclass(frozen=True)
class RulePeriod:
    start: date
    renewals: tuple[date, ...]  # the first days of years 2 and 3
    end: date  # the last day of year 3


def rule_period(client: Client) -> RulePeriod | None:
    """The period the rules give (None without the date it counts from)."""
    first = counted_from(client)
    if first is None:
        return None
    return rule_from_start(after(first, WAIT_MONTHS))


def rule_from_start(start: date) -> RulePeriod:
    return RulePeriod(
        start=start,
        renewals=tuple(after(start, 12 * y) for y in range(1, SERVICE_YEARS)),
        end=period_end(start, 12 * SERVICE_YEARS),
    )


@dataclass(frozen=True)
class ServicePeriod:
    """What the client page and the overview show."""

    rule: RulePeriod | None
    start: date | None  # the recorded start (Client.service_start), else the rule's
    end: date | None  # the recorded end, else 3 years from the start
    renewals: tuple[date, ...]
    override: ServicePeriodOverride | None  # the newest one, if any
    differs: tuple[str, ...] = field(default=())  # "start"/"end": recorded != the rule

    def months_left(self, today: date) -> int | None:
        return months_left(today, self.end) if self.end else None

    def days_left(self, today: date) -> int | None:
        return (self.end - today).days if self.end else None


def service_period(client: Client, override: ServicePeriodOverride | None) -> ServicePeriod:
    """The period in force: the dates on the client's record (set by an override with its
    reason, the client form or the import) where there are any, else the rule's."""
    rule = rule_period(client)
    start = client.service_start or (rule.start if rule else None)
    if client.service_end is not None:
        end: date | None = client.service_end
    elif client.service_start is not None:
        end = period_end(client.service_start, 12 * SERVICE_YEARS)
    else:
        end = rule.end if rule else None
    renewals = rule_from_start(start).renewals if start else ()
    if end is not None:
        renewals = tuple(d for d in renewals if d <= end)
    differs: list[str] = []
    if rule is not None:
        if client.service_start is not None and client.service_start != rule.start:
            differs.append("start")
        if client.service_end is not None and client.service_end != rule.end:
            differs.append("end")
    return ServicePeriod(rule, start, end, renewals, override, tuple(differs))
