"""The morning job and new clients: no missed-entry flag before a client could answer, the
client's own habit in the reason once it is known, and this morning's check-in seen."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn, Client, Flag, FlagStatus, LineAccount
from checkin.services import transfer
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.links import issue_link
from checkin.services.morning import run_all_offices, run_office_morning
from checkin.timeutil import local_date
from tests.conftest import NOW, TODAY, World

HABIT_UNKNOWN = "まだ ふだんの記録の傾向は わかりません"


def missing_flags(db: Session, client: Client | None = None) -> list[Flag]:
    db.expire_all()
    q = select(Flag).where(Flag.kind == "missing").order_by(Flag.id)
    if client is not None:
        q = q.where(Flag.client_id == client.id)
    return list(db.scalars(q))


def weekdays(first: date, last: date, skip: tuple[int, ...] = (5, 6)) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() not in skip]


def answer(db: Session, client: Client, days: list[date]) -> None:
    for d in days:
        db.add(CheckIn(client_id=client.id, local_date=d, mood=4, fatigue=2, channel=Channel.WEB))
    db.commit()


def card(db: Session, client: Client, days_ago: int) -> date:
    """Give the client a card ``days_ago`` days before NOW; returns its local day."""
    at = NOW - timedelta(days=days_ago)
    issue_link(db, client, now=at)
    db.commit()
    return local_date(at, "Asia/Tokyo")


def import_file(rows: list[list[str]], kind: str) -> tuple[str, bytes]:
    header = ["name", "supporter_login", "hire_date", "service_start", "stage"]
    if kind == "xlsx":
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        for row in [header, *rows]:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        return "clients.xlsx", buf.getvalue()
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    return "clients.csv", text.encode()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_imported_clients_without_a_card_get_no_missed_day_flag(
    db: Session, world: World, kind: str
) -> None:
    stages = ["exploration", "adjustment", "stability", "self_driving"]
    rows = [
        [f"取込 {i}", "sato", f"2025-{1 + i % 12:02d}-01", f"2026-0{1 + i % 5}-01", stages[i % 4]]
        for i in range(30)
    ]
    preview = transfer.preview_clients(db, world.office, *import_file(rows, kind))
    assert preview.ok, [r.problems for r in preview.rows]
    imported, _ = transfer.import_clients(db, world.office, preview, actor=world.manager)
    db.commit()
    assert len(imported) == 30 and all(c.service_start < TODAY for c in imported)
    # One client of the office answers every weekday, so the office has a habit to compare.
    card(db, world.client_a, 60)
    answer(db, world.client_a, weekdays(TODAY - timedelta(days=60), TODAY - timedelta(days=1)))
    results = run_all_offices(db, now=NOW)
    assert sum(r.clients for r in results) == 30 + 4  # every active client was judged
    assert missing_flags(db) == []
    # The next mornings too, until someone hands them a card (client_a, silent from today
    # on, is flagged in the meantime: the job does judge silence).
    for back in (1, 2, 3):
        run_all_offices(db, now=NOW + timedelta(days=back))
    assert {f.client_id for f in missing_flags(db)} == {world.client_a.id}


def test_a_client_who_misses_days_after_their_habit_is_known_is_flagged_with_their_own_habit(
    db: Session, world: World
) -> None:
    # client_a got a card seven weeks ago and answers Monday to Thursday (not on Fridays);
    # client_b has no card, but past answers (imported): answerable from the first one.
    given = card(db, world.client_a, 50)
    last_a = TODAY - timedelta(days=8)
    own_a = weekdays(given, last_a, skip=(4, 5, 6))
    answer(db, world.client_a, own_a)
    first_b, last_b = TODAY - timedelta(days=40), TODAY - timedelta(days=9)
    own_b = weekdays(first_b, last_b)
    answer(db, world.client_b, own_b)
    # a third client answers every weekday up to yesterday (the office's usual habit)
    card(db, world.client_c, 60)
    answer(db, world.client_c, weekdays(TODAY - timedelta(days=60), TODAY - timedelta(days=1)))
    run_office_morning(db, world.office, TODAY, now=NOW)
    (flag_a,) = missing_flags(db, world.client_a)
    (flag_b,) = missing_flags(db, world.client_b)
    assert missing_flags(db, world.client_c) == []
    for flag, own, first, last in (
        (flag_a, own_a, given, last_a),
        (flag_b, own_b, first_b, last_b),
    ):
        expected = len(weekdays(first, last))  # no expected day before the card or answer
        reason = flag.reasons[0]
        pct = round(100 * len(own) / expected)
        assert reason["values"]["habit_known"] is True
        assert (
            reason["values"]["habit_expected_days"],
            reason["values"]["habit_answered_days"],
        ) == (
            expected,
            len(own),
        )
        assert (
            f"ふだんは記録する予定の日の{pct}%に記録: {expected}日のうち{len(own)}日"
            f"、最後の記録: {last.month}月{last.day}日" in reason["text"]
        ), reason["text"]
        silent = len(weekdays(last + timedelta(days=1), TODAY - timedelta(days=1)))
        assert reason["text"].startswith(f"記録する予定の日に{silent}日続けて記録がありません")


def test_a_check_in_this_morning_is_seen_by_the_job_or_withdraws_the_flag(
    db: Session, world: World
) -> None:
    # client_a and client_b both answered every weekday for six weeks, then fell silent a
    # week ago. client_a checks in at 08:00 this morning, before the job; client_b after.
    for c in (world.client_a, world.client_b):
        card(db, c, 60)
        answer(db, c, weekdays(TODAY - timedelta(days=50), TODAY - timedelta(days=8)))
    early = NOW - timedelta(hours=1)
    assert local_date(early, "Asia/Tokyo") == TODAY
    entry = CheckinInput(mood=4, fatigue=2, sleep_hours=Decimal("7"), sleep_quality=4)
    record_checkin(db, world.client_a, entry, channel=Channel.WEB, now=early)
    db.commit()
    run_office_morning(db, world.office, TODAY, now=NOW)
    assert missing_flags(db, world.client_a) == []  # seen by this morning's job
    (flag_b,) = missing_flags(db, world.client_b)
    assert flag_b.status == FlagStatus.OPEN
    later = NOW + timedelta(hours=2)
    record_checkin(db, world.client_b, entry, channel=Channel.WEB, now=later)
    db.commit()
    (flag_b,) = missing_flags(db, world.client_b)
    assert flag_b.status == FlagStatus.RESOLVED  # withdrawn when the answer arrives
    # running the same morning again raises neither flag anew
    run_office_morning(db, world.office, TODAY, now=later)
    assert [(f.client_id, f.status) for f in missing_flags(db)] == [
        (world.client_b.id, FlagStatus.RESOLVED)
    ]


def test_a_line_link_makes_a_client_answerable(db: Session, world: World) -> None:
    # client_c linked LINE three weeks ago and never answered; client_b linked yesterday.
    linked = NOW - timedelta(days=21)
    db.add_all(
        [
            LineAccount(
                line_user_id="U-c",
                client_id=world.client_c.id,
                first_seen_at=linked,
                linked_at=linked,
                failed_codes=0,
            ),
            LineAccount(
                line_user_id="U-b",
                client_id=world.client_b.id,
                first_seen_at=linked,
                linked_at=NOW - timedelta(days=1),
                failed_codes=0,
            ),
        ]
    )
    db.commit()
    run_office_morning(db, world.office, TODAY, now=NOW)
    assert missing_flags(db, world.client_b) == []
    assert missing_flags(db, world.client_a) == []  # no card, no LINE, no answer
    (flag,) = missing_flags(db, world.client_c)
    day = local_date(linked, "Asia/Tokyo")
    silent = len(weekdays(day, TODAY - timedelta(days=1)))
    assert flag.reasons[0]["text"] == (
        f"{day.month}月{day.day}日にカードかLINEで記録できるようになってから、"
        f"記録する予定の日に{silent}日 記録がありません ({HABIT_UNKNOWN})"
    )


def test_a_card_counts_from_its_day_in_the_offices_time_zone(db: Session, world: World) -> None:
    # 00:30 on 21 May in Tokyo is still 20 May in UTC: the card's day is the office's.
    at = datetime(2026, 5, 20, 15, 30, tzinfo=NOW.tzinfo)
    issue_link(db, world.client_c, now=at)
    db.commit()
    run_office_morning(db, world.office, TODAY, now=NOW)
    (flag,) = missing_flags(db, world.client_c)
    assert flag.reasons[0]["values"]["answerable_from"] == "2026-05-21"
