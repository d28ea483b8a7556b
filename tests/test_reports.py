"""The monthly support report (issue 14): the draft written from the month's data, the
client page's list and generate button, regenerating the summary, the client's link to
what awaits them, the office's counts, and who may do what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import (
    AuditEvent,
    Channel,
    CheckIn,
    ClientDocument,
    ClientStatus,
    Contact,
    ContactKind,
    Disclosure,
    DocKind,
    DocStatus,
    Flag,
    FlagStatus,
    LineAccount,
    OfficeClosedDay,
    Severity,
)
from checkin.services import demo, reports, support
from checkin.services import documents as docs
from checkin.services.errors import ValidationError
from checkin.services.links import issue_link
from checkin.services.selfview_links import make_selfview_token
from tests.conftest import NOW, TODAY, AuthActions, World, csrf_from
from tests.test_documents import _employer, _employer_login

WEEKDAYS = frozenset(range(5))


def _answer(db: Session, client_id: int, day: date, mood: int = 4, fatigue: int = 2) -> None:
    db.add(
        CheckIn(
            client_id=client_id,
            local_date=day,
            mood=mood,
            fatigue=fatigue,
            sleep_hours=Decimal("7"),
            sleep_quality=3,
            channel=Channel.WEB,
        )
    )


def _weekdays(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if (first + timedelta(days=i)).weekday() in WEEKDAYS
    ]


@pytest.mark.parametrize(
    ("year", "month", "days", "weekdays"),
    [(2026, 2, 28, 20), (2028, 2, 29, 21), (2026, 4, 30, 22), (2025, 12, 31, 23)],
)
def test_months_of_28_to_31_days_and_the_year_end(
    db: Session, world: World, year: int, month: int, days: int, weekdays: int
) -> None:
    first, last = reports.month_bounds(year, month)
    assert (last - first).days + 1 == days
    client = world.client_a
    client.service_start = date(2025, 1, 1)
    for d in _weekdays(first, last)[:-2]:  # every weekday but the last two
        _answer(db, client.id, d)
    db.commit()
    today = date(2028, 6, 1)
    body = reports.draft_body(db, client, year, month, today=today)
    assert (
        f"記録を お願いしていた {weekdays}日の うち {weekdays - 2}日 記録しました"
        in (body["summary"])
    )
    assert "までの 分" not in body["summary"]  # a past month is counted whole


def test_december_report_reads_december_rows_only(db: Session, world: World) -> None:
    client = world.client_a
    client.service_start = date(2025, 1, 1)
    _answer(db, client.id, date(2025, 12, 31))
    _answer(db, client.id, date(2026, 1, 1))  # a holiday answer in the new year
    db.commit()
    dec = reports.draft_body(db, client, 2025, 12, today=TODAY)["summary"]
    jan = reports.draft_body(db, client, 2026, 1, today=TODAY)["summary"]
    assert "うち 1日 記録しました" in dec
    assert "記録を お願いしていた" in jan and "ほかの 日にも" not in jan
    assert reports.period_of(2025, 12) == "2025-12" and reports.period_label("2025-12") == (
        "2025年12月"
    )


def test_client_starting_and_ending_mid_month(db: Session, world: World) -> None:
    a, b = world.client_a, world.client_b
    a.service_start = date(2026, 5, 13)  # a Wednesday
    b.service_end = date(2026, 5, 20)  # a Wednesday
    for d in _weekdays(date(2026, 5, 1), date(2026, 5, 31)):
        for c in (a, b):
            _answer(db, c.id, d)
    db.commit()
    sa = reports.draft_body(db, a, 2026, 5, today=TODAY)["summary"]
    sb = reports.draft_body(db, b, 2026, 5, today=TODAY)["summary"]
    assert "支援の はじまりは 5月13日 です" in sa
    # 13th to 29th: 13 weekdays expected; the answers before the start are "other days".
    assert "記録を お願いしていた 13日の うち 13日" in sa
    assert "支援の おわりは 5月20日 です" in sb
    assert "記録を お願いしていた 14日の うち 14日" in sb
    # Outside the support: no report for that month.
    with pytest.raises(ValidationError):
        reports.generate(db, a, 2026, 4, by=world.sato, now=NOW)
    with pytest.raises(ValidationError):
        reports.generate(db, b, 2026, 6, by=world.sato, now=NOW)


def test_a_month_without_check_ins_says_so(db: Session, world: World) -> None:
    client = world.client_a
    issue_link(db, client, now=datetime(2026, 4, 1, tzinfo=UTC))  # could answer from April
    db.commit()
    body = reports.draft_body(db, client, 2026, 5, today=TODAY)
    assert (
        "2026年5月は 記録が ありませんでした (記録を お願いしていた 日: 21日)" in (body["summary"])
    )
    assert "%" not in body["summary"]
    # Never able to answer (no card, no LINE): nothing was asked, and it says so.
    none = reports.draft_body(db, world.client_c, 2026, 5, today=TODAY)["summary"]
    assert "記録を お願いする 日が ありませんでした" in none


def test_closed_days_pauses_and_this_month_so_far(db: Session, world: World) -> None:
    client = world.client_a
    db.add(OfficeClosedDay(office_id=world.office.id, day=date(2026, 5, 4)))
    db.add(OfficeClosedDay(office_id=world.office.id, day=date(2026, 5, 5)))
    # paused from the 18th to the 24th (resumed on the 25th)
    for when, old, new in (
        (datetime(2026, 5, 18, 1, tzinfo=UTC), "active", "paused"),
        (datetime(2026, 5, 25, 1, tzinfo=UTC), "paused", "active"),
    ):
        db.add(
            AuditEvent(
                at=when,
                office_id=world.office.id,
                actor_type="staff",
                action="client.status",
                client_id=client.id,
                detail={"from": old, "to": new},
            )
        )
    _answer(db, client.id, date(2026, 5, 1))
    for d in _weekdays(date(2026, 6, 1), TODAY - timedelta(days=1)):
        _answer(db, client.id, d)
    db.commit()
    may = reports.draft_body(db, client, 2026, 5, today=TODAY)["summary"]
    # 21 weekdays, minus 2 closed days, minus 5 paused weekdays
    assert "記録を お願いしていた 14日の うち 1日 記録しました (7%)" in may
    assert "お休みしていた 日が 7日" in may
    june = reports.draft_body(db, client, 2026, 6, today=TODAY)["summary"]
    # this month so far: today not answered yet, so it is not counted as missed
    assert "7日の うち 7日 記録しました (100%)。6月9日 までの 分です。" in june


def test_usual_band_flags_contacts_and_meetings(db: Session, world: World) -> None:
    client = world.client_a
    for d in _weekdays(date(2026, 3, 16), date(2026, 4, 17)):
        _answer(db, client.id, d, mood=4, fatigue=2)
    for d in _weekdays(date(2026, 5, 1), date(2026, 5, 31)):
        _answer(db, client.id, d, mood=2, fatigue=4)
    flag = Flag(
        office_id=world.office.id,
        client_id=client.id,
        kind="trend",
        severity=Severity.HIGH,
        score=3.0,
        reasons=[{"code": "x", "text": "内部の言葉", "values": {}}],
        first_date=date(2026, 5, 12),
        last_date=date(2026, 5, 14),
        status=FlagStatus.RESOLVED,
    )
    db.add(flag)
    db.flush()
    jst = 9
    for day, kind, flag_id, note in (
        (12, ContactKind.CALL, flag.id, "本人のひみつ"),
        (20, ContactKind.MEETING, None, "面談メモ"),
        (27, ContactKind.EMPLOYER, None, None),
    ):
        db.add(
            Contact(
                office_id=world.office.id,
                client_id=client.id,
                staff_id=world.sato.id,
                kind=kind,
                occurred_at=datetime(2026, 5, day, 10 - jst, tzinfo=UTC),
                note=note,
                flag_id=flag_id,
            )
        )
    db.commit()
    s = reports.draft_body(db, client, 2026, 5, today=TODAY)["summary"]
    assert "気分: 平均 2.0 (ふだんは" in s and "→ ふだんより 低め (ふだんより 低い 日が 21日)" in s
    assert "疲れ: 平均 4.0" in s and "→ ふだんより 疲れ気味" in s
    assert "・5月12日 調子が ふだんより よくない 日が つづいた → 5月12日 電話 (対応 済み)" in s
    assert "・5月20日 面談 (会って)" in s and "・5月27日 会社との 連絡" in s
    assert "内部の言葉" not in s and "ひみつ" not in s and "面談メモ" not in s
    # A client with too few earlier answers: no band is claimed.
    _answer(db, world.client_b.id, date(2026, 5, 7))
    db.commit()
    sb = reports.draft_body(db, world.client_b, 2026, 5, today=TODAY)["summary"]
    assert "ふだんの はんいは まだ わかりません" in sb
    assert "面談の 記録は まだ ありません" in sb


def test_goal_from_the_confirmed_support_plan(db: Session, world: World) -> None:
    client = world.client_a
    assert reports.draft_body(db, client, 2026, 5, today=TODAY)["goal"] == ""
    plan = ClientDocument(
        office_id=world.office.id,
        client_id=client.id,
        kind=DocKind.SUPPORT_PLAN,
        period="2026-04-01",
        status=DocStatus.CONFIRMED,
        body={
            "long_goal": "長く働く",
            "short_goals": ["朝 8時に 起きる", {"text": "昼休みを とる"}],
        },
        private_items=[],
        created_at=NOW,
        updated_at=NOW,
    )
    db.add(plan)
    db.commit()
    goal = reports.draft_body(db, client, 2026, 5, today=TODAY)["goal"]
    assert goal == "・朝 8時に 起きる\n・昼休みを とる"
    plan.body = {"long_goal": "長く働く"}
    db.commit()
    assert reports.draft_body(db, client, 2026, 5, today=TODAY)["goal"] == "長く働く"


def test_closed_employment_has_no_employer_part(db: Session, world: World) -> None:
    client = world.client_b
    client.disclosure = Disclosure.CLOSED
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=client.id,
            staff_id=world.suzuki.id,
            kind=ContactKind.EMPLOYER,
            occurred_at=datetime(2026, 5, 8, 1, tzinfo=UTC),
        )
    )
    db.commit()
    body = reports.draft_body(db, client, 2026, 5, today=TODAY)
    assert "next_employer" not in body and "shared" not in body
    assert "会社" not in body["summary"]
    doc = reports.generate(db, client, 2026, 5, by=world.suzuki, now=NOW)
    keys = [s.key for s in docs.sections_of(doc)]
    assert "next_employer" not in keys and "shared" not in keys
    assert not any(s.shareable for s in docs.sections_of(doc))


def test_parse_month() -> None:
    assert reports.parse_month("2026-06", today=TODAY) == (2026, 6)
    assert reports.parse_month("2025-12", today=TODAY) == (2025, 12)
    for bad in ("2026-13", "2026-00", "junk", "", "2026-07", "2099-01", "1999-01", "2026-6-1"):
        with pytest.raises(ValidationError):
            reports.parse_month(bad, today=TODAY)


def test_regenerate_keeps_the_supporters_text_and_checks_the_revision(
    db: Session, world: World
) -> None:
    client = world.client_a
    doc = reports.generate(db, client, 2026, 6, by=world.sato, now=NOW)
    db.commit()
    assert "記録を お願いする 日が ありませんでした" in doc.body["summary"]
    docs.save(db, doc, {"support": "面談を した"}, revision=1, by=world.sato, now=NOW)
    _answer(db, client.id, date(2026, 6, 9))
    db.commit()
    reports.regenerate_summary(db, doc, revision=2, by=world.sato, now=NOW)
    db.commit()
    assert doc.body["support"] == "面談を した" and "記録しました" in doc.body["summary"]
    with pytest.raises(docs.DocumentConflict):  # a page opened before the last save
        reports.regenerate_summary(db, doc, revision=2, by=world.suzuki, now=NOW)
    db.rollback()
    # generate again: the open draft, never a second one nor an overwrite
    again = reports.generate(db, client, 2026, 6, by=world.suzuki, now=NOW)
    assert again.id == doc.id and again.body["support"] == "面談を した"


def test_report_counts_do_not_depend_on_the_client(db: Session, world: World) -> None:
    a = reports.generate(db, world.client_a, 2026, 5, by=world.sato, now=NOW)
    b = reports.generate(db, world.client_b, 2026, 5, by=world.sato, now=NOW)
    reports.generate(db, world.other_client, 2026, 5, by=world.outsider, now=NOW)
    docs.send(db, a, by=world.sato, now=NOW)
    docs.confirm(db, a, channel="web", private_items=[], now=NOW)
    docs.revise(db, a, by=world.sato, now=NOW)  # v2 draft: counted once, as a draft
    db.commit()
    counts = reports.report_counts(db, world.office.id, 2026, 5)
    assert counts[DocStatus.DRAFT] == 2 and counts[DocStatus.CONFIRMED] == 0
    # The client's identity removed later (name blanked, service ended): same counts.
    world.client_b.name = ""
    world.client_b.name_kana = None
    world.client_b.status = ClientStatus.ENDED
    db.commit()
    assert reports.report_counts(db, world.office.id, 2026, 5) == counts
    assert sum(reports.report_counts(db, world.other_office.id, 2026, 5).values()) == 1
    assert b.period == "2026-05"


# --- the pages --------------------------------------------------------------------------


def _client_page(client: FlaskClient, world: World) -> str:
    return client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)


def test_supporter_generates_edits_regenerates_and_sends(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    auth.login("sato")
    page = _client_page(client, world)
    assert "支援レポート" in page and "2026年6月" in page and "記録から下書きを作る" in page
    token = csrf_from(page)
    resp = client.post(
        f"/clients/{world.client_a.id}/reports", data={"csrf_token": token, "month": "2026-06"}
    )
    assert resp.status_code == 303 and "/edit" in resp.headers["Location"]
    doc = db.scalars(select(ClientDocument)).one()
    assert doc.period == "2026-06" and doc.status == DocStatus.DRAFT
    edit = client.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    assert "支援計画 (確定版) があれば" in edit  # the help texts
    form = {"csrf_token": token, "revision": "1", "goal": "朝の準備", "support": "面談"}
    assert client.post(f"/documents/{doc.id}/edit", data=form).status_code == 303
    view = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "記録のまとめを作りなおす" in view
    resp = client.post(f"/documents/{doc.id}/summary", data={"csrf_token": token, "revision": "2"})
    assert resp.status_code == 303
    db.refresh(doc)
    assert doc.revision == 3 and doc.body["goal"] == "朝の準備"
    # a stale regenerate (revision 2): a message, nothing saved
    client.post(f"/documents/{doc.id}/summary", data={"csrf_token": token, "revision": "2"})
    db.refresh(doc)
    assert doc.revision == 3
    assert "ほかの人" in client.get(f"/documents/{doc.id}").get_data(as_text=True)
    # the generate button of a month with a report opens it
    resp = client.post(
        f"/clients/{world.client_a.id}/reports", data={"csrf_token": token, "month": "2026-06"}
    )
    assert resp.headers["Location"].endswith(f"/documents/{doc.id}/edit")
    assert client.post(f"/documents/{doc.id}/send", data={"csrf_token": token}).status_code == 303
    db.refresh(doc)
    assert doc.status == DocStatus.SENT
    assert "本人の確認待ち" in _client_page(client, world)
    # the office's month
    board = client.get("/reports?month=2026-06").get_data(as_text=True)
    assert "本人の確認待ち: 1" in board and "田中 健太" in board


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "月は 1 から 12 までです。"),
        ("今月", "月は 2026-12 の形で 選んでください。"),
        ("2030-01", "まだ来ていない月の レポートは 作れません。"),
        ("", "月は 2026-12 の形で 選んでください。"),
        ("2026-06-01", "月は 2026-12 の形で 選んでください。"),
        ("2019-01", "6年より前の月の レポートは 作れません。"),
    ],
)
def test_bad_month_saves_nothing(
    client: FlaskClient, auth: AuthActions, db: Session, world: World, month: str, message: str
) -> None:
    auth.login("sato")
    token = csrf_from(_client_page(client, world))
    resp = client.post(
        f"/clients/{world.client_a.id}/reports", data={"csrf_token": token, "month": month}
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#reports")
    assert db.scalar(select(func.count()).select_from(ClientDocument)) == 0
    assert message in _client_page(client, world)
    assert client.get("/reports?month=2026-13").status_code == 400


def test_another_office_and_an_employer_are_denied_on_every_new_route(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    doc = reports.generate(db, world.client_a, 2026, 6, by=world.sato, now=NOW)
    db.commit()
    auth.login("yoso")
    token = auth.token("/alerts")
    assert (
        client.post(
            f"/clients/{world.client_a.id}/reports", data={"csrf_token": token, "month": "2026-06"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/documents/{doc.id}/summary", data={"csrf_token": token, "revision": "1"}
        ).status_code
        == 404
    )
    board = client.get("/reports?month=2026-06").get_data(as_text=True)
    assert "田中 健太" not in board
    assert db.scalar(select(func.count()).select_from(ClientDocument)) == 1
    client.post("/logout", data={"csrf_token": token})
    # An employer (no consent at all) reaches none of them, nor the report.
    e = _employer(db, world)
    world.client_a.employer_id = e.id
    db.commit()
    _employer_login(client)
    assert client.get("/reports").status_code in (302, 403)
    assert client.post(f"/documents/{doc.id}/summary", data={"revision": "1"}).status_code in (
        302,
        400,
        403,
    )
    assert client.get(f"/employer/documents/{doc.id}").status_code in (403, 404)


def test_ended_clients_reports_stay_readable(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    c = world.client_a
    doc = reports.generate(db, c, 2026, 3, by=world.sato, now=NOW)
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=[], now=NOW)
    c.status = ClientStatus.ENDED
    c.service_end = date(2026, 3, 31)
    db.commit()
    auth.login("sato")
    page = _client_page(client, world)
    assert "2026年3月" in page and "本人確認済み" in page
    assert client.get(f"/documents/{doc.id}").status_code == 200
    assert client.get(f"/documents/{doc.id}/print").status_code == 200
    # A month after the end cannot be drafted.
    token = csrf_from(page)
    client.post(f"/clients/{c.id}/reports", data={"csrf_token": token, "month": "2026-05"})
    assert db.scalar(select(func.count()).select_from(ClientDocument)) == 1


def test_edited_after_confirmation_is_a_new_version(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    doc = reports.generate(db, world.client_a, 2026, 5, by=world.sato, now=NOW)
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=[], now=NOW)
    db.commit()
    auth.login("sato")
    token = csrf_from(_client_page(client, world))
    # generating again points to the confirmed one; revising makes version 2
    resp = client.post(
        f"/clients/{world.client_a.id}/reports", data={"csrf_token": token, "month": "2026-05"}
    )
    assert resp.headers["Location"].endswith(f"/documents/{doc.id}")
    resp = client.post(f"/documents/{doc.id}/revise", data={"csrf_token": token})
    v2 = db.scalars(select(ClientDocument).where(ClientDocument.version == 2)).one()
    assert resp.headers["Location"].endswith(f"/documents/{v2.id}/edit")
    assert (
        client.post(
            f"/documents/{doc.id}/summary", data={"csrf_token": token, "revision": "1"}
        ).status_code
        == 303
    )
    db.refresh(doc)
    assert doc.status == DocStatus.CONFIRMED and doc.revision == 1  # the old one untouched


def test_two_supporters_editing_at_once(app: Flask, db: Session, world: World) -> None:
    doc = reports.generate(db, world.client_a, 2026, 6, by=world.sato, now=NOW)
    db.commit()
    sato, suzuki = app.test_client(), app.test_client()
    AuthActions(sato).login("sato")
    AuthActions(suzuki).login("suzuki")
    page_a = sato.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    page_b = suzuki.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    a = {"csrf_token": csrf_from(page_a), "revision": "1", "goal": "佐藤の目標"}
    b = {"csrf_token": csrf_from(page_b), "revision": "1", "goal": "鈴木の目標"}
    assert sato.post(f"/documents/{doc.id}/edit", data=a).status_code == 303
    resp = suzuki.post(f"/documents/{doc.id}/edit", data=b)
    assert resp.status_code == 409 and "鈴木の目標" in resp.get_data(as_text=True)
    db.refresh(doc)
    assert doc.body["goal"] == "佐藤の目標"


def test_client_pages_show_what_awaits_them(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    c = world.client_a
    token = issue_link(db, c, now=NOW)
    account = LineAccount(
        line_user_id="U" + "b" * 32, client_id=c.id, first_seen_at=NOW, linked_at=NOW
    )
    db.add(account)
    db.commit()
    signed = make_selfview_token(app.secret_key or "", c, account, now=NOW)
    label = "よんで かくにん する もの (1)"
    assert label not in client.get(f"/c/{token}").get_data(as_text=True)
    doc = reports.generate(db, c, 2026, 6, by=world.sato, now=NOW)
    docs.send(db, doc, by=world.sato, now=NOW)
    db.commit()
    for path, href in (
        (f"/c/{token}", f"/c/{token}/docs"),
        (f"/c/{token}/me", f"/c/{token}/docs"),
        (f"/me/{signed}", f"/me/{signed}/docs"),
    ):
        html = client.get(path).get_data(as_text=True)
        assert label in html and href in html, path
    # another client's pages say nothing
    other = issue_link(db, world.client_b, now=NOW)
    db.commit()
    assert "よんで かくにん" not in client.get(f"/c/{other}").get_data(as_text=True)


def test_employer_sees_shared_items_of_a_generated_report(
    client: FlaskClient, db: Session, world: World
) -> None:
    e = _employer(db, world)
    world.client_a.employer_id = e.id
    doc = reports.generate(db, world.client_a, 2026, 5, by=world.sato, now=NOW)
    docs.save(
        db,
        doc,
        {"goal": "共有する目標", "shared": "見せない話"},
        revision=1,
        by=world.sato,
        now=NOW,
    )
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=["shared"], now=NOW)
    support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=e.id,
        agency_name=None,
        scopes=["reports"],
        evidence="同意書",
        now=NOW,
    )
    db.commit()
    _employer_login(client)
    html = client.get(f"/employer/documents/{doc.id}").get_data(as_text=True)
    assert "共有する目標" in html and "見せない話" not in html
    assert "記録のまとめ" not in html


def test_the_demo_has_reports_in_every_state(
    db: Session, seeded: demo.DemoResult, client: FlaskClient
) -> None:
    office = seeded.office
    today = NOW.date()
    counts = reports.report_counts(db, office.id, today.year, today.month)
    assert all(counts[s] == 1 for s in DocStatus), counts
    returned = db.scalars(
        select(ClientDocument).where(ClientDocument.status == DocStatus.RETURNED)
    ).one()
    assert returned.client_comment
    past = db.scalars(
        select(ClientDocument).where(ClientDocument.period < reports.period_of(2026, 6))
    ).all()
    assert len(past) >= 3 * 5 and all(d.status == DocStatus.CONFIRMED for d in past)
    kept = [d for d in past if d.private_items]
    assert kept and any(d.client_id == seeded.link_client.id for d in kept)
    # The demo employer (with the reports consent) sees that client's confirmed reports.
    login, _name = demo.EMPLOYER_LOGIN
    page = client.get("/employer/login").get_data(as_text=True)
    client.post(
        "/employer/login",
        data={"login": login, "password": demo.DEMO_PASSWORD, "csrf_token": csrf_from(page)},
    )
    html = client.get(f"/employer/clients/{seeded.link_client.id}").get_data(as_text=True)
    assert "/employer/documents/" in html
