"""Consent, the employer's view, contact records and the per-client audit log (issue 5)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    AuditEvent,
    Channel,
    CheckIn,
    Consent,
    Contact,
    Disclosure,
    Employer,
    EmployerUser,
)
from checkin.services import support
from checkin.services.errors import ValidationError
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from


@pytest.fixture
def employer(db: Session, world: World) -> Employer:
    e = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(e)
    db.flush()
    for c in (world.client_a, world.client_b, world.client_c):
        c.employer_id = e.id
    world.client_b.disclosure = Disclosure.CLOSED
    db.add(
        EmployerUser(
            employer_id=e.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    for back in range(1, 15):
        for c in (world.client_a, world.client_b):
            db.add(
                CheckIn(
                    client_id=c.id,
                    local_date=TODAY - timedelta(days=back),
                    mood=4,
                    fatigue=2,
                    note="ひみつのメモ",
                    channel=Channel.WEB,
                )
            )
    db.commit()
    # A consent for client_a; one for client_b recorded before it became closed employment.
    support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=e.id,
        agency_name=None,
        scopes=["trend", "answer_rate"],
        evidence="同意書 2026-05-01",
        now=NOW,
    )
    db.add(
        Consent(
            office_id=world.office.id,
            client_id=world.client_b.id,
            recipient_type="employer",
            employer_id=e.id,
            scopes=["trend", "notes"],
            evidence="古い同意書",
            recorded_by_id=world.sato.id,
            recorded_at=NOW,
        )
    )
    db.commit()
    return e


def employer_login(client: FlaskClient) -> None:
    page = client.get("/employer/login").get_data(as_text=True)
    resp = client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert resp.status_code == 302


def test_employer_sees_only_consented_open_employees(
    client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    employer_login(client)
    html = client.get("/employer/").get_data(as_text=True)
    assert world.client_a.name in html
    assert world.client_b.name not in html  # closed employment, whatever the consent says
    assert world.client_c.name not in html  # no consent
    assert "気分" in html and "記録した日" in html
    assert "ひみつのメモ" not in html and "支援員への通知" not in html  # scopes not granted


@pytest.mark.parametrize("who", ["client_b", "client_c", "other_client"])
def test_anything_not_consented_is_forbidden_not_empty(
    client: FlaskClient, world: World, employer: Employer, who: str
) -> None:
    employer_login(client)
    target = getattr(world, who)
    assert client.get(f"/employer/clients/{target.id}").status_code == 403
    assert client.get(f"/employer/clients/{target.id}/summary.csv").status_code == 403


def test_revoking_consent_cuts_access_on_the_next_request(
    app: Flask, client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    employer_login(client)
    url = f"/employer/clients/{world.client_a.id}"
    assert client.get(url).status_code == 200
    staff = app.test_client()
    auth = AuthActions(staff)
    auth.login("sato")
    consent = db.scalars(select(Consent).where(Consent.client_id == world.client_a.id)).one()
    resp = staff.post(
        f"/consents/{consent.id}/revoke",
        data={"csrf_token": auth.token(f"/clients/{world.client_a.id}"), "confirm": "1"},
    )
    assert resp.status_code == 303
    assert client.get(url).status_code == 403
    assert world.client_a.name not in client.get("/employer/").get_data(as_text=True)


def test_views_and_exports_are_audited_and_readable_by_staff(
    app: Flask, client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    employer_login(client)
    client.get(f"/employer/clients/{world.client_a.id}")
    resp = client.get(f"/employer/clients/{world.client_a.id}/summary.csv")
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["week_start", "mood", "fatigue", "sleep_hours", "answered", "expected"]
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.client_id == world.client_a.id, AuditEvent.actor_type == "employer"
        )
    ).all()
    assert actions == ["employer.view", "employer.export"]
    staff = app.test_client()
    AuthActions(staff).login("sato")
    log = staff.get(f"/clients/{world.client_a.id}/audit").get_data(as_text=True)
    assert (
        "人事 花子 (株式会社あおぞら)が 共有された内容をCSVで出力しました (範囲: 回答率・傾向)"
        in log
    )


def test_employer_accounts_never_reach_staff_pages_and_vice_versa(
    client: FlaskClient, world: World, employer: Employer, auth: AuthActions
) -> None:
    employer_login(client)
    assert client.get("/alerts").status_code == 403
    assert client.get(f"/clients/{world.client_a.id}").status_code == 403
    client.post(
        "/logout", data={"csrf_token": csrf_from(client.get("/employer/").get_data(as_text=True))}
    )
    auth.login("sato")
    assert client.get("/employer/").status_code == 403


def test_consent_for_closed_employment_is_refused(
    db: Session, world: World, employer: Employer
) -> None:
    with pytest.raises(ValidationError) as err:
        support.add_consent(
            db,
            world.sato,
            world.client_b,
            employer_id=employer.id,
            agency_name=None,
            scopes=["trend"],
            evidence="x",
            now=NOW,
        )
    assert "クローズ就労" in err.value.errors["employer_id"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything"]}, "scopes"),
        ({"evidence": " "}, "evidence"),
    ],
)
def test_consent_needs_scopes_and_evidence(
    db: Session, world: World, employer: Employer, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {
        "employer_id": employer.id,
        "agency_name": None,
        "scopes": ["trend"],
        "evidence": "同意書",
        **kwargs,
    }
    with pytest.raises(ValidationError) as err:
        support.add_consent(db, world.sato, world.client_a, now=NOW, **args)  # type: ignore[arg-type]
    assert field in err.value.errors


def test_a_supporter_records_a_call_linked_to_nothing_else(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    token = auth.token(f"/clients/{world.client_a.id}")
    resp = client.post(
        f"/clients/{world.client_a.id}/contacts",
        data={"csrf_token": token, "kind": "call", "note": "元気そう"},
    )
    assert resp.status_code == 303
    contact = db.scalars(select(Contact)).one()
    assert (contact.kind.value, contact.staff_id, contact.note) == (
        "call",
        world.sato.id,
        "元気そう",
    )
    page = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "元気そう" in page
    # Another office's client, an unknown kind, or a date in the future: refused.
    assert (
        client.post(
            f"/clients/{world.other_client.id}/contacts", data={"csrf_token": token, "kind": "call"}
        ).status_code
        == 404
    )
    client.post(
        f"/clients/{world.client_a.id}/contacts", data={"csrf_token": token, "kind": "telepathy"}
    )
    future = (NOW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/clients/{world.client_a.id}/contacts",
        data={"csrf_token": token, "kind": "call", "occurred_at": future},
    )
    db.expire_all()
    assert len(db.scalars(select(Contact)).all()) == 1


def test_weekly_answer_rate_counts_expected_days_only(
    db: Session, world: World, employer: Employer
) -> None:
    # The fixture has client_a answering every day, weekends included: a week reads 5 / 5,
    # never 7 / 5.
    weeks = support.weekly_summary(db, world.client_a, today=TODAY, weeks=2)
    full = weeks[0]
    assert (full.answered, full.expected) == (5, 5)
    assert full.answer_rate == 1.0
    assert all(w.answered <= w.expected for w in weeks)
