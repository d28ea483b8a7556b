"""Reminders: only to the silent, once, within the plan's limit, escalating after silence."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.bot.messenger import LineMessenger
from checkin.bot.reminders import (
    SILENCE_LIMIT,
    ReminderSummary,
    retry_key,
    send_due_reminders,
)
from checkin.models import (
    Channel,
    Client,
    Flag,
    FlagStatus,
    LineAccount,
    LinePushLog,
    OfficeClosedDay,
    PushStatus,
)
from checkin.services.checkins import CheckinInput, record_checkin
from tests.bot.conftest import Clock, Line, StubLine, unfollow
from tests.conftest import AuthActions, World

TOKYO = ZoneInfo("Asia/Tokyo")
WED, THU, FRI, SAT, MON = (date(2026, 6, d) for d in (10, 11, 12, 13, 15))


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), TOKYO)


def user_of(client: Client) -> str:
    return f"U{client.id:032d}"


def link(db: Session, *clients: Client, reminder: time | None = time(18, 0)) -> None:
    for c in clients:
        c.reminder_time = reminder
        db.add(
            LineAccount(
                line_user_id=user_of(c),
                client_id=c.id,
                first_seen_at=at(WED, 8),
                linked_at=at(WED, 8),
                failed_codes=0,
            )
        )
    db.commit()


def check_in(db: Session, client: Client, now: datetime) -> None:
    data = CheckinInput(mood=3, fatigue=3, sleep_hours=Decimal(7), sleep_quality=3)
    record_checkin(db, client, data, channel=Channel.WEB, now=now)
    db.commit()


def run(db: Session, messenger: LineMessenger, now: datetime, limit: int = 200) -> ReminderSummary:
    summary = send_due_reminders(db, now=now, messenger=messenger, monthly_limit=limit)
    db.commit()
    return summary


def logs(db: Session) -> dict[tuple[int, date], PushStatus]:
    db.expire_all()
    return {(r.client_id, r.local_date): r.status for r in db.scalars(select(LinePushLog))}


def test_reminders_go_once_and_only_to_the_silent(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    a, b, c = world.client_a, world.client_b, world.client_c
    link(db, a, b)
    link(db, c, reminder=None)  # no reminder wanted
    check_in(db, b, at(WED, 12))
    run(db, messenger, at(WED, 17, 59))
    assert stub.pushes == []  # not yet time
    run(db, messenger, at(WED, 18, 5))
    assert [p.body["to"] for p in stub.pushes] == [user_of(a)]
    push = stub.pushes[0]
    assert push.headers["X-Line-Retry-Key"] == retry_key(a.id, WED, "reminder")
    assert "記録" in push.body["messages"][0]["text"]
    run(db, messenger, at(WED, 18, 30))
    run(db, messenger, at(WED, 19, 0))
    assert len(stub.pushes) == 1  # never twice
    assert logs(db) == {(a.id, WED): PushStatus.SENT}


def test_no_reminders_on_days_off_or_late_at_night(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    link(db, world.client_a)
    run(db, messenger, at(SAT, 18, 30))  # not an expected weekday
    run(db, messenger, at(THU, 23, 30))  # the run was late: more than 3 hours after
    assert stub.pushes == [] and logs(db) == {}


def test_no_reminders_on_the_offices_closed_days(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    link(db, world.client_a)
    db.add(OfficeClosedDay(office_id=world.office.id, day=THU, note="創立記念日"))
    # another office's closed day changes nothing here
    db.add(OfficeClosedDay(office_id=world.other_office.id, day=FRI))
    db.commit()
    run(db, messenger, at(THU, 18, 30))  # Thursday is a weekday, but the office is closed
    assert stub.pushes == [] and logs(db) == {}
    run(db, messenger, at(FRI, 18, 30))  # the next open day reminds as usual
    assert [p.body["to"] for p in stub.pushes] == [user_of(world.client_a)]


def test_pushes_stop_at_the_monthly_limit_and_staff_see_who_was_not_reminded(
    db: Session,
    world: World,
    stub: StubLine,
    messenger: LineMessenger,
    client: FlaskClient,
    auth: AuthActions,
    clock: Clock,
) -> None:
    a, b, c = world.client_a, world.client_b, world.client_c
    link(db, a, b, c)
    summary = run(db, messenger, at(WED, 18, 5), limit=2)
    assert len(stub.pushes) == 2
    assert summary.near_limit == [(world.office.id, 2, 2)]
    assert sorted(logs(db).values()) == sorted([PushStatus.SENT] * 2 + [PushStatus.QUOTA])
    not_reminded = next(cid for (cid, _), s in logs(db).items() if s == PushStatus.QUOTA)
    run(db, messenger, at(THU, 18, 5), limit=2)  # the next day: still over the limit
    assert len(stub.pushes) == 2
    clock.now = at(WED, 19)
    name = db.get(Client, not_reminded).name  # type: ignore[union-attr]
    auth.login("kanri")
    page = client.get("/alerts?all=1").get_data(as_text=True)
    assert "上限" in page and name in page and "リマインドできなかった人" in page


def test_lines_own_quota_count_is_respected(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    link(db, world.client_a, world.client_b)
    stub.quota_limit, stub.quota_used = 200, 199  # other pushes from LINE's manager tool
    run(db, messenger, at(WED, 18, 5))
    assert len(stub.pushes) == 1
    assert sorted(logs(db).values()) == [PushStatus.QUOTA, PushStatus.SENT]


def test_a_warning_before_the_limit(
    app: Flask,
    db: Session,
    world: World,
    messenger: LineMessenger,
    client: FlaskClient,
    auth: AuthActions,
    clock: Clock,
) -> None:
    app.extensions["checkin.line"].monthly_push_limit = 5  # CHECKIN_LINE_MONTHLY_PUSH_LIMIT
    link(db, world.client_a, world.client_b)
    run(db, messenger, at(WED, 18, 5), limit=5)
    clock.now = at(WED, 19)
    auth.login("sato")
    assert "LINE送信が 上限" not in client.get("/alerts").get_data(as_text=True)  # 2/5
    run(db, messenger, at(THU, 18, 5), limit=5)  # 4/5: 80 %
    clock.now = at(THU, 19)
    page = client.get("/alerts").get_data(as_text=True)
    assert "LINE送信が 上限に 近づいています: 4 / 5通" in page


def test_repeated_silence_goes_to_the_supporter_instead_of_more_pushes(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    a = world.client_a
    link(db, a)
    days = [WED, THU, FRI]
    assert len(days) == SILENCE_LIMIT
    for d in days:
        run(db, messenger, at(d, 18, 5))
    assert len(stub.pushes) == SILENCE_LIMIT
    run(db, messenger, at(MON, 18, 5))
    assert len(stub.pushes) == SILENCE_LIMIT  # no fourth push
    flag = db.scalar(select(Flag).where(Flag.client_id == a.id))
    assert flag is not None and flag.kind == "line_silent" and flag.assignee_id == world.sato.id
    assert logs(db)[(a.id, MON)] == PushStatus.ESCALATED
    tue = date(2026, 6, 16)
    run(db, messenger, at(tue, 18, 5))
    assert len(stub.pushes) == SILENCE_LIMIT
    assert logs(db)[(a.id, tue)] == PushStatus.HELD
    # The client answers again: the flag closes by itself and reminders resume.
    check_in(db, a, at(date(2026, 6, 17), 9))
    run(db, messenger, at(date(2026, 6, 17), 18, 5))
    db.expire_all()
    assert flag.status == FlagStatus.RESOLVED
    run(db, messenger, at(date(2026, 6, 18), 18, 5))
    assert len(stub.pushes) == SILENCE_LIMIT + 1


def test_unfollow_stops_pushes_and_is_shown(
    db: Session,
    world: World,
    stub: StubLine,
    messenger: LineMessenger,
    line: Line,
    client: FlaskClient,
    auth: AuthActions,
    clock: Clock,
) -> None:
    a = world.client_a
    link(db, a)
    line.post(unfollow(user_of(a)))
    run(db, messenger, at(WED, 18, 5))
    assert stub.pushes == []
    assert logs(db) == {(a.id, WED): PushStatus.BLOCKED}
    clock.now = at(WED, 19)
    auth.login("sato")
    page = client.get("/alerts").get_data(as_text=True)
    assert a.name in page and "ブロック" in page


def test_a_failed_push_is_retried_with_the_same_key(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    a = world.client_a
    link(db, a)
    stub.push_status = 500
    summary = run(db, messenger, at(WED, 18, 5))
    assert summary.failed == 1 and logs(db) == {(a.id, WED): PushStatus.FAILED}
    stub.push_status = 200
    run(db, messenger, at(WED, 18, 20))
    assert logs(db) == {(a.id, WED): PushStatus.SENT}
    keys = {p.headers["X-Line-Retry-Key"] for p in stub.pushes}
    assert keys == {retry_key(a.id, WED, "reminder")} and len(stub.accepted_keys) == 1


def test_a_run_whose_transaction_was_lost_does_not_push_twice(
    db: Session, world: World, stub: StubLine, messenger: LineMessenger
) -> None:
    a = world.client_a
    link(db, a)
    send_due_reminders(db, now=at(WED, 18, 5), messenger=messenger)
    db.rollback()  # e.g. the process died before committing the sent-log
    run(db, messenger, at(WED, 18, 10))
    assert len(stub.pushes) == 2  # the SDK asked twice, with the same retry key ...
    assert len(stub.accepted_keys) == 1  # ... so LINE delivered once
    assert logs(db) == {(a.id, WED): PushStatus.SENT}


def test_the_cli_command_runs(
    world: World, stub: StubLine, database_url: str, monkeypatch: object
) -> None:
    from click.testing import CliRunner

    from checkin.cli import main
    from tests.bot.conftest import TOKEN

    env = {
        "CHECKIN_DATABASE_URL": database_url,
        "CHECKIN_LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "CHECKIN_LINE_API_BASE_URL": stub.url,
    }
    result = CliRunner().invoke(main, ["line-remind"], env=env)
    assert result.exit_code == 0, result.output
    assert "sent" in result.output
    result = CliRunner().invoke(main, ["line-remind"], env={"CHECKIN_DATABASE_URL": database_url})
    assert result.exit_code != 0 and "ACCESS_TOKEN" in result.output


def test_the_scheduler_job_sends_due_reminders_once(
    db: Session, factory: Any, world: World, stub: StubLine
) -> None:
    from jobs.base import JobContext
    from jobs.line import line_reminders_job
    from jobs.registry import job_ids
    from tests.bot.conftest import TOKEN

    assert "line-reminders" in job_ids()
    link(db, world.client_a)
    env = {"CHECKIN_LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "CHECKIN_LINE_API_BASE_URL": stub.url}
    tick = line_reminders_job(lambda: env)
    first = tick(JobContext(factory=factory, now=at(WED, 18, 5)))
    again = tick(JobContext(factory=factory, now=at(WED, 18, 6)))
    assert first.counts["sent"] == 1 and again.counts["sent"] == 0
    assert [p.body["to"] for p in stub.pushes] == [user_of(world.client_a)]
    # Without LINE settings the job does nothing.
    off = line_reminders_job(lambda: {})(JobContext(factory=factory, now=at(WED, 18, 7)))
    assert not off.counts and len(stub.pushes) == 1
