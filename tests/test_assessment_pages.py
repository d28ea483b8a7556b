"""The periodic checks on the web: the supporter's form and comparison page, the client's
phone pages, the employer's form (consent scope only), versions, refusals and office
boundaries, on the real database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    Channel,
    CheckIn,
    Client,
    ClientDocument,
    Disclosure,
    DocKind,
    DocStatus,
    Employer,
    EmployerUser,
    LineAccount,
)
from checkin.services import support
from checkin.services.assessment_items import NATURAL, STABILITY
from checkin.services.links import issue_link
from checkin.services.selfview_links import make_selfview_token
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from


def _docs(db: Session) -> list[ClientDocument]:
    db.expire_all()
    return list(db.scalars(select(ClientDocument).order_by(ClientDocument.id)))


def _fill(client: FlaskClient, url: str, data: dict[str, str]) -> object:
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(page), **data})


def test_staff_partial_answers_dont_know_and_an_empty_area(
    auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    auth.login("sato")
    url = f"/clients/{world.client_a.id}/checks/stability/fill"
    resp = _fill(
        client,
        url,
        {
            "a-health.sleep": "4",
            "a-health.medical": "na",
            "a-health.appetite": "2",
            "a-support.accommodation": "na",
            "a-support.understanding": "na",
            "note-health": "通院は 月1回",
        },
    )
    assert resp.status_code == 303  # type: ignore[attr-defined]
    (doc,) = _docs(db)
    assert (doc.kind, doc.side, doc.status, doc.version) == (
        "assessment_stability",
        "staff",
        DocStatus.CONFIRMED,
        1,
    )
    assert doc.period == TODAY.isoformat() and doc.created_by_id == world.sato.id
    assert doc.body["answers"] == {
        "health.sleep": 4,
        "health.medical": "na",
        "health.appetite": 2,
        "support.accommodation": "na",
        "support.understanding": "na",
    }
    html = client.get(f"/clients/{world.client_a.id}/checks/stability").get_data(as_text=True)
    assert '<svg class="radar"' in html
    # health: mean of 4 and 2 (don't know left out); support: only "don't know" -> no answer
    assert "<td>3.0</td>" in html
    assert html.count("回答なし") >= 5  # outlook, conduct, satisfaction, evaluation, support
    assert "わからない・あてはまらない" in html and "通院は 月1回" in html
    # A correction after sending is a new version; the first stays, not current.
    resp = _fill(client, url, {"a-health.sleep": "3"})
    docs = _docs(db)
    assert [(d.version, d.current) for d in docs] == [(1, False), (2, True)]
    assert docs[1].body["answers"] == {"health.sleep": 3}
    # the client page shows the check with its trend and schedule
    detail = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "定期チェック" in detail and '<svg class="trend"' in detail


def test_bad_values_give_a_message_and_save_nothing(
    auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    auth.login("sato")
    url = f"/clients/{world.client_a.id}/checks/natural/fill"
    for bad in ({"a-safety.talk": "7"}, {"a-team.fair": "x"}, {"note-team": "あ" * 1001}):
        resp = _fill(client, url, {"a-safety.goals": "3", **bad})
        assert resp.status_code == 400  # type: ignore[attr-defined]
        html = resp.get_data(as_text=True)  # type: ignore[attr-defined]
        assert "まだ保存していません" in html
        # what was valid is still chosen
        assert 'value="3" checked' in html
    assert _docs(db) == []


def test_another_office_and_an_employer_are_denied(
    auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    auth.login("yoso")
    for path in ("", "/fill"):
        assert client.get(f"/clients/{world.client_a.id}/checks/stability{path}").status_code == 404
    page = client.get(f"/clients/{world.other_client.id}/checks/natural/fill")
    assert page.status_code == 200
    resp = client.post(
        f"/clients/{world.client_a.id}/checks/stability/fill",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "a-health.sleep": "1"},
    )
    assert resp.status_code == 404 and _docs(db) == []
    assert client.get("/clients/1/checks/nothing").status_code == 404
    # the due list is the service manager's
    assert client.get("/checks/due").status_code == 403


def _client_fill(client: FlaskClient, base: str, answers: dict[str, str]) -> None:
    for step, area in enumerate(STABILITY.areas, start=1):
        data = {k: v for k, v in answers.items() if k.startswith(f"a-{area.key}.")}
        resp = _fill(client, f"{base}/{step}", data)
        assert resp.status_code == 303, resp  # type: ignore[attr-defined]
    resp = _fill(client, f"{base}/{len(STABILITY.areas) + 1}", {})
    assert resp.status_code == 303  # type: ignore[attr-defined]


def test_client_fills_area_by_area_then_sends(
    app: Flask, auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    start = client.get(f"/c/{token}/check").get_data(as_text=True)
    assert "しごとと くらしの チェック" in start
    step1 = client.get(f"/c/{token}/check/1").get_data(as_text=True)
    assert "くらしの なかに、めざす ことや たのしみが ある" in step1  # plain words
    assert "暮らしの中に" not in step1
    resp = _fill(client, f"/c/{token}/check/1", {"a-outlook.life_goals": "4"})
    (draft,) = _docs(db)
    assert draft.status == DocStatus.DRAFT and draft.side == "client"
    assert draft.created_by_id is None
    # bad value: message, nothing changed
    resp = _fill(client, f"/c/{token}/check/2", {"a-health.sleep": "9"})
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert "health.sleep" not in _docs(db)[0].body["answers"]
    _client_fill(
        client,
        f"/c/{token}/check",
        {"a-outlook.life_goals": "4", "a-health.sleep": "4", "a-evaluation.motivation": "na"},
    )
    (sent,) = _docs(db)
    assert sent.status == DocStatus.CONFIRMED and sent.version == 1
    assert sent.body["answers"] == {
        "outlook.life_goals": 4,
        "health.sleep": 4,
        "evaluation.motivation": "na",
    }
    assert "おくりました" in client.get(f"/c/{token}/check").get_data(as_text=True)
    # the client's documents page lists their own sheet only
    listing = client.get(f"/c/{token}/docs").get_data(as_text=True)
    assert f"/c/{token}/docs/{sent.id}" in listing
    # the supporter sees it beside their own
    auth.login("sato")
    _fill(client, f"/clients/{world.client_a.id}/checks/stability/fill", {"a-health.sleep": "2"})
    staff_doc = _docs(db)[-1]
    html = client.get(f"/clients/{world.client_a.id}/checks/stability").get_data(as_text=True)
    assert "本人" in html and "支援員" in html
    assert "眠りが安定している" in html and "差 2" in html
    # a staff sheet never shows on the client's page
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    assert client.get(f"/c/{token}/docs/{staff_doc.id}").status_code == 404


def test_line_signed_link(app: Flask, client: FlaskClient, db: Session, world: World) -> None:
    account = LineAccount(
        line_user_id="U" + "b" * 32, client_id=world.client_a.id, first_seen_at=NOW, linked_at=NOW
    )
    db.add(account)
    db.commit()
    signed = make_selfview_token(app.secret_key or "", world.client_a, account, now=NOW)
    assert f"/me/{signed}/check" in client.get(f"/me/{signed}").get_data(as_text=True)
    _client_fill(client, f"/me/{signed}/check", {"a-conduct.hours": "3"})
    (doc,) = _docs(db)
    assert doc.side == "client" and doc.status == DocStatus.CONFIRMED
    assert client.get(f"/me/{signed}x/check/1").status_code == 404


def _employer(db: Session, world: World, scopes: list[str]) -> support.Consent:  # type: ignore[name-defined]
    e = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(e)
    db.flush()
    db.add(
        EmployerUser(
            employer_id=e.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    world.client_a.employer_id = e.id
    world.client_a.disclosure = Disclosure.OPEN
    consent = support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=e.id,
        agency_name=None,
        scopes=scopes,
        evidence="同意書",
        now=NOW,
    )
    db.commit()
    return consent


def _employer_login(client: FlaskClient) -> None:
    page = client.get("/employer/login").get_data(as_text=True)
    client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )


def test_employer_needs_the_scope_and_open_employment(
    client: FlaskClient, db: Session, world: World
) -> None:
    consent = _employer(db, world, ["trend"])
    _employer_login(client)
    url = f"/employer/clients/{world.client_a.id}/checks/natural"
    assert client.get(url).status_code == 403
    assert "/checks/" not in client.get(f"/employer/clients/{world.client_a.id}").get_data(
        as_text=True
    )
    consent.scopes = ["trend", "assessment"]
    db.commit()
    assert url in client.get(f"/employer/clients/{world.client_a.id}").get_data(as_text=True)
    bad = _fill(client, url, {"a-safety.talk": "5"})
    assert bad.status_code == 400 and _docs(db) == []  # type: ignore[attr-defined]
    resp = _fill(client, url, {"a-safety.talk": "2", "a-team.fair": "na"})
    assert resp.status_code == 303  # type: ignore[attr-defined]
    (doc,) = _docs(db)
    assert (doc.side, doc.kind, doc.status) == ("employer", NATURAL.kind, DocStatus.CONFIRMED)
    assert doc.employer_user_id is not None and doc.created_by_id is None
    # the employer never reaches a staff page or another client
    assert client.get(f"/clients/{world.client_a.id}/checks/natural").status_code == 403
    assert client.get(f"/employer/clients/{world.client_b.id}/checks/natural").status_code == 403
    # closed employment: nothing, whatever the consent says
    world.client_a.disclosure = Disclosure.CLOSED
    db.commit()
    assert client.get(url).status_code == 403


def test_health_items_against_the_check_ins(
    auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    issue_link(db, world.client_a, now=NOW - timedelta(days=30))
    for i, hours in enumerate(["5", "5.5", "7", "4.5", "5", "7.5", "5", "6.5"]):
        db.add(
            CheckIn(
                client_id=world.client_a.id,
                local_date=TODAY - timedelta(days=i),
                mood=3,
                fatigue=2,
                sleep_hours=Decimal(hours),
                sleep_quality=3,
                channel=Channel.WEB,
            )
        )
    db.commit()
    auth.login("sato")
    _fill(client, f"/clients/{world.client_a.id}/checks/stability/fill", {"a-health.sleep": "4"})
    html = client.get(f"/clients/{world.client_a.id}/checks/stability").get_data(as_text=True)
    assert "8晩のうち5晩が6時間未満" in html and "平均5.8時間" in html


def test_due_list_for_the_service_manager(
    auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    world.client_a.service_start = TODAY - timedelta(days=60)  # start round overdue
    world.client_b.service_start = TODAY - timedelta(days=10)  # start round due now
    db.commit()
    auth.login("kanri")
    html = client.get("/checks/due").get_data(as_text=True)
    assert "期限切れ" in html and world.client_a.name in html and world.client_b.name in html
    assert html.index(world.client_a.name) < html.index(world.client_b.name)
    assert world.other_client.name not in html
    count = db.scalar(select(func.count()).select_from(ClientDocument))
    assert count == 0


def test_demo_has_rounds_sides_a_disagreement_and_a_map(db: Session, seeded: object) -> None:
    from checkin.services import assessment_docs, assessments, demo
    from checkin.services.documents import latest

    clients = list(
        db.scalars(select(Client).where(Client.office_id == seeded.office.id).order_by(Client.id))  # type: ignore[attr-defined]
    )
    consent = clients[demo.CONSENT_CLIENT]
    rounds = assessment_docs.rounds(db, consent.id, STABILITY.kind)
    assert len(rounds) == 3
    assert all(set(r.sent()) == {"staff", "client", "employer"} for r in rounds)
    view = assessments.side_by_side(STABILITY, rounds[-1].bodies())
    clash = [
        g
        for g in view.gaps
        if g.big
        and isinstance(g.values.get("client"), int)
        and isinstance(g.values.get("employer"), int)
        and abs(g.values["client"] - g.values["employer"]) >= 2
    ]  # type: ignore[operator]
    assert len(clash) >= 3
    assert len(assessment_docs.rounds(db, consent.id, NATURAL.kind)) == 3
    tired = clients[demo.FATIGUE_RISE[0]]
    last = assessment_docs.rounds(db, tired.id, STABILITY.kind)[-1]
    evidence = assessments.load_health_evidence(db, tired, last.day)
    found = assessments.health_mismatches(last.bodies()["client"], evidence)
    assert [m.item for m in found][:1] == ["health.sleep"]
    mapped = latest(db, consent.id, DocKind.RESOURCE_MAP)
    assert mapped is not None and mapped.status == DocStatus.CONFIRMED
