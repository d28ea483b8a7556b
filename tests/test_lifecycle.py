"""Service period (民法 counting), stage history and suggestion, employment events and the
retention rate (issue 15). docs/lifecycle.md states the rules these tests pin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    AuditEvent,
    Channel,
    CheckIn,
    Client,
    Contact,
    ContactKind,
    EmploymentKind,
    Flag,
    ServiceType,
    Severity,
    Stage,
    StageChange,
)
from checkin.services import lifecycle, period, retention_rate
from checkin.services.errors import ValidationError
from tests.conftest import NOW, TODAY, World

# --- the period: 民法 第143条 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "months", "end"),
    [
        (date(2026, 4, 1), 1, date(2026, 4, 30)),  # from a month's first day: its last
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 Feb: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 1, 30), 1, date(2024, 2, 29)),  # no 30 Feb in a leap year either
        (date(2024, 1, 29), 1, date(2024, 2, 28)),  # 29 Feb exists: the day before it
        (date(2025, 1, 29), 1, date(2025, 2, 28)),  # no 29 Feb: the month's last day
        (date(2026, 3, 16), 1, date(2026, 4, 15)),
        (date(2025, 12, 15), 1, date(2026, 1, 14)),  # over the year end
        (date(2025, 8, 1), 6, date(2026, 1, 31)),  # over the year end
        (date(2024, 2, 29), 36, date(2027, 2, 28)),  # 3 years from 29 Feb
        (date(2024, 3, 1), 36, date(2027, 2, 28)),
    ],
)
def test_period_end_counts_like_the_civil_code(first: date, months: int, end: date) -> None:
    assert period.period_end(first, months) == end


def _client(**kw: object) -> Client:
    kw.setdefault("service_type", ServiceType.STANDARD)
    return Client(name="x", **kw)


def test_the_standard_start_is_6_months_after_hire_and_the_end_3_years_later() -> None:
    rule = period.rule_period(_client(hire_date=date(2025, 8, 31)))
    assert rule is not None
    # hire 31 Aug (day 1): 6 months end on the last day of February; service from 1 March
    assert rule.start == date(2026, 3, 1)
    assert rule.renewals == (date(2027, 3, 1), date(2028, 3, 1))
    assert rule.end == date(2029, 2, 28)
    # hired 1 April: 6 months end 30 September; the service 1 October .. 30 September
    rule = period.rule_period(_client(hire_date=date(2026, 4, 1)))
    assert rule is not None and (rule.start, rule.end) == (date(2026, 10, 1), date(2029, 9, 30))


def test_a_leap_day_start() -> None:
    # hired 29 Aug 2023: the 6 months end the day before 29 Feb 2024; service from 29 Feb
    rule = period.rule_period(_client(hire_date=date(2023, 8, 29)))
    assert rule is not None and rule.start == date(2024, 2, 29)
    # years from 29 Feb: no 29 Feb in 2025, so year 1 ends 28 Feb and year 2 starts 1 March
    assert rule.renewals == (date(2025, 3, 1), date(2026, 3, 1))
    assert rule.end == date(2027, 2, 28)


def test_the_other_types_count_from_their_own_day() -> None:
    ext = _client(
        hire_date=date(2024, 4, 1),
        service_type=ServiceType.HOURS_EXTENSION,
        prior_service_end=date(2025, 3, 31),
    )
    # counted from the day after the sending office's last day (1 April): 1 October
    rule = period.rule_period(ext)
    assert rule is not None and rule.start == date(2025, 10, 1)
    back = _client(
        hire_date=date(2020, 4, 1),
        service_type=ServiceType.RETURN_TO_WORK,
        return_date=date(2025, 7, 15),
    )
    rule = period.rule_period(back)
    assert rule is not None and (rule.start, rule.end) == (date(2026, 1, 15), date(2029, 1, 14))
    assert period.rule_period(_client(service_type=ServiceType.RETURN_TO_WORK)) is None


def test_months_back() -> None:
    assert period.months_back(date(2026, 6, 10), 3) == date(2026, 3, 10)
    assert period.months_back(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert period.months_back(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert period.months_back(date(2026, 2, 15), 3) == date(2025, 11, 15)  # over the year end


def test_months_left() -> None:
    assert period.months_left(date(2026, 6, 10), date(2026, 11, 9)) == 5
    assert period.months_left(date(2026, 6, 10), date(2026, 11, 8)) == 4
    assert period.months_left(date(2026, 6, 10), date(2026, 6, 9)) == 0


def test_an_override_needs_a_reason_and_is_kept(db: Session, world: World) -> None:
    c = world.client_a
    c.hire_date = date(2025, 7, 1)
    with pytest.raises(ValidationError) as err:
        lifecycle.override_period(
            db, world.manager, c, start="2026-01-05", end="", reason=" ", now=NOW
        )
    assert "reason" in err.value.errors
    with pytest.raises(ValidationError) as err:
        lifecycle.override_period(
            db, world.manager, c, start="2026-01-05", end="2029-01-05", reason="x", now=NOW
        )
    assert "最長3年" in str(err.value.errors["end"])
    row = lifecycle.override_period(
        db, world.manager, c, start="2026-01-05", end=None, reason="受給者証の開始日", now=NOW
    )
    db.commit()
    assert (c.service_start, c.service_end) == (date(2026, 1, 5), None)
    p = lifecycle.client_period(db, c)
    assert p.override is not None and p.override.id == row.id
    assert p.start == date(2026, 1, 5) and p.end == date(2029, 1, 4)
    assert p.differs == ("start",)  # the rule says 1 January
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.target_id == row.id)) == (
        "period.override"
    )


# --- stages ------------------------------------------------------------------------------


def test_a_stage_change_keeps_who_when_from_to_and_why(db: Session, world: World) -> None:
    c = world.client_a
    with pytest.raises(ValidationError):
        lifecycle.change_stage(db, world.sato, c, stage="adjustment", reason="", now=NOW)
    with pytest.raises(ValidationError):
        lifecycle.change_stage(db, world.sato, c, stage="exploration", reason="同じ", now=NOW)
    lifecycle.change_stage(db, world.sato, c, stage="adjustment", reason="安定してきた", now=NOW)
    db.commit()
    [h] = lifecycle.stage_history(db, c)
    assert (h.from_stage, h.to_stage, h.reason, h.changed_by_id, h.changed_at) == (
        Stage.EXPLORATION,
        Stage.ADJUSTMENT,
        "安定してきた",
        world.sato.id,
        NOW,
    )
    assert db.get(Client, c.id).stage == Stage.ADJUSTMENT  # type: ignore[union-attr]


def _steady(db: Session, c: Client, days: int = 100) -> None:
    for back in range(1, days + 1):
        day = TODAY - timedelta(days=back)
        if day.weekday() < 5:
            db.add(CheckIn(client_id=c.id, local_date=day, mood=4, fatigue=2, channel=Channel.WEB))


def _flag(db: Session, c: Client, day: date, kind: str) -> None:
    db.add(
        Flag(
            office_id=c.office_id,
            client_id=c.id,
            kind=kind,
            severity=Severity.WATCH,
            score=1.0,
            first_date=day,
            last_date=day,
            reasons=[],
        )
    )


def test_three_steady_months_suggest_the_next_stage(db: Session, world: World) -> None:
    c = world.client_a
    c.service_start = date(2025, 10, 1)
    _steady(db, c)
    for back in (150, 120, 100, 40):  # 3 contacts before the window, 1 in it
        db.add(
            Contact(
                office_id=c.office_id,
                client_id=c.id,
                staff_id=world.sato.id,
                kind=ContactKind.MEETING,
                occurred_at=NOW - timedelta(days=back),
            )
        )
    db.commit()
    s = lifecycle.suggest_stage(db, c, TODAY)
    assert s is not None and (s.direction, s.to) == ("forward", Stage.ADJUSTMENT)
    n = s.numbers
    assert n.since == date(2026, 3, 10) and n.flags == 0
    assert (n.contacts, n.contacts_before) == (1, 3)
    assert n.answer_rate == 1.0 and n.expected_days == n.answered_days > 60
    # A flag in the window: no suggestion; and never applied by itself.
    _flag(db, c, TODAY - timedelta(days=50), "trend")
    db.commit()
    assert lifecycle.suggest_stage(db, c, TODAY) is None
    assert c.stage == Stage.EXPLORATION
    # Just changed to this stage: not yet 3 months in it.
    db.delete(db.scalars(select(Flag)).one())
    lifecycle.change_stage(db, world.sato, c, stage="adjustment", reason="r", now=NOW)
    db.commit()
    assert lifecycle.suggest_stage(db, c, TODAY) is None


def test_a_run_of_flags_in_stability_suggests_going_back(db: Session, world: World) -> None:
    c = world.client_a
    c.stage = Stage.STABILITY
    _flag(db, c, TODAY - timedelta(days=20), "trend")
    db.commit()
    assert lifecycle.suggest_stage(db, c, TODAY) is None  # one flag is not a run
    _flag(db, c, TODAY - timedelta(days=3), "missing")
    db.commit()
    s = lifecycle.suggest_stage(db, c, TODAY)
    assert s is not None and (s.direction, s.to, s.numbers.recent_flags) == (
        "back",
        Stage.ADJUSTMENT,
        2,
    )
    assert db.scalars(select(StageChange)).all() == []


# --- employment and the retention rate ---------------------------------------------------

FY = 2026  # counting day 31 March 2026; window 1 April 2023 .. 31 March 2026


def _person(db: Session, world: World, name: str, start: date, end: date | None = None) -> Client:
    c = Client(
        office_id=world.office.id,
        name=name,
        hire_date=start - timedelta(days=183),
        service_start=start,
        service_end=end,
    )
    db.add(c)
    db.flush()
    return c


def _event(db: Session, world: World, c: Client, kind: str, on: date) -> None:
    lifecycle.record_employment(
        db,
        world.manager,
        c,
        kind=kind,
        on=on,
        employer_name=None,
        note=None,
        today=TODAY,
        now=NOW,
    )


def _employed(db: Session, world: World, fy: int = FY) -> dict[str, bool]:
    r = retention_rate.office_retention(db, world.office.id, fy)
    return {line.client.name: line.employed for line in r.lines}


def test_the_fiscal_year_boundary(db: Session, world: World) -> None:
    for c in (world.client_a, world.client_b, world.client_c):
        c.service_start = None  # the world's clients are not part of this count
    _person(db, world, "ended 31 March 2023", date(2020, 4, 1), date(2023, 3, 31))
    _person(db, world, "ended 1 April 2023", date(2020, 4, 2), date(2023, 4, 1))
    _person(db, world, "started 31 March 2026", date(2026, 3, 31))
    _person(db, world, "started 1 April 2026", date(2026, 4, 1))
    db.commit()
    assert set(_employed(db, world)) == {"ended 1 April 2023", "started 31 March 2026"}
    assert retention_rate.fiscal_year_of(date(2026, 3, 31)) == 2025
    assert retention_rate.fiscal_year_of(date(2026, 4, 1)) == 2026
    r = retention_rate.office_retention(db, world.office.id, FY)
    assert {c.name for c in r.without_start} == {"田中 健太", "伊藤 美咲", "渡辺 大輔"}


def test_employed_on_the_counting_day(db: Session, world: World) -> None:
    for c in (world.client_a, world.client_b, world.client_c):
        c.service_start = None
    still = _person(db, world, "still", date(2024, 1, 1))
    left_on = _person(db, world, "left on the day", date(2024, 1, 1))
    left_before = _person(db, world, "left the day before", date(2024, 1, 1))
    leave = _person(db, world, "on leave", date(2024, 1, 1))
    never = _person(db, world, "never employed", date(2024, 1, 1))
    never.hire_date = None
    later = _person(db, world, "hired after the day", date(2025, 10, 1))
    later.hire_date = date(2026, 4, 10)
    _event(db, world, still, "employed", date(2025, 12, 1))
    _event(db, world, left_on, "left", date(2026, 3, 31))  # last day employed: the day
    _event(db, world, left_before, "left", date(2026, 3, 30))
    _event(db, world, leave, "on_leave", date(2026, 2, 1))
    db.commit()
    assert _employed(db, world) == {
        "still": True,
        "left on the day": True,
        "left the day before": False,
        "on leave": True,
        "never employed": False,
        "hired after the day": False,
    }
    r = retention_rate.office_retention(db, world.office.id, FY)
    assert (r.numerator, r.denominator) == (3, 6)
    assert r.band is not None and r.band.min_percent == 50  # exactly 50 %: the 50-70 band


@pytest.mark.parametrize(
    ("left", "new_job", "counts"),
    [
        # last day 15 March: 1 month from 16 March ends 15 April
        (date(2026, 3, 15), date(2026, 4, 14), True),  # 30 days later
        (date(2026, 3, 15), date(2026, 4, 15), True),  # 31 days later
        (date(2026, 3, 15), date(2026, 4, 16), False),  # 32 days later
        # last day 28 February (non-leap): 1 month from 1 March ends 31 March
        (date(2026, 2, 28), date(2026, 3, 30), True),  # 30 days: employed on the day anyway
        (date(2026, 2, 28), date(2026, 4, 1), False),  # 32 days, after the day
        (date(2026, 3, 1), date(2026, 4, 1), True),  # 31 days: 1 month from 2 March
        (date(2026, 3, 1), date(2026, 4, 2), False),  # 32 days
    ],
)
def test_a_new_job_within_one_month(
    db: Session, world: World, left: date, new_job: date, counts: bool
) -> None:
    for c in (world.client_a, world.client_b, world.client_c):
        c.service_start = None
    p = _person(db, world, "p", date(2024, 1, 1))
    _event(db, world, p, "left", left)
    _event(db, world, p, "changed_job", new_job)
    db.commit()
    assert _employed(db, world) == {"p": counts}


def test_one_month_in_a_leap_year_and_a_30_day_month() -> None:
    g = lifecycle.grace_until
    assert g(EmploymentKind.LEFT, date(2024, 1, 29)) == date(2024, 2, 29)  # 31 days
    assert g(EmploymentKind.LEFT, date(2025, 1, 29)) == date(2025, 2, 28)  # 30 days
    assert g(EmploymentKind.LEFT, date(2026, 4, 15)) == date(2026, 5, 15)  # 30 days
    assert g(EmploymentKind.LEFT, date(2026, 3, 31)) == date(2026, 4, 30)  # 30 days
    assert g(EmploymentKind.EMPLOYED, date(2026, 3, 31)) is None


def test_a_leap_year_count(db: Session, world: World) -> None:
    """FY2024: counting day 31 March 2024; a departure on 29 February 2024 (leap day)."""
    for c in (world.client_a, world.client_b, world.client_c):
        c.service_start = None
    a = _person(db, world, "a", date(2022, 1, 1))
    b = _person(db, world, "b", date(2022, 1, 1))
    _event(db, world, a, "left", date(2024, 2, 29))  # 1 month from 1 March ends 31 March
    _event(db, world, a, "changed_job", date(2024, 3, 31))
    _event(db, world, b, "left", date(2024, 2, 28))  # 1 month from 29 Feb ends 28 March
    _event(db, world, b, "changed_job", date(2024, 4, 1))
    db.commit()
    assert _employed(db, world, 2024) == {"a": True, "b": False}


def test_every_office_in_one_query(db: Session, world: World) -> None:
    _event(db, world, world.client_b, "left", date(2026, 1, 10))
    world.client_a.hire_date = date(2025, 7, 1)
    world.client_b.hire_date = date(2025, 7, 1)
    world.client_c.hire_date = None
    world.other_client.hire_date = date(2025, 7, 1)
    db.commit()
    rates = retention_rate.office_rates(db, FY)
    assert rates == {world.office.id: (1, 3), world.other_office.id: (1, 1)}


def test_employment_input_is_checked(db: Session, world: World) -> None:
    with pytest.raises(ValidationError) as err:
        lifecycle.record_employment(
            db,
            world.sato,
            world.client_a,
            kind="fired",
            on="2026/13/1",
            employer_name=None,
            note=None,
            today=TODAY,
            now=NOW,
        )
    assert set(err.value.errors) == {"kind", "on"}


def test_fee_bands_are_data() -> None:
    table = retention_rate.fee_table_for(2026)
    assert table is not None and [b.min_percent for b in table.bands] == [
        95,
        90,
        80,
        70,
        50,
        30,
        0,
    ]
    assert table.band_of(19, 20).min_percent == 95  # type: ignore[union-attr]
    assert table.band_of(189, 200).min_percent == 90  # type: ignore[union-attr]  # 94.5 %
    assert table.band_of(0, 0) is None
    assert retention_rate.fee_table_for(2023) is None  # before the revision in the file
