"""Recording check-ins through the one write path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn, Flag, FlagStatus, Severity
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.errors import ValidationError
from tests.conftest import NOW, TODAY, World

GOOD = {"mood": "4", "fatigue": "2", "sleep_hours": "7", "sleep_quality": "4", "note": ""}


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def save(db: Session, world: World, **overrides: str) -> object:
    data = CheckinInput.from_form({**GOOD, **overrides}, today=TODAY)
    result = record_checkin(db, world.client_a, data, channel=Channel.WEB, now=NOW)
    db.commit()
    return result


def test_saves_an_entry_for_todays_local_date(db: Session, world: World) -> None:
    save(db, world)
    entry = db.scalars(select(CheckIn)).one()
    assert (entry.local_date, entry.mood, entry.fatigue) == (TODAY, 4, 2)
    assert entry.sleep_hours == Decimal("7.0")
    assert entry.channel == Channel.WEB
    assert entry.created_at.tzinfo is not None


def test_local_date_follows_the_office_time_zone(db: Session, world: World) -> None:
    # 2026-06-09 16:00 UTC is already 2026-06-10 01:00 in Tokyo.
    late = NOW - timedelta(hours=8)
    data = CheckinInput.from_form(GOOD, today=TODAY)
    record_checkin(db, world.client_a, data, channel=Channel.WEB, now=late)
    assert db.scalars(select(CheckIn)).one().local_date == TODAY


def test_second_answer_the_same_day_updates_that_day(db: Session, world: World) -> None:
    first = save(db, world)
    second = save(db, world, mood="2", note="やっぱりつかれた")
    assert first.created and not second.created  # type: ignore[attr-defined]
    assert count(db, CheckIn) == 1
    entry = db.scalars(select(CheckIn)).one()
    assert (entry.mood, entry.note) == (2, "やっぱりつかれた")


def test_yesterday_can_be_filled_in_late(db: Session, world: World) -> None:
    save(db, world, day="yesterday")
    assert db.scalars(select(CheckIn)).one().local_date == TODAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mood", "9"),
        ("mood", "0"),
        ("mood", ""),
        ("mood", "²"),
        ("mood", "①"),
        ("fatigue", "abc"),
        ("fatigue", "３"),
        ("sleep_hours", "-3"),
        ("sleep_hours", "30"),
        ("sleep_hours", ""),
        ("sleep_hours", "nan"),
        ("sleep_hours", "1E-20000"),
        ("sleep_hours", "1e1"),
        ("note", "きょうは\x00つかれた"),
        ("sleep_quality", "6"),
        ("note", "あ" * 1001),
        ("day", "lastweek"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    db: Session, world: World, field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as err:
        save(db, world, **{field: value})
    key = "local_date" if field == "day" else field
    assert key in err.value.errors
    assert err.value.errors[key]  # a message for the client, in Japanese
    db.rollback()
    assert count(db, CheckIn) == 0


def test_typed_input_from_other_channels_is_validated_too(db: Session, world: World) -> None:
    bad = CheckinInput(mood=9, fatigue=2, sleep_hours=Decimal(7), sleep_quality=3)
    with pytest.raises(ValidationError):
        record_checkin(db, world.client_a, bad, channel=Channel.LINE, now=NOW)
    old = CheckinInput(
        mood=3,
        fatigue=2,
        sleep_hours=Decimal(7),
        sleep_quality=3,
        local_date=TODAY - timedelta(days=2),
    )
    with pytest.raises(ValidationError) as err:
        record_checkin(db, world.client_a, old, channel=Channel.LINE, now=NOW)
    assert "local_date" in err.value.errors


def test_wants_contact_raises_an_urgent_flag_at_once(db: Session, world: World) -> None:
    result = save(db, world, wants_contact="1")
    flag = db.scalars(select(Flag)).one()
    assert result.urgent_flags == (flag,)  # type: ignore[attr-defined]
    assert (flag.kind, flag.severity, flag.status) == ("contact", Severity.URGENT, FlagStatus.OPEN)
    assert flag.assignee_id == world.sato.id
    assert flag.source == "immediate"
    assert "相談したい" in flag.reasons[0]["text"]
    # Saving again the same day refreshes the same flag, it does not add one.
    save(db, world, wants_contact="1", mood="2")
    assert count(db, Flag) == 1


def test_crisis_words_in_a_note_raise_an_urgent_flag(db: Session, world: World) -> None:
    save(db, world, note="もう消えたいと思うことがある")
    flag = db.scalars(select(Flag)).one()
    assert (flag.kind, flag.severity) == ("crisis", Severity.URGENT)


def test_answering_again_closes_a_missing_entries_flag(db: Session, world: World) -> None:
    db.add(
        Flag(
            office_id=world.office.id,
            client_id=world.client_a.id,
            kind="missing",
            severity=Severity.WATCH,
            score=30,
            reasons=[],
            first_date=TODAY,
            last_date=TODAY,
        )
    )
    db.commit()
    save(db, world)
    flag = db.scalars(select(Flag)).one()
    assert flag.status == FlagStatus.RESOLVED
    assert "再開" in (flag.note or "")
