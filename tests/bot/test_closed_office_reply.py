"""After 「相談したい」 on LINE the reply promises what will happen: outside the office's
hours, when the office will see it (the same text as the web done page)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from checkin.models import OfficeClosedDay
from tests.bot.conftest import Clock, Line
from tests.bot.test_conversation import answer_all, linked
from tests.bot.test_webhook import USER
from tests.conftest import World


def tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


SUNDAY = date(2026, 6, 14)


def test_on_a_sunday_night_the_reply_says_monday_morning_and_the_office_phone(
    db: Session, world: World, line: Line, clock: Clock
) -> None:
    linked(db, world, line)
    world.office.phone = "03-1234-5678"
    db.commit()
    clock.now = tokyo(SUNDAY, 21, 30)
    text = answer_all(line, contact="相談したい")
    assert "じむしょは いま しまっています。 あした 月曜日の 9時 から みます。" in text
    assert "じむしょの 電話 (あいている 時間): 03-1234-5678" in text
    assert "119" in text and "0120-279-338" in text
    assert "すこし まって" not in text


def test_typed_words_at_night_say_this_morning_and_a_closed_day_is_skipped(
    db: Session, world: World, line: Line, clock: Clock
) -> None:
    linked(db, world, line)
    world.office.opens_at = time(8, 30)
    db.add(OfficeClosedDay(office_id=world.office.id, day=SUNDAY + timedelta(days=1)))
    db.commit()
    clock.now = tokyo(SUNDAY + timedelta(days=2), 2, 7)  # Tuesday 02:07
    text = line.say(USER, "相談したい です")
    assert "じむしょは いま しまっています。 きょう 8時30分 から みます。" in text
    clock.now = tokyo(SUNDAY, 12)  # Sunday noon; Monday is closed: Tuesday
    text = line.say(USER, "相談したい")
    assert "6月16日 火曜日の 8時30分 から みます。" in text
    assert "電話 (あいている" not in text  # no office phone set


def test_while_the_office_is_open_the_supporter_will_call(
    db: Session, world: World, line: Line, clock: Clock
) -> None:
    linked(db, world, line)
    clock.now = tokyo(SUNDAY + timedelta(days=1), 10)  # Monday 10:00
    text = line.say(USER, "相談したい")
    assert "支援員から 連絡します。" in text and "しまっています" not in text
