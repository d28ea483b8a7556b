"""The morning job through the CLI and the service, and the demo data it is shown on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.cli import main
from checkin.models import (
    Channel,
    CheckIn,
    Client,
    ClientStatus,
    Flag,
    FlagFeedback,
    FlagStatus,
    Office,
    Outcome,
    OutcomeKind,
)
from checkin.services import demo
from checkin.services.flags import upsert_candidates
from checkin.services.links import issue_link
from checkin.services.morning import run_all_offices, run_office_morning
from checkin.services.ranking import active_model
from checkin.signals import FlagCandidate, Reason
from checkin.timeutil import utcnow
from tests.conftest import NOW, TODAY, AuthActions, World


def flags(db: Session, client: Client | None = None) -> list[Flag]:
    db.expire_all()
    q = select(Flag).order_by(Flag.id)
    if client is not None:
        q = q.where(Flag.client_id == client.id)
    return list(db.scalars(q))


def answer_every_weekday(db: Session, client: Client, days: int, mood: int = 4) -> None:
    for back in range(days, 0, -1):
        d = TODAY - timedelta(days=back)
        if d.weekday() < 5:
            db.add(
                CheckIn(
                    client_id=client.id, local_date=d, mood=mood, fatigue=2, channel=Channel.WEB
                )
            )
    db.commit()


def test_run_signals_twice_for_a_date_creates_no_duplicates(
    database_url: str, db: Session, world: World
) -> None:
    # client_b went silent a week ago; client_a answers every day.
    answer_every_weekday(db, world.client_a, 40)
    for back in range(40, 8, -1):
        d = TODAY - timedelta(days=back)
        if d.weekday() < 5:
            db.add(
                CheckIn(
                    client_id=world.client_b.id,
                    local_date=d,
                    mood=4,
                    fatigue=2,
                    channel=Channel.WEB,
                )
            )
    # client_c got a card four weeks ago and never answered.
    issue_link(db, world.client_c, now=NOW - timedelta(days=28))
    db.commit()
    env = {"CHECKIN_DATABASE_URL": database_url}
    runner = CliRunner()
    first = runner.invoke(main, ["run-signals", "--date", TODAY.isoformat()], env=env)
    assert first.exit_code == 0, first.output
    after_first = [(f.id, f.client_id, f.kind) for f in flags(db)]
    second = runner.invoke(main, ["run-signals", "--date", TODAY.isoformat()], env=env)
    assert second.exit_code == 0, second.output
    assert "0 new flags" in second.output and "1 new flags" not in second.output
    assert [(f.id, f.client_id, f.kind) for f in flags(db)] == after_first
    # client_b (silent for a week) and client_c (never answered its card) are flagged, not
    # client_a.
    kinds = {(cid, kind) for _, cid, kind in after_first}
    assert (world.client_b.id, "missing") in kinds
    assert (world.client_c.id, "missing") in kinds
    assert not any(cid == world.client_a.id for cid, _ in kinds)
    flag_b = next(f for f in flags(db) if f.client_id == world.client_b.id)
    assert flag_b.assignee_id == world.suzuki.id
    assert "記録がありません" in flag_b.reasons[0]["text"]
    flag_c = next(f for f in flags(db) if f.client_id == world.client_c.id)
    card_day = TODAY - timedelta(days=28)
    assert flag_c.reasons[0]["text"].startswith(
        f"{card_day.month}月{card_day.day}日にカードかLINEで記録できるようになってから"
    )
    assert "まだ ふだんの記録の傾向は わかりません" in flag_c.reasons[0]["text"]
    assert "%" not in flag_c.reasons[0]["text"]


def test_run_signals_rejects_a_bad_date(database_url: str) -> None:
    result = CliRunner().invoke(
        main, ["run-signals", "--date", "2026-13-01"], env={"CHECKIN_DATABASE_URL": database_url}
    )
    assert result.exit_code == 2
    assert "2026-13-01" in result.output


def test_a_flag_stays_one_flag_over_several_mornings(db: Session, world: World) -> None:
    answer_every_weekday(db, world.client_a, 40)
    office = db.get(Office, world.office.id)
    assert office is not None
    db.execute(
        CheckIn.__table__.delete().where(  # type: ignore[attr-defined]
            CheckIn.client_id == world.client_a.id, CheckIn.local_date >= TODAY - timedelta(12)
        )
    )
    db.commit()
    for back in (2, 1, 0):
        run_office_morning(db, office, TODAY - timedelta(days=back), now=NOW)
        db.commit()
    [flag] = flags(db, world.client_a)
    assert flag.first_date == TODAY - timedelta(days=2)
    assert flag.last_date == TODAY
    # Re-running an older morning does not roll the flag back.
    run_office_morning(db, office, TODAY - timedelta(days=2), now=NOW)
    db.commit()
    assert flags(db, world.client_a)[0].last_date == TODAY


def test_an_acknowledged_flag_that_gets_worse_comes_back(db: Session, world: World) -> None:
    def morning(day: date, severity: str) -> None:
        cand = FlagCandidate(world.client_a.id, "trend", severity, 10.0, (Reason("x", "t"),))
        upsert_candidates(db, world.office, day, [cand], now=NOW)
        db.commit()

    morning(TODAY, "watch")
    [flag] = flags(db, world.client_a)
    flag.status = FlagStatus.ACKNOWLEDGED
    db.commit()
    morning(TODAY + timedelta(days=1), "watch")
    assert flags(db, world.client_a)[0].status == FlagStatus.ACKNOWLEDGED
    morning(TODAY + timedelta(days=2), "high")
    [flag] = flags(db, world.client_a)
    assert (flag.severity.value, flag.status) == ("high", FlagStatus.OPEN)


def test_the_morning_never_touches_another_office(db: Session, world: World) -> None:
    for c in (world.client_a, world.other_client):
        db.add(
            CheckIn(
                client_id=c.id,
                local_date=TODAY - timedelta(days=1),
                mood=3,
                fatigue=3,
                wants_contact=True,
                channel=Channel.WEB,
            )
        )
    db.commit()
    run_office_morning(db, world.office, TODAY, now=NOW)
    db.commit()
    urgent = {f.client_id for f in flags(db) if f.kind == "contact"}
    assert urgent == {world.client_a.id}
    assert all(f.office_id == world.office.id for f in flags(db))


def test_each_office_gets_its_own_local_morning(db: Session, world: World) -> None:
    world.other_office.timezone = "America/Los_Angeles"
    db.commit()
    results = run_all_offices(db, now=NOW)  # 2026-06-10 00:00 UTC
    mornings = {r.office_id: r.morning for r in results}
    assert mornings[world.office.id] == date(2026, 6, 10)
    assert mornings[world.other_office.id] == date(2026, 6, 9)


def test_demo_has_the_promised_shape(db: Session, seeded: demo.DemoResult) -> None:
    # 30 clients supported now, and the past clients of the retention rate (docs/lifecycle.md)
    active = select(func.count()).select_from(Client).where(Client.status == ClientStatus.ACTIVE)
    assert db.scalar(active) == 30
    assert db.scalar(select(func.count()).select_from(Client)) == 30 + len(demo.PAST_CLIENTS)
    assert len(seeded.logins) == 4  # the service manager and 3 supporters
    days = db.scalar(select(func.count(func.distinct(CheckIn.local_date))))
    assert days is not None and 170 <= days <= 180


@pytest.mark.parametrize("day", range(7))
def test_demo_alert_list_finds_the_troubled_clients(db: Session, day: int) -> None:
    # The demo is seeded relative to the real date: whatever weekday it starts on, the
    # scripted clients must be on the list, and the list must stay short.
    now = NOW + timedelta(days=day)
    demo.seed_demo(db, now=now, train=False)  # a model re-orders the list, never changes it
    run_all_offices(db, now=now)
    db.commit()
    clients = list(db.scalars(select(Client).order_by(Client.id)))
    by_client: dict[int, set[str]] = {}
    for f in flags(db):
        if f.status == FlagStatus.RESOLVED:
            continue  # the history's flags, handled long ago
        by_client.setdefault(f.client_id, set()).add(f.kind)
    for i in demo.SLOW_SLIDE + demo.SUDDEN_DROP + demo.FATIGUE_RISE:
        assert "trend" in by_client.get(clients[i].id, set()), (now, clients[i].name)
    assert "missing" in by_client.get(clients[demo.SILENT].id, set())
    assert "contact" in by_client.get(clients[demo.ASKS_CONTACT].id, set())
    # A readable morning: most clients are not flagged.
    assert len(by_client) <= 12, by_client


def test_demo_refuses_to_seed_twice(db: Session, seeded: demo.DemoResult) -> None:
    with pytest.raises(RuntimeError):
        demo.seed_demo(db, now=NOW)


def test_the_morning_reads_yesterdays_notes_for_crisis_words(db: Session, world: World) -> None:
    # Entries stored without the save-time check (e.g. imported): the morning still sees
    # yesterday's words of crisis, and only yesterday's.
    for back, client in ((1, world.client_a), (3, world.client_b)):
        db.add(
            CheckIn(
                client_id=client.id,
                local_date=TODAY - timedelta(days=back),
                mood=2,
                fatigue=4,
                note="もう消えたい",
                channel=Channel.IMPORT,
            )
        )
    db.commit()
    run_office_morning(db, world.office, TODAY, now=NOW)
    db.commit()
    crisis = {f.client_id for f in flags(db) if f.kind == "crisis"}
    assert crisis == {world.client_a.id}


@pytest.mark.parametrize("few", [500, 1])
def test_storing_flags_in_bulk_or_one_by_one_gives_the_same(
    db: Session, world: World, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    from checkin.services import flags as flag_service

    monkeypatch.setattr(flag_service, "FEW_CANDIDATES", few)
    cands = [
        FlagCandidate(c.id, "trend", "watch", 40.0, (Reason("x", "t"),))
        for c in (world.client_a, world.client_b, world.client_c, world.other_client)
    ]
    first = flag_service.upsert_for_offices(db, [world.office], TODAY, cands, now=NOW)
    again = flag_service.upsert_for_offices(db, [world.office], TODAY, cands, now=NOW)
    db.commit()
    assert (first[world.office.id].created, again[world.office.id].updated) == (3, 3)
    stored = flags(db)
    assert sorted(f.client_id for f in stored) == sorted(
        [world.client_a.id, world.client_b.id, world.client_c.id]
    )  # never the other office's client, never twice
    assert {f.assignee_id for f in stored} == {world.sato.id, world.suzuki.id}


def test_demo_records_monthly_meetings_with_a_few_overdue(db: Session) -> None:
    from checkin.services.overview import office_overview

    result = demo.seed_demo(db, now=NOW, train=False)
    db.commit()
    ov = office_overview(db, result.office, today=TODAY, no_contact_days=30)
    overdue = {r.client.name for r in ov.without_contact()}
    clients = list(db.scalars(select(Client).order_by(Client.id)))
    assert overdue == {clients[i].name for i in demo.OVERDUE}


def test_seed_demo_trains_the_demo_office_and_this_mornings_flags_carry_its_version(
    db: Session, database_url: str, client: FlaskClient
) -> None:
    result = CliRunner().invoke(main, ["seed-demo"], env={"CHECKIN_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "learned ranking: ranker-" in result.output
    db.expire_all()
    office = db.scalar(select(Office).where(Office.name == demo.DEMO_OFFICE))
    assert office is not None
    model = active_model(db, office.id)
    assert model is not None and model.version.startswith("ranker-") and model.model_blob
    assert model.n_positive >= 20 and model.n_negative >= 20
    assert "drop2_comp" in (model.features or [])  # trained with the rules-3 state
    # what the supporters recorded: absences and a sick leave after the past slides
    recorded = db.scalars(select(Outcome).where(Outcome.office_id == office.id)).all()
    kinds = [o.kind for o in recorded]
    assert kinds.count(OutcomeKind.SICK_LEAVE) == 1
    assert kinds.count(OutcomeKind.ABSENCE) == len(demo.PAST_SLIDES)  # + the recent one - leave
    verdicts = {fb.useful for fb in db.scalars(select(FlagFeedback))}
    assert verdicts == {True, False}
    # this morning's list (run by seed-demo) is ordered by the model and says so
    # The signals' flags; the employer's concern (its own kind, not a score) has no model.
    today = db.scalars(
        select(Flag).where(Flag.status != FlagStatus.RESOLVED, Flag.kind != "employer")
    ).all()
    assert today and {f.model_version for f in today} == {model.version}
    # a later morning run records the version too
    [res] = run_all_offices(db, now=utcnow() + timedelta(days=1))
    db.commit()
    assert res.model_version == model.version
    # the operations page shows the active model
    AuthActions(client).login("kanri", demo.DEMO_PASSWORD)
    html = client.get("/ops/jobs").get_data(as_text=True)
    assert f'使用中: <code translate="no">{model.version}</code>' in html
