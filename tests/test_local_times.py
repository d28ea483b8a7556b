"""Times on screens are the office's (issue 12): a link made or a consent recorded at 08:00 in
Tokyo (23:00 UTC the day before) shows Tokyo's date; the audit log reads as sentences."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, ClientStatus, Employer
from checkin.services import audit, support
from checkin.services.clients import set_status
from checkin.services.links import issue_link
from checkin.services.overview import office_overview
from tests.conftest import NOW, TODAY, AuthActions, World

# 08:00 on 10 June in Tokyo is 23:00 on 9 June in UTC; 00:30 on 11 June is 15:30 on 10 June.
MORNING_JST = datetime(2026, 6, 9, 23, 0, tzinfo=UTC)
MIDNIGHT_JST = datetime(2026, 6, 10, 15, 30, tzinfo=UTC)


def _pin_audit_times(db: Session, client_id: int, at: datetime) -> None:
    for e in db.scalars(select(AuditEvent).where(AuditEvent.client_id == client_id)):
        e.at = at  # the log stamps the real clock; pin it to the test's morning


def test_link_consent_and_audit_show_the_offices_date_early_in_the_morning(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    a = world.client_a
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら物流")
    db.add(employer)
    db.flush()
    issue_link(db, a, now=MORNING_JST, actor=world.sato)
    consent = support.add_consent(
        db,
        world.sato,
        a,
        employer_id=employer.id,
        agency_name=None,
        scopes=["trend", "answer_rate", "flags"],
        evidence="同意書 1号",
        now=MORNING_JST,
    )
    support.record_contact(
        db, world.sato, a, kind="call", occurred_at=MORNING_JST, note=None, flag_id=None, now=NOW
    )
    _pin_audit_times(db, a.id, MORNING_JST)
    support.revoke_consent(db, world.sato, consent.id, now=MIDNIGHT_JST)
    db.flush()
    latest = db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.revoke")).one()
    latest.at = MIDNIGHT_JST
    db.commit()

    auth.login("sato")
    page = client.get(f"/clients/{a.id}").get_data(as_text=True)
    assert "有効なリンクがあります (2026-06-10 作成)" in page
    assert "2026-06-09" not in page.split('id="consents"')[1].split("</section>")[0]
    assert "(根拠: 同意書 1号、佐藤 2026-06-10)" in page
    assert "取消 2026-06-11" in page  # 00:30 in Tokyo: already the 11th
    assert "06/10 08:00" in page  # the contact

    log = client.get(f"/clients/{a.id}/audit").get_data(as_text=True)
    assert "日時 (UTC)" not in log
    assert "2026-06-10 08:00" in log and "2026-06-11 00:30" in log
    assert "2026-06-09 23:00" not in log
    assert (
        "佐藤が 株式会社あおぞら物流への共有を取り消しました (範囲: 回答率・アラート件数・傾向)"
        in log
    )
    assert "佐藤が 株式会社あおぞら物流への共有の同意を記録しました" in log
    assert "佐藤が 記録用リンクを発行しました" in log
    assert "佐藤が 連絡を記録しました (電話)" in log
    assert "consent.revoke" not in log.replace('data-action="consent.revoke"', "")


def test_a_contact_at_0830_in_tokyo_counts_on_tokyos_day(db: Session, world: World) -> None:
    # 30 days before 10 June is 11 May: a contact at 08:30 on 11 May in Tokyo (23:30 on 10 May
    # in UTC) is within the 30 days; read as UTC it was not.
    support.record_contact(
        db,
        world.sato,
        world.client_a,
        kind="meeting",
        occurred_at=datetime(2026, 5, 10, 23, 30, tzinfo=UTC),
        note=None,
        flag_id=None,
        now=NOW,
    )
    support.record_contact(
        db,
        world.sato,
        world.client_b,
        kind="meeting",
        occurred_at=datetime(2026, 5, 10, 14, 59, tzinfo=UTC),  # 23:59 on 10 May in Tokyo
        note=None,
        flag_id=None,
        now=NOW,
    )
    db.commit()
    ov = office_overview(db, world.office, today=TODAY)
    without = {r.client.id for r in ov.without_contact()}
    assert world.client_a.id not in without
    assert world.client_b.id in without


def test_every_audit_action_reads_as_a_sentence_and_odd_details_never_show(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    a = world.client_a
    set_status(db, a, ClientStatus.PAUSED, actor=world.sato, on=TODAY)
    # An action this version does not know, and a known one whose detail does not fit.
    audit.record(
        db,
        "something.new",
        office_id=world.office.id,
        actor=world.sato,
        client_id=a.id,
        detail={"secret_key": "value", "n": 1},
    )
    audit.record(
        db,
        "client.status",
        office_id=world.office.id,
        actor=world.suzuki,
        client_id=a.id,
        detail={"unexpected": [1, 2]},
    )
    audit.record(db, "client.update", office_id=world.office.id, client_id=a.id, detail=None)
    db.commit()
    auth.login("sato")
    log = client.get(f"/clients/{a.id}/audit").get_data(as_text=True)
    body = log.split("<tbody>")[1].split("</tbody>")[0]
    assert "佐藤が 状態を「利用中」から「一時停止中」に変更しました" in body
    assert "佐藤が 記録を操作しました" in body
    assert "鈴木が 記録を操作しました" in body
    assert "システムが 利用者の情報を変更しました (項目: 不明)" in body
    for raw in ("{", "}", "secret_key", "unexpected", "something.new</td>", "paused"):
        assert raw not in body.replace('data-action="something.new"', ""), raw


def test_405_and_an_unknown_page_are_plain_japanese(client: FlaskClient, world: World) -> None:
    resp = client.get(f"/admin/staff/{world.sato.id}/leave")  # a POST-only address
    assert resp.status_code == 405
    html = resp.get_data(as_text=True)
    assert "このページは開けません" in html and "Method Not Allowed" not in html
    assert "POST" in resp.headers["Allow"]


def test_an_unexpected_error_is_a_plain_japanese_page(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    app.testing = False  # as in production: the error is handled, not raised into the test
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = app.test_client().get("/boom")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "エラーが起きました" in html and "secret detail" not in html
    assert "Internal Server Error" not in html


def test_every_audit_action_in_the_code_has_a_sentence() -> None:
    # Read every audit.record(...) call in the package: a new action without a sentence
    # would show the plain fallback (「…が 記録を操作しました」) instead of what happened.
    import ast
    from pathlib import Path

    from checkin.services.audit_text import SENTENCES

    root = Path(__file__).resolve().parents[1] / "checkin"
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("audit.record")):
                continue
            arg = node.args[1]
            for value in ast.walk(arg):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
                if isinstance(value, ast.JoinedStr):  # f"{kind}.login_failed"
                    tail = "".join(v.value for v in value.values if isinstance(v, ast.Constant))
                    found |= {f"staff{tail}", f"employer{tail}"} if tail.startswith(".") else set()
    found = {a for a in found if a and not a.startswith(".")}
    assert len(found) > 20
    missing = {a for a in found if a not in SENTENCES and not a.startswith("flag.")}
    assert missing == set()
