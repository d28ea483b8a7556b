"""The office's opening hours: is it open now, and when will it next see a request?

Read from ``Office.open_weekdays`` (digits, Monday=0), ``opens_at``, ``closes_at`` and the
office's closed days (``OfficeClosedDay``), all in the office's own time zone. Offices
that have not set their hours are open **9:00 to 18:00** on their open weekdays (the
defaults below); hours whose closing is not after their opening are ignored the same way.
An office is open from ``opens_at`` (included) to ``closes_at`` (excluded).

What the client is told after 「相談したい」 is built here (:func:`office_reach`), so that
the web done page and the LINE reply promise the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Office, OfficeClosedDay
from checkin.services.errors import _l

DEFAULT_OPENS = time(9, 0)
DEFAULT_CLOSES = time(18, 0)
# How far ahead to look for the next opening (a long year-end closure fits easily).
SEARCH_DAYS = 60

WEEKDAYS = (
    _l("月曜日"),
    _l("火曜日"),
    _l("水曜日"),
    _l("木曜日"),
    _l("金曜日"),
    _l("土曜日"),
    _l("日曜日"),
)


def opening_hours(office: Office) -> tuple[time, time]:
    """The office's daily hours, or 9:00-18:00 when they are not set (or make no sense)."""
    opens = office.opens_at or DEFAULT_OPENS
    closes = office.closes_at or DEFAULT_CLOSES
    if closes <= opens:
        return DEFAULT_OPENS, DEFAULT_CLOSES
    return opens, closes


def open_weekdays(office: Office) -> set[int]:
    return {int(c) for c in (office.open_weekdays or "") if c.isdigit() and int(c) < 7}


def closed_days(
    session: Session, office: Office, start: date, days: int = SEARCH_DAYS
) -> set[date]:
    return set(
        session.scalars(
            select(OfficeClosedDay.day).where(
                OfficeClosedDay.office_id == office.id,
                OfficeClosedDay.day >= start,
                OfficeClosedDay.day <= start + timedelta(days=days),
            )
        )
    )


def is_open_day(office: Office, day: date, closed: set[date]) -> bool:
    return day.weekday() in open_weekdays(office) and day not in closed


def is_open(office: Office, at: datetime, closed: set[date]) -> bool:
    """Whether the office is open at the instant ``at`` (aware; any zone)."""
    local = at.astimezone(ZoneInfo(office.timezone))
    opens, closes = opening_hours(office)
    return is_open_day(office, local.date(), closed) and opens <= local.time() < closes


def next_opening(office: Office, at: datetime, closed: set[date]) -> datetime | None:
    """The first opening at or after ``at``, in the office's zone (the instant ``at`` itself
    when the office is open then); None when no open day comes within SEARCH_DAYS."""
    zone = ZoneInfo(office.timezone)
    local = at.astimezone(zone)
    opens, closes = opening_hours(office)
    for i in range(SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=i)
        if not is_open_day(office, day, closed):
            continue
        start = datetime.combine(day, opens, tzinfo=zone)
        if i == 0:
            if local.time() >= closes:
                continue  # today's hours are over
            if local.time() >= opens:
                return local
        return start
    return None


@dataclass(frozen=True)
class Reach:
    """What a client who asked to talk is told: is the office open, and if not, when it
    will look (``next_open``, office-local), and the office's phone number if it has one."""

    open_now: bool
    next_open: datetime | None
    today: date
    phone: str | None

    @property
    def phone_href(self) -> str | None:
        if not self.phone:
            return None
        digits = "".join(c for c in self.phone if c.isdigit() or c == "+")
        return f"tel:{digits}" if digits else None

    def when_text(self) -> str:
        """「きょう 9時 から みます。」, 「あした 月曜日の 9時 から みます。」 or a date: in the
        reader's language (Japanese outside a web request and on LINE)."""
        if self.next_open is None:
            return _l("つぎに あく 日は まだ きまっていません。")
        at = self.next_open
        clock = (
            _l("%(h)d時", h=at.hour)
            if at.minute == 0
            else _l("%(h)d時%(mi)s分", h=at.hour, mi=f"{at.minute:02d}")
        )
        days = (at.date() - self.today).days
        if days == 0:
            return _l("きょう %(time)s から みます。", time=clock)
        weekday = WEEKDAYS[at.weekday()]
        if days == 1:
            return _l("あした %(weekday)sの %(time)s から みます。", weekday=weekday, time=clock)
        return _l(
            "%(m)d月%(d)d日 %(weekday)sの %(time)s から みます。",
            m=at.month,
            d=at.day,
            weekday=weekday,
            time=clock,
        )

    def closed_text(self) -> str:
        """The whole sentence for a closed office: 「じむしょは いま しまっています。 …」"""
        return f"{_l('じむしょは いま しまっています。')} {self.when_text()}"


def office_reach(session: Session, office: Office, at: datetime) -> Reach:
    """Open now or not, and the next opening, from the office's hours and closed days."""
    local = at.astimezone(ZoneInfo(office.timezone))
    closed = closed_days(session, office, local.date())
    return Reach(
        open_now=is_open(office, at, closed),
        next_open=next_opening(office, at, closed),
        today=local.date(),
        phone=(office.phone or "").strip() or None,
    )
