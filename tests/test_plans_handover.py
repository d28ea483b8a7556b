"""The support plan (approval, review due dates, the review's next plan) and the end of
service (decision, notices told once, consent required, package, disclosure log)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    AuditEvent,
    ClientDocument,
    Contact,
    ContactKind,
    DisclosureLog,
    DocKind,
    DocStatus,
    Employer,
    EmployerUser,
    Handover,
    HandoverNotice,
    Notification,
)
from checkin.services import audit_text, handover, plans, support
from checkin.services import documents as docs
from checkin.services.errors import ValidationError
from checkin.services.links import issue_link
from jobs.notify import digest_office
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from

PLAN = {
    "long_goal": "いまの職場で 長く働く",
    "short_goals": "朝 7時に 起きる\n週に1回 面談で ふりかえる",
    "policy": "本人のペースを 大切にする",
    "content": "月2回の面談、職場訪問",
    "frequency": "月2回",
}


def _plan(db: Session, world: World, start: date = date(2026, 1, 1)) -> ClientDocument:
    doc = plans.new_plan(
        db, world.client_a, start, plans.default_end(start), by=world.sato, now=NOW
    )
    docs.save(db, doc, PLAN, revision=doc.revision, by=world.sato, now=NOW)
    db.commit()
    return doc


def _confirmed_plan(db: Session, world: World, start: date = date(2026, 1, 1)) -> ClientDocument:
    doc = _plan(db, world, start)
    docs.approve(db, doc, by=world.manager, now=NOW)
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=[], now=NOW)
    db.commit()
    return doc


# --- the plan ------------------------------------------------------------------------------


def test_add_months_counts_month_ends_the_japanese_way() -> None:
    assert plans.add_months(date(2026, 1, 1), 6) == date(2026, 7, 1)
    assert plans.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert plans.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)  # leap year
    assert plans.add_months(date(2026, 12, 31), 6) == date(2027, 6, 30)
    assert plans.add_months(date(2028, 2, 29), 6) == date(2028, 8, 29)
    assert plans.add_months(date(2026, 10, 15), 3) == date(2027, 1, 15)
    assert plans.add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert plans.default_end(date(2026, 8, 31)) == date(2027, 2, 27)


def test_review_due_from_the_confirmed_plan_not_a_draft(db: Session, world: World) -> None:
    assert plans.review_for(db, world.client_a).due is None  # no plan yet
    first = _plan(db, world, date(2025, 8, 31))
    assert plans.review_for(db, world.client_a).due == date(2026, 2, 28)  # the draft's start
    docs.approve(db, first, by=world.manager, now=NOW)
    docs.send(db, first, by=world.sato, now=NOW)
    docs.confirm(db, first, channel="paper", private_items=[], now=NOW, by=world.sato)
    db.commit()
    r = plans.review_for(db, world.client_a)
    assert r.due == date(2026, 2, 28) and r.overdue(TODAY) and r.drafting is None
    # The review under way: a draft of the next plan does not move the due date ...
    nxt = plans.new_plan(
        db,
        world.client_a,
        date(2026, 3, 1),
        date(2026, 8, 31),
        by=world.sato,
        now=NOW,
        previous=first,
    )
    db.commit()
    r = plans.review_for(db, world.client_a)
    assert r.due == date(2026, 2, 28) and r.drafting is not None and r.drafting.id == nxt.id
    # ... its confirmation does.
    docs.approve(db, nxt, by=world.manager, now=NOW)
    docs.send(db, nxt, by=world.sato, now=NOW)
    docs.confirm(db, nxt, channel="web", private_items=[], now=NOW)
    db.commit()
    assert plans.review_for(db, world.client_a).due == date(2026, 9, 1)
    # The manager's list: overdue and within 30 days (TODAY is 2026-06-10).
    assert plans.reviews(db, world.office.id, TODAY) == []
    assert [r.client.id for r in plans.reviews(db, world.office.id, date(2026, 8, 2))] == [
        world.client_a.id
    ]
    assert plans.reviews(db, world.office.id, date(2026, 8, 1)) == []


def test_a_second_plan_with_the_start_of_a_confirmed_one_is_refused(
    db: Session, world: World
) -> None:
    first = _confirmed_plan(db, world)
    with pytest.raises(ValidationError):
        plans.new_plan(
            db, world.client_a, date(2026, 1, 1), date(2026, 6, 30), by=world.sato, now=NOW
        )
    assert first.current and first.version == 1


def test_next_plan_copies_goals_and_prompts_the_evaluation(db: Session, world: World) -> None:
    first = _confirmed_plan(db, world)
    nxt = plans.new_plan(
        db,
        world.client_a,
        date(2026, 7, 1),
        date(2026, 12, 31),
        by=world.sato,
        now=NOW,
        previous=first,
    )
    assert nxt.body["long_goal"] == PLAN["long_goal"]
    assert nxt.body["short_goals"] == PLAN["short_goals"]
    assert "朝 7時に 起きる" in nxt.body["evaluation"] and "できたこと" in nxt.body["evaluation"]
    assert nxt.period == "2026-07-01" and nxt.body["period_to"] == "2026-12-31"
    assert first.status == DocStatus.CONFIRMED and first.current  # a different series


def test_plan_approved_by_one_and_changed_by_another(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    doc = _plan(db, world)
    # A supporter cannot approve.
    auth.login("suzuki")
    token = auth.token()
    assert (
        client.post(f"/documents/{doc.id}/approve", data={"csrf_token": token}).status_code == 403
    )
    client.post("/logout", data={"csrf_token": token})
    auth.login("kanri")
    token = auth.token()
    assert (
        client.post(f"/documents/{doc.id}/approve", data={"csrf_token": token}).status_code == 303
    )
    db.refresh(doc)
    assert doc.approved_by_id == world.manager.id
    client.post("/logout", data={"csrf_token": token})
    # Another supporter changes the approved plan: the approval is gone, it cannot be sent.
    auth.login("suzuki")
    page = client.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    form = dict(PLAN) | {
        "evaluation": "",
        "long_goal": "別の目標",
        "csrf_token": csrf_from(page),
        "revision": str(doc.revision),
    }
    assert client.post(f"/documents/{doc.id}/edit", data=form).status_code == 303
    db.refresh(doc)
    assert doc.approved_at is None and doc.approved_by_id is None
    assert doc.updated_by_id == world.suzuki.id and doc.body["long_goal"] == "別の目標"
    client.post(f"/documents/{doc.id}/send", data={"csrf_token": csrf_from(page)})
    db.refresh(doc)
    assert doc.status == DocStatus.DRAFT  # refused: not approved
    with pytest.raises(ValidationError):
        docs.send(db, doc, by=world.sato, now=NOW)


def test_plan_pages(client: FlaskClient, auth: AuthActions, db: Session, world: World) -> None:
    auth.login("sato")
    page = client.get(f"/clients/{world.client_a.id}/plans/new").get_data(as_text=True)
    token = csrf_from(page)
    # Bad input: a message, nothing saved.
    for start, end in (("", "2026-12-01"), ("2026-12-01", "2026-11-01"), ("x", "y")):
        resp = client.post(
            f"/clients/{world.client_a.id}/plans/new",
            data={"csrf_token": token, "start": start, "end": end},
        )
        assert resp.status_code == 400 and "まだ保存していません" in resp.get_data(as_text=True)
    assert db.scalars(select(ClientDocument)).first() is None
    resp = client.post(
        f"/clients/{world.client_a.id}/plans/new",
        data={"csrf_token": token, "start": "2026-06-01", "end": "2026-11-30"},
    )
    assert resp.status_code == 303
    doc = db.scalars(select(ClientDocument)).one()
    assert doc.kind == DocKind.SUPPORT_PLAN and doc.period == "2026-06-01"
    detail = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "見直し期限 2026-12-01" in detail
    # The service manager's list is for managers.
    assert client.get("/plans/reviews").status_code == 403
    # A plan of another client cannot be the base of this client's next plan.
    other = plans.new_plan(
        db, world.client_b, date(2026, 1, 1), date(2026, 6, 30), by=world.suzuki, now=NOW
    )
    db.commit()
    assert client.get(f"/clients/{world.client_a.id}/plans/new?from={other.id}").status_code == 404


def test_overdue_review_on_the_morning_list_apart_from_flags(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    _confirmed_plan(db, world, date(2025, 11, 1))  # due 2026-05-01: overdue
    auth.login("sato")
    html = client.get("/alerts").get_data(as_text=True)
    assert 'id="duties-plans"' in html and "見直し期限 (2026-05-01) を 40日過ぎています" in html
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    auth.login("suzuki")  # not their client
    assert 'id="duties-plans"' not in client.get("/alerts").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": auth.token()})
    auth.login("kanri")
    assert "田中 健太" in client.get("/plans/reviews").get_data(as_text=True)


# --- the handover --------------------------------------------------------------------------


def _ctx(now: datetime) -> Any:
    return SimpleNamespace(mail=SimpleNamespace(public_base_url=None), now=now)


def test_handover_notices_fire_once_per_threshold(db: Session, world: World) -> None:
    world.sato.email = "sato@example.jp"
    world.manager.email = "kanri@example.jp"
    world.client_a.service_end = date(2026, 12, 10)  # 6 months from TODAY
    for c in (world.client_a, world.client_c):  # no periodic check overdue (its own line)
        c.service_start = date(2026, 6, 1)
    db.commit()
    day = date(2026, 6, 9)
    assert handover.ensure_notices(db, [world.office.id], day, NOW) == 0  # not yet
    digests: list[Notification] = []
    for i in range(5):  # five mornings from the threshold on
        day = TODAY + timedelta(days=i)
        now = NOW + timedelta(days=i)
        handover.ensure_notices(db, [world.office.id], day, now)
        digest_office(db, world.office, day, _ctx(now))
        db.commit()
    notices = db.scalars(select(HandoverNotice)).all()
    assert [(n.months, n.client_id) for n in notices] == [(6, world.client_a.id)]
    digests = list(db.scalars(select(Notification).where(Notification.kind == "digest")))
    # Told once: the supporter and the service manager, on the first morning only.
    assert sorted(n.staff_id for n in digests) == sorted([world.sato.id, world.manager.id])
    assert all("引継ぎの方針が未記録 1件" in n.body for n in digests)
    assert all("田中" not in n.body for n in digests)  # counts only by default
    # Still on the morning list until seen (or decided) ...
    assert [n.id for n in handover.open_notices(db, world.sato)] == [notices[0].id]
    assert handover.open_notices(db, world.suzuki) == []
    # ... and at three months, once more.
    three = date(2026, 9, 10)
    assert handover.ensure_notices(db, [world.office.id], three, NOW) == 1
    assert handover.ensure_notices(db, [world.office.id], three, NOW) == 0
    assert [n.months for n in handover.open_notices(db, world.manager)] == [3]
    # A decision ends them.
    handover.record_decision(db, world.client_a, "not_needed", None, None, by=world.sato, now=NOW)
    db.commit()
    assert handover.open_notices(db, world.manager) == []
    assert handover.ensure_notices(db, [world.office.id], date(2026, 10, 1), NOW) == 0


def test_notice_on_the_morning_list_and_marked_seen(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    world.client_a.service_end = date(2026, 9, 1)  # under 3 months: the 3-month notice only
    db.commit()
    assert handover.ensure_notices(db, [world.office.id], TODAY, NOW) == 1
    db.commit()
    notice = db.scalars(select(HandoverNotice)).one()
    assert notice.months == 3
    auth.login("sato")
    html = client.get("/alerts").get_data(as_text=True)
    assert "3か月を切りました" in html
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    auth.login("yoso")  # another office cannot mark it
    assert (
        client.post(
            f"/handover-notices/{notice.id}/seen", data={"csrf_token": auth.token()}
        ).status_code
        == 404
    )
    client.post("/logout", data={"csrf_token": auth.token()})
    auth.login("sato")
    client.post(f"/handover-notices/{notice.id}/seen", data={"csrf_token": auth.token()})
    assert "3か月を切りました" not in client.get("/alerts").get_data(as_text=True)


def _consent_form(**over: str) -> dict[str, str]:
    return {
        "consent_by": "田中 健太 (本人)",
        "consent_on": "2026-06-01",
        "consent_evidence": "引継ぎ同意書 No.12 (事務所の鍵付き棚)",
        "consent_file": "",
        "receiver_name": "みなと障害者就業・生活支援センター",
        "receiver_person": "山田 花子",
        "meeting_on": "2026-06-20",
    } | over


def test_handover_refused_without_consent_evidence(db: Session, world: World) -> None:
    with pytest.raises(ValidationError):  # no decision yet
        handover.record_handover(db, world.client_a, _consent_form(), by=world.sato, now=NOW)
    with pytest.raises(ValidationError):
        handover.record_decision(db, world.client_a, "agency", "", None, by=world.sato, now=NOW)
    handover.record_decision(db, world.client_a, "agency", "center", None, by=world.sato, now=NOW)
    db.commit()
    with pytest.raises(ValidationError) as e:  # who and when but no evidence
        handover.record_handover(
            db, world.client_a, _consent_form(consent_evidence=""), by=world.sato, now=NOW
        )
    assert "consent" in e.value.errors
    db.rollback()
    with pytest.raises(ValidationError):  # a consent dated in the future
        handover.record_handover(
            db, world.client_a, _consent_form(consent_on="2026-07-01"), by=world.sato, now=NOW
        )
    db.rollback()
    # The receiver without any consent is kept, but nothing can be handed over.
    handover.record_handover(
        db,
        world.client_a,
        _consent_form(consent_by="", consent_on="", consent_evidence=""),
        by=world.sato,
        now=NOW,
    )
    db.commit()
    with pytest.raises(ValidationError) as e:
        handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    assert "consent" in e.value.errors
    db.rollback()
    assert db.scalars(select(ClientDocument)).first() is None
    # A scanned file's reference is evidence too.
    handover.record_handover(
        db,
        world.client_a,
        _consent_form(consent_evidence="", consent_file="scan/2026/tanaka-consent.pdf"),
        by=world.sato,
        now=NOW,
    )
    db.commit()
    row = db.scalars(select(Handover)).one()
    assert row.has_consent and row.consent_recorded_by_id == world.sato.id


def _report(db: Session, world: World, period: str, private: list[str]) -> None:
    doc = docs.start(
        db,
        world.client_a,
        DocKind.MONTHLY_REPORT,
        period,
        {"goal": f"{period}の目標", "shared": f"{period}の共有事項"},
        by=world.sato,
        now=NOW,
    )
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=private, now=NOW)


def test_package_and_disclosure_log(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    _confirmed_plan(db, world)
    for period in ("2026-02", "2026-03", "2026-04", "2026-05"):
        _report(db, world, period, ["shared"] if period == "2026-05" else [])
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=world.client_a.id,
            staff_id=world.sato.id,
            kind=ContactKind.MEETING,
            occurred_at=NOW - timedelta(days=3),
            note="職場で面談",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    handover.record_decision(db, world.client_a, "agency", "center", None, by=world.sato, now=NOW)
    handover.record_handover(db, world.client_a, _consent_form(), by=world.sato, now=NOW)
    db.commit()
    auth.login("sato")
    page = client.get(f"/clients/{world.client_a.id}/handover").get_data(as_text=True)
    token = csrf_from(page)
    resp = client.post(f"/clients/{world.client_a.id}/handover/package", data={"csrf_token": token})
    assert resp.status_code == 303
    pkg = db.scalars(select(ClientDocument).where(ClientDocument.kind == DocKind.HANDOVER)).one()
    body = pkg.body
    assert PLAN["long_goal"] in body["plan"]
    assert "2026-05の目標" in body["reports"] and "2026-02の目標" not in body["reports"]  # last 3
    assert "職場で面談" in body["contacts"] and "の週" in body["trend"]
    assert "2026年5月: 共有事項" in body["private"]
    assert "みなと障害者就業・生活支援センター" in body["receiver"]
    # Not finished yet: nothing can be handed over.
    with pytest.raises(ValidationError):
        handover.disclose(db, world.client_a, pkg, ["plan"], None, by=world.sato, now=NOW)
    db.rollback()
    client.post(f"/documents/{pkg.id}/send", data={"csrf_token": token})  # staff finalise
    db.refresh(pkg)
    assert pkg.status == DocStatus.CONFIRMED
    assert client.get(f"/documents/{pkg.id}/print").status_code == 200
    # The package is the staff's paper for the receiver: not on the client's confirm pages.
    link = issue_link(db, world.client_a, now=NOW)
    db.commit()
    assert "ひきつぎ" not in client.get(f"/c/{link}/docs").get_data(as_text=True)
    assert client.get(f"/c/{link}/docs/{pkg.id}").status_code == 404
    # Bad input: no item, an unknown item.
    for items in ([], ["plan", "password"]):
        client.post(
            f"/clients/{world.client_a.id}/handover/disclose",
            data={"csrf_token": token, "document_id": str(pkg.id), "item": items},
        )
    assert db.scalars(select(DisclosureLog)).first() is None
    resp = client.post(
        f"/clients/{world.client_a.id}/handover/disclose",
        data={
            "csrf_token": token,
            "document_id": str(pkg.id),
            "item": ["plan", "reports", "private"],
            "method": "ケース会議で手渡し",
        },
    )
    assert resp.status_code == 303
    log = db.scalars(select(DisclosureLog)).one()
    assert [i["key"] for i in log.items] == ["plan", "reports", "private"]
    assert log.recipient == "みなと障害者就業・生活支援センター"
    assert log.recipient_person == "山田 花子" and log.by_id == world.sato.id
    detail = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "第三者への提供の記録" in detail and "ケース会議で手渡し" in detail
    # Exports: CSV and xlsx, office time.
    data = client.get(f"/clients/{world.client_a.id}/disclosures.csv").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "提供日時" and rows[1][2] == "みなと障害者就業・生活支援センター"
    assert rows[1][0] == "2026/6/10 9:00" and "いまの支援計画" in rows[1][4]
    wb = load_workbook(
        io.BytesIO(client.get(f"/clients/{world.client_a.id}/disclosures.xlsx").data)
    )
    ws = wb.active
    assert ws is not None and ws.cell(2, 3).value == "みなと障害者就業・生活支援センター"
    # Every action reads as a sentence in the audit log.
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action.like("handover.%"))))
    sentences = [line.sentence for line in audit_text.describe(db, events)]
    assert any("渡した記録" in s and "いまの支援計画" in s for s in sentences)


def _employer_login(client: FlaskClient, db: Session, world: World) -> None:
    e = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(e)
    db.flush()
    world.client_a.employer_id = e.id
    db.add(
        EmployerUser(
            employer_id=e.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.commit()
    page = client.get("/employer/login").get_data(as_text=True)
    client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )


def _routes(world: World, doc_id: int, notice_id: int) -> list[tuple[str, str]]:
    c = world.client_a.id
    return [
        ("GET", f"/clients/{c}/plans/new"),
        ("POST", f"/clients/{c}/plans/new"),
        ("GET", f"/clients/{c}/plans/new?from={doc_id}"),
        ("GET", f"/clients/{c}/handover"),
        ("POST", f"/clients/{c}/handover/decision"),
        ("POST", f"/clients/{c}/handover/record"),
        ("POST", f"/clients/{c}/handover/package"),
        ("POST", f"/clients/{c}/handover/disclose"),
        ("GET", f"/clients/{c}/disclosures.csv"),
        ("GET", f"/clients/{c}/disclosures.xlsx"),
        ("POST", f"/handover-notices/{notice_id}/seen"),
    ]


def _setup_for_routes(db: Session, world: World) -> tuple[int, int]:
    doc = _plan(db, world)
    world.client_a.service_end = date(2026, 9, 1)
    db.commit()
    handover.ensure_notices(db, [world.office.id], TODAY, NOW)
    db.commit()
    return doc.id, db.scalars(select(HandoverNotice.id)).one()


def test_every_new_route_denied_to_another_office(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    doc_id, notice_id = _setup_for_routes(db, world)
    auth.login("yoso")
    token = auth.token()
    for method, path in _routes(world, doc_id, notice_id):
        resp = client.open(path, method=method, data={"csrf_token": token})
        assert resp.status_code == 404, (method, path, resp.status_code)
    assert client.get("/plans/reviews").status_code == 403  # a supporter elsewhere
    assert db.scalars(select(Handover)).first() is None
    assert db.scalars(select(HandoverNotice)).one().seen_at is None


def test_every_new_route_denied_to_an_employer(
    client: FlaskClient, db: Session, world: World
) -> None:
    doc_id, notice_id = _setup_for_routes(db, world)
    _employer_login(client, db, world)
    token = csrf_from(client.get("/employer/").get_data(as_text=True))
    # Plans and handover packages are never shown to an employer, whatever the consent.
    support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=world.client_a.employer_id,
        agency_name=None,
        scopes=["trend", "reports"],
        evidence="同意書",
        now=NOW,
    )
    plan = db.get(ClientDocument, doc_id)
    assert plan is not None
    docs.approve(db, plan, by=world.manager, now=NOW)
    docs.send(db, plan, by=world.sato, now=NOW)
    docs.confirm(db, plan, channel="web", private_items=[], now=NOW)
    db.commit()
    assert client.get(f"/employer/documents/{doc_id}").status_code == 403
    for method, path in [*_routes(world, doc_id, notice_id), ("GET", "/plans/reviews")]:
        resp = client.open(path, method=method, data={"csrf_token": token})
        assert resp.status_code in (302, 403, 404), (method, path, resp.status_code)
        assert resp.status_code != 200
    assert db.scalars(select(Handover)).first() is None


def test_bad_input_on_the_handover_forms(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    auth.login("sato")
    token = auth.token()
    c = world.client_a.id
    for form in (
        {"decision": "maybe"},
        {"decision": "agency", "agency_kind": "police"},
        {"decision": "declined", "note": "あ" * 3000},
        {"decision": "declined", "note": "\x00"},
    ):
        resp = client.post(f"/clients/{c}/handover/decision", data=form | {"csrf_token": token})
        assert resp.status_code in (303, 400)  # a message (NUL: refused by the app's guard)
    assert db.scalars(select(Handover)).first() is None
    client.post(
        f"/clients/{c}/handover/decision",
        data={"decision": "agency", "agency_kind": "center", "csrf_token": token},
    )
    for over in (
        {"consent_on": "2026-13-01"},
        {"meeting_on": "yesterday"},
        {"receiver_name": ""},
        {"receiver_person": "x" * 300},
        {"consent_file": "\x00"},
    ):
        client.post(
            f"/clients/{c}/handover/record", data=_consent_form(**over) | {"csrf_token": token}
        )
    row = db.scalars(select(Handover)).one()
    assert row.receiver_name is None and row.consent_on is None
    html = client.get(f"/clients/{c}/handover").get_data(as_text=True)
    assert "同意がないと" in html
    assert client.get(f"/clients/{c}/disclosures.pdf").status_code == 404


def test_demo_has_a_review_overdue_a_client_without_decision_and_one_handed_over(
    db: Session, seeded: Any
) -> None:
    from checkin.services import demo

    office = seeded.office
    overdue = plans.reviews(db, office.id, TODAY, overdue_only=True)
    assert [r.due for r in overdue] == [plans.add_months(plans.add_months(TODAY, -7), 6)]
    soon = plans.reviews(db, office.id, TODAY)
    assert len(soon) == 2  # and one due within 30 days
    notices = db.scalars(select(HandoverNotice)).all()
    assert [n.months for n in notices] == [6]  # five months before the end: the 6-month one
    clients = sorted(db.scalars(select(Handover.client_id)).all() + [n.client_id for n in notices])
    assert len(clients) == 2
    log = db.scalars(select(DisclosureLog)).one()
    assert log.recipient.endswith("支援センター") and len(log.items) == 6
    assert demo.HANDED_OVER_CLIENT != demo.NO_DECISION_CLIENT


def test_package_made_again_refreshes_the_draft_and_keeps_the_notes(
    db: Session, world: World
) -> None:
    handover.record_decision(db, world.client_a, "agency", "other", None, by=world.sato, now=NOW)
    handover.record_handover(db, world.client_a, _consent_form(), by=world.sato, now=NOW)
    pkg = handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    docs.save(db, pkg, {"notes": "引継ぎのメモ"}, revision=pkg.revision, by=world.sato, now=NOW)
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=world.client_a.id,
            staff_id=world.sato.id,
            kind=ContactKind.CALL,
            occurred_at=NOW,
            note="電話で確認",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.commit()
    again = handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    assert again.id == pkg.id and again.body["notes"] == "引継ぎのメモ"
    assert "電話で確認" in again.body["contacts"]
    docs.send(db, again, by=world.sato, now=NOW)  # finished: the next one is a new version
    third = handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    assert third.version == 2 and again.status == DocStatus.CONFIRMED
    assert third.body["notes"] == "引継ぎのメモ"


def test_anonymizing_blanks_the_handover_text_and_keeps_the_transfer_record(
    db: Session, world: World
) -> None:
    from checkin.models import ClientStatus
    from checkin.services.retention import anonymize_client

    handover.record_decision(
        db, world.client_a, "agency", "center", "田中さんの希望", by=world.sato, now=NOW
    )
    handover.record_handover(db, world.client_a, _consent_form(), by=world.sato, now=NOW)
    pkg = handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    docs.send(db, pkg, by=world.sato, now=NOW)
    handover.disclose(db, world.client_a, pkg, ["plan"], "手渡し", by=world.sato, now=NOW)
    world.client_a.status = ClientStatus.ENDED
    world.client_a.service_end = date(2020, 1, 1)
    db.commit()
    result = anonymize_client(db, world.client_a, now=NOW, lawful_request="本人の請求")
    db.commit()
    assert result.counts["handover"] == 2
    row = db.scalars(select(Handover)).one()
    assert "田中" not in f"{row.decision_note}{row.consent_by}{row.consent_evidence}"
    assert row.has_consent and row.receiver_name == "みなと障害者就業・生活支援センター"
    log = db.scalars(select(DisclosureLog)).one()
    assert log.method is None and [i["key"] for i in log.items] == ["plan"]


def test_the_monthly_report_reads_its_goal_from_the_plan(db: Session, world: World) -> None:
    from checkin.services import reports

    _confirmed_plan(db, world)
    assert reports._plan_goals(db, [world.client_a.id])[world.client_a.id].startswith(
        "朝 7時に 起きる"
    )
