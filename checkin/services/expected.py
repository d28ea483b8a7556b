"""The days a client is expected to answer, counted as the morning signals count them.

A day is expected when it is one of the client's check-in weekdays, within their support
(start: service start, else hire date, else registration; end: service end), on or after
the first day they could answer (``answerable_from``: their first check-in link, LINE link
or answer, see ``frames.add_answerable_from``; none yet: today), and not a day their office
is closed (``OfficeClosedDay``). The timeline's missed days, the self-view's "every day
recorded" and the overview's answer rate use this, so they agree with the alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from checkin.models import Client, Office, OfficeClosedDay
from checkin.services.frames import answerable_columns


@dataclass(frozen=True)
class ExpectedDays:
    first: date  # the first day that may be expected
    last: date | None  # the support's last day (None: open-ended)
    weekdays: frozenset[int]  # Monday = 0
    closed: frozenset[date]  # the office's closed days (of the period asked for)

    def __contains__(self, day: object) -> bool:
        return (
            isinstance(day, date)
            and day >= self.first
            and (self.last is None or day <= self.last)
            and day.weekday() in self.weekdays
            and day not in self.closed
        )


def support_start(client: Client, tz: ZoneInfo) -> date:
    """As the morning job: a client without a start date is active from registration."""
    return client.service_start or client.hire_date or client.created_at.astimezone(tz).date()


def _local_day(value: datetime | None, tz: ZoneInfo) -> date | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives UTC times naive
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).date()


def answerable_from(
    link: datetime | None, line: datetime | None, answer: date | None, tz: ZoneInfo, today: date
) -> date:
    """The earliest of the first link, LINE link (local days) and first answer; today when
    the client has none of them yet (no day before today is expected then)."""
    days = [d for d in (_local_day(link, tz), _local_day(line, tz), answer) if d is not None]
    return min(days) if days else today


def expected_days(
    client: Client, tz: ZoneInfo, answerable: date, closed: frozenset[date]
) -> ExpectedDays:
    """``client``'s expected days given the first day they could answer
    (:func:`answerable_from`) and their office's closed days."""
    return ExpectedDays(
        first=max(support_start(client, tz), answerable),
        last=client.service_end,
        weekdays=frozenset(client.weekdays),
        closed=closed,
    )


def client_columns(client: Client, start: date, end: date) -> tuple[Any, ...]:
    """Columns that any select may carry for ``client`` (scalar subqueries, the same on
    every row): first link, LINE link, first answer, and the office's closed days from
    ``start`` to ``end`` as one text (``2026-01-01,2026-01-02``); read with
    :func:`from_columns`."""
    closed = (
        select(func.aggregate_strings(cast(OfficeClosedDay.day, String), ","))
        .where(
            OfficeClosedDay.office_id == client.office_id,
            OfficeClosedDay.day >= start,
            OfficeClosedDay.day <= end,
        )
        .scalar_subquery()
    )
    return (*answerable_columns(client.id), closed)


def from_columns(client: Client, values: Sequence[Any], today: date) -> ExpectedDays:
    """The expected days from the values of :func:`client_columns`."""
    tz = ZoneInfo(client.office.timezone)
    link, line, answer, closed = values
    if isinstance(answer, str):  # SQLite gives a scalar subquery's date as text
        answer = date.fromisoformat(answer)
    if isinstance(link, str):
        link = datetime.fromisoformat(link)
    if isinstance(line, str):
        line = datetime.fromisoformat(line)
    days = frozenset(date.fromisoformat(d[:10]) for d in (closed or "").split(",") if d)
    return expected_days(client, tz, answerable_from(link, line, answer, tz, today), days)


def load_expected(
    session: Session, client: Client, start: date, end: date, today: date
) -> ExpectedDays:
    """A client's expected days, with the office's closed days from ``start`` to ``end``
    (one query)."""
    row = session.execute(select(*client_columns(client, start, end))).one()
    return from_columns(client, row, today)


def load_office_expected(
    session: Session, office: Office, clients: Sequence[Client], start: date, end: date, today: date
) -> dict[int, ExpectedDays]:
    """The expected days of several clients of one office (two queries)."""
    if not clients:
        return {}
    link, line, answer = answerable_columns()
    found = {
        r[0]: r[1:]
        for r in session.execute(
            select(Client.id, link, line, answer).where(Client.id.in_([c.id for c in clients]))
        )
    }
    closed = office_closed_days(session, office, start, end)
    tz = ZoneInfo(office.timezone)
    out = {}
    for c in clients:
        first_link, line_linked, first_answer = found.get(c.id, (None, None, None))
        answerable = answerable_from(first_link, line_linked, first_answer, tz, today)
        out[c.id] = expected_days(c, tz, answerable, closed)
    return out


def office_closed_days(session: Session, office: Office, start: date, end: date) -> frozenset[date]:
    """The office's closed days from ``start`` to ``end`` (one query)."""
    return frozenset(
        session.scalars(
            select(OfficeClosedDay.day).where(
                OfficeClosedDay.office_id == office.id,
                OfficeClosedDay.day >= start,
                OfficeClosedDay.day <= end,
            )
        )
    )
