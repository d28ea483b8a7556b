"""The office's opening hours and the next time it will see a request (services/hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from checkin.models import Office, OfficeClosedDay
from checkin.services.hours import (
    Reach,
    is_open,
    next_opening,
    office_reach,
    opening_hours,
)
from tests.conftest import World

TOKYO = ZoneInfo("Asia/Tokyo")


def office(
    *,
    weekdays: str = "01234",
    opens: time | None = None,
    closes: time | None = None,
    zone: str = "Asia/Tokyo",
) -> Office:
    return Office(name="x", timezone=zone, open_weekdays=weekdays, opens_at=opens, closes_at=closes)


def jst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


# 2026-06-12 is a Friday, 06-13 Saturday, 06-14 Sunday, 06-15 Monday.
FRI, SAT, SUN, MON, TUE = (date(2026, 6, d) for d in (12, 13, 14, 15, 16))


def test_without_hours_an_office_is_open_nine_to_six_on_its_weekdays() -> None:
    o = office()
    assert opening_hours(o) == (time(9), time(18))
    assert not is_open(o, jst(FRI, 8, 59), set())
    assert is_open(o, jst(FRI, 9, 0), set())
    assert is_open(o, jst(FRI, 17, 59), set())
    assert not is_open(o, jst(FRI, 18, 0), set())  # closing time itself is closed
    assert not is_open(o, jst(SAT, 12), set())
    # Closing not after opening makes no sense: the defaults are used.
    assert opening_hours(office(opens=time(18), closes=time(9))) == (time(9), time(18))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(FRI, 2, 7), jst(FRI, 9)),  # at night before a workday: this morning
        (jst(FRI, 10, 30), jst(FRI, 10, 30)),  # open now: now
        (jst(FRI, 18, 0), jst(MON, 9)),  # Friday evening: after the weekend
        (jst(SAT, 12), jst(MON, 9)),
        (jst(SUN, 23, 59), jst(MON, 9)),
    ],
)
def test_the_next_opening_skips_the_evening_and_the_weekend(
    at: datetime, expected: datetime
) -> None:
    assert next_opening(office(), at, set()) == expected


def test_closed_days_are_skipped_a_long_holiday_too() -> None:
    o = office()
    # Monday is a holiday: Tuesday.
    assert next_opening(o, jst(SAT, 12), {MON}) == jst(TUE, 9)
    # The office closes on a weekday morning before opening: that day is skipped.
    assert next_opening(o, jst(FRI, 7), {FRI}) == jst(MON, 9)
    # Year end: closed 12-29 to 1-3 (2027-01-04 is a Monday).
    closed = {date(2026, 12, 29 + i) for i in range(3)} | {date(2027, 1, d) for d in (1, 2, 3)}
    assert next_opening(o, jst(date(2026, 12, 28), 19), closed) == jst(date(2027, 1, 4), 9)


def test_the_office_own_hours_and_weekdays_count() -> None:
    o = office(weekdays="012345", opens=time(8, 30), closes=time(17, 15))
    assert next_opening(o, jst(FRI, 17, 15), set()) == jst(SAT, 8, 30)  # Saturday is open
    assert next_opening(o, jst(SAT, 8, 29), set()) == jst(SAT, 8, 30)
    assert is_open(o, jst(SAT, 17, 14), set())
    assert next_opening(o, jst(SAT, 17, 15), set()) == jst(MON, 8, 30)
    # An office open no day at all has no next opening.
    assert next_opening(office(weekdays=""), jst(FRI, 10), set()) is None


def test_hours_are_in_the_office_zone_not_utc_nor_tokyo() -> None:
    # A Los Angeles office: Friday 17:30 there is Saturday 09:30 in Tokyo and 00:30 UTC.
    la = ZoneInfo("America/Los_Angeles")
    o = office(zone="America/Los_Angeles")
    at = datetime(2026, 6, 12, 17, 30, tzinfo=la)
    assert at.astimezone(UTC).date() == SAT and at.astimezone(TOKYO).hour == 9
    assert is_open(o, at, set())
    assert is_open(o, at.astimezone(UTC), set())  # the instant, whatever zone it is given in
    after = datetime(2026, 6, 12, 18, 5, tzinfo=la)
    nxt = next_opening(o, after.astimezone(UTC), set())
    assert nxt == datetime(2026, 6, 15, 9, 0, tzinfo=la)
    assert nxt is not None and nxt.utcoffset() == la.utcoffset(nxt.replace(tzinfo=None))
    # A closed day is a local date of the office: 6/15 closed there means Tuesday.
    assert next_opening(o, after, {MON}) == datetime(2026, 6, 16, 9, 0, tzinfo=la)


def test_what_the_client_is_told() -> None:
    def told(at: datetime, closed: frozenset[date] = frozenset()) -> str:
        o = office()
        days = set(closed)
        r = Reach(is_open(o, at, days), next_opening(o, at, days), at.date(), None)
        return "" if r.open_now else r.closed_text()

    assert told(jst(FRI, 10)) == ""
    assert told(jst(FRI, 2, 7)) == "じむしょは いま しまっています。 きょう 9時 から みます。"
    assert told(jst(SUN, 21)) == (
        "じむしょは いま しまっています。 あした 月曜日の 9時 から みます。"
    )
    assert told(jst(SAT, 21)) == (
        "じむしょは いま しまっています。 6月15日 月曜日の 9時 から みます。"
    )
    assert told(jst(SUN, 21), frozenset({MON})) == (
        "じむしょは いま しまっています。 6月16日 火曜日の 9時 から みます。"
    )
    o = office(opens=time(9, 30))
    r = Reach(False, next_opening(o, jst(FRI, 20), set()), FRI, None)
    assert r.when_text() == "6月15日 月曜日の 9時30分 から みます。"
    none = Reach(False, None, FRI, None)
    assert none.when_text() == "つぎに あく 日は まだ きまっていません。"


def test_the_phone_link_keeps_digits_only() -> None:
    assert Reach(True, None, FRI, "03-1234-5678").phone_href == "tel:0312345678"
    assert Reach(True, None, FRI, "+81 3 1234 5678").phone_href == "tel:+81312345678"
    assert Reach(True, None, FRI, "  ").phone_href is None
    assert Reach(True, None, FRI, None).phone_href is None


def test_office_reach_reads_the_closed_days_of_this_office_only(db: Session, world: World) -> None:
    db.add_all(
        [
            OfficeClosedDay(office_id=world.office.id, day=MON, note="祝日"),
            OfficeClosedDay(office_id=world.other_office.id, day=TUE),
        ]
    )
    world.office.phone = "03-1234-5678"
    db.commit()
    r = office_reach(db, world.office, jst(SUN, 21).astimezone(UTC))
    assert not r.open_now and r.next_open == jst(TUE, 9) and r.today == SUN
    assert r.phone == "03-1234-5678"
    other = office_reach(db, world.other_office, jst(SUN, 21))
    assert other.next_open == jst(MON, 9) and other.phone is None
