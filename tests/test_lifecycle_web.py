"""The lifecycle on the staff pages: period, stage, employment, the retention page and its
xlsx; every new route for another office's staff, a supporter and an employer (issue 15)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    AuditEvent,
    Client,
    ClientStatus,
    Employer,
    EmployerUser,
    EmploymentEvent,
    Role,
    ServicePeriodOverride,
    Stage,
    StageChange,
)
from checkin.services import demo, lifecycle, retention_rate
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from


def _post(client: FlaskClient, auth: AuthActions, url: str, data: dict[str, str]) -> object:
    return client.post(url, data={**data, "csrf_token": auth.token("/clients")})


def _client_routes(cid: int) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("post", f"/clients/{cid}/period", {"start": "2026-01-05", "reason": "r"}),
        ("post", f"/clients/{cid}/stage", {"stage": "adjustment", "reason": "r"}),
        ("post", f"/clients/{cid}/employment", {"kind": "left", "on": "2026-05-01"}),
    ]


def test_the_client_page_shows_period_stage_and_employment(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    world.client_a.hire_date = date(2025, 12, 10)  # service 10 June 2026 .. 9 June 2029
    world.client_a.service_start = None
    db.commit()
    auth.login("sato")
    html = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert 'id="period"' in html and "2026-06-10 から 2029-06-09 まで" in html
    assert "残り 36か月" in html  # today is its first day
    assert "2027-06-10、2028-06-10" in html  # renewals
    assert 'id="stage-numbers"' in html and "模索期" in html
    assert "期間を変更する" not in html  # a supporter does not override the period


def test_a_stage_change_needs_a_reason_and_is_kept(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    url = f"/clients/{world.client_a.id}/stage"
    resp = _post(client, auth, url, {"stage": "adjustment", "reason": ""})
    assert resp.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "理由を入れてください。" in page
    assert db.scalars(select(StageChange)).all() == []
    _post(client, auth, url, {"stage": "adjustment", "reason": "安定してきた"})
    db.expire_all()
    assert db.get(Client, world.client_a.id).stage == Stage.ADJUSTMENT  # type: ignore[union-attr]
    html = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "模索期 → 調整期" in html and "安定してきた" in html and "佐藤" in html
    # The signals read Client.stage: the alert list's stage filter finds the client.
    alerts = client.get("/alerts?stage=adjustment")
    assert alerts.status_code == 200


def test_the_client_form_keeps_the_stage_history(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    page = client.get(f"/clients/{world.client_b.id}/edit").get_data(as_text=True)
    resp = client.post(
        f"/clients/{world.client_b.id}/edit",
        data={
            "name": world.client_b.name,
            "stage": "stability",
            "weekday": ["0", "1", "2", "3", "4"],
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 303
    [h] = db.scalars(select(StageChange)).all()
    assert (h.from_stage, h.to_stage, h.reason, h.changed_by_id, h.changed_at) == (
        Stage.EXPLORATION,
        Stage.STABILITY,
        None,
        world.manager.id,
        NOW,
    )


def test_a_manager_overrides_the_period_with_a_reason(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    url = f"/clients/{world.client_a.id}/period"
    _post(client, auth, url, {"start": "2026-01-05", "end": "", "reason": ""})
    assert db.scalars(select(ServicePeriodOverride)).all() == []
    _post(client, auth, url, {"start": "2026-01-05", "end": "", "reason": "受給者証"})
    html = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "2026-01-05 から 2029-01-04 まで" in html and "受給者証" in html
    audit = client.get(f"/clients/{world.client_a.id}/audit").get_data(as_text=True)
    assert "支援期間を 2026-01-05 から 規則どおり に変更しました" in audit


def test_employment_is_recorded_after_the_service_ended(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    world.client_c.status = ClientStatus.ENDED
    world.client_c.service_end = date(2026, 3, 1)
    db.commit()
    auth.login("sato")
    url = f"/clients/{world.client_c.id}/employment"
    _post(client, auth, url, {"kind": "left", "on": "2026-13-01"})
    assert db.scalars(select(EmploymentEvent)).all() == []
    _post(client, auth, url, {"kind": "left", "on": "2026-03-15"})
    _post(client, auth, url, {"kind": "changed_job", "on": "2026-04-15", "employer_name": "B社"})
    html = client.get(f"/clients/{world.client_c.id}").get_data(as_text=True)
    assert "離職 (最後の勤務日)" in html and "2026-04-15 までに新しい仕事" in html
    assert "B社" in html
    audit = client.get(f"/clients/{world.client_c.id}/audit").get_data(as_text=True)
    assert "就労の状況「転職 (新しい仕事の初日)」(2026-04-15) を記録しました" in audit


@pytest.fixture
def counted(db: Session, world: World) -> World:
    """FY2026 for office A: a (employed), b (left 15 March 2026, new job 15 April: counts),
    c (left 1 March, no new job): 2 of 3."""
    for c in (world.client_a, world.client_b, world.client_c):
        c.hire_date = date(2025, 6, 1)
        c.service_start = date(2025, 12, 1)
    lifecycle.record_employment(
        db, world.sato, world.client_b, kind="left", on=date(2026, 3, 15),
        employer_name=None, note=None, today=TODAY, now=NOW,
    )  # fmt: skip
    lifecycle.record_employment(
        db, world.sato, world.client_b, kind="changed_job", on=date(2026, 4, 15),
        employer_name="B社", note=None, today=TODAY, now=NOW,
    )  # fmt: skip
    lifecycle.record_employment(
        db, world.sato, world.client_c, kind="left", on=date(2026, 3, 1),
        employer_name=None, note=None, today=TODAY, now=NOW,
    )  # fmt: skip
    db.commit()
    return world


def test_the_retention_page_shows_the_numbers_and_the_people(
    client: FlaskClient, db: Session, counted: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    html = client.get("/retention").get_data(as_text=True)
    assert "2026年度" in html and "66.7%" in html and "(2人 / 3人)" in html
    assert "50%以上 70%未満" in html and "1,895単位" in html
    for c in (counted.client_a, counted.client_b, counted.client_c):
        assert c.name in html
    assert counted.other_client.name not in html
    assert "→ 2026-04-15 に新しい仕事 (1か月以内)" in html
    assert client.get("/retention?fy=2025").status_code == 200
    assert client.get("/retention?fy=1900").status_code == 404
    overview = client.get("/overview").get_data(as_text=True)
    assert "就労定着率 (2026年度)" in overview and "支援の残り" in overview


def test_the_retention_xlsx_lists_the_people_and_is_audited(
    client: FlaskClient, db: Session, counted: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    resp = client.get("/retention.xlsx?fy=2026")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "利用者" and len(rows) == 4
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[counted.client_b.name][6] == "はい"
    assert by_name[counted.client_c.name][6] == "いいえ"
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "export")) == {
        "what": "retention:2026",
        "format": "xlsx",
        "variant": "ja",
    }


def test_another_offices_staff_reach_none_of_it(
    client: FlaskClient, db: Session, counted: World, auth: AuthActions
) -> None:
    counted.outsider.role = Role.SERVICE_MANAGER
    db.commit()
    auth.login("yoso")
    for method, url, data in _client_routes(counted.client_a.id):
        resp = getattr(client, method)(url, data={**data, "csrf_token": auth.token()})
        assert resp.status_code == 404
    db.expire_all()
    mine = select(EmploymentEvent).where(EmploymentEvent.client_id == counted.client_a.id)
    assert db.scalars(mine).all() == []
    assert db.scalars(select(StageChange)).all() == []
    assert db.scalars(select(ServicePeriodOverride)).all() == []
    html = client.get("/retention").get_data(as_text=True)
    assert counted.client_a.name not in html and counted.other_client.name in html
    ws = load_workbook(io.BytesIO(client.get("/retention.xlsx").data)).active
    assert ws is not None and [r[0] for r in ws.iter_rows(values_only=True)] == [
        "利用者",
        counted.other_client.name,
    ]


def test_a_supporter_may_not_override_or_see_the_rate(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    url = f"/clients/{world.client_a.id}/period"
    assert client.post(url, data={"reason": "r", "csrf_token": auth.token()}).status_code == 403
    assert client.get("/retention").status_code == 403
    assert client.get("/retention.xlsx").status_code == 403


def test_an_employer_reaches_none_of_it(client: FlaskClient, db: Session, world: World) -> None:
    e = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(e)
    db.flush()
    world.client_a.employer_id = e.id
    db.add(
        EmployerUser(
            employer_id=e.id,
            login="aozora-hr",
            name="人事",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.commit()
    page = client.get("/employer/login").get_data(as_text=True)
    client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    token = csrf_from(client.get("/employer/").get_data(as_text=True))
    for method, url, data in _client_routes(world.client_a.id):
        assert getattr(client, method)(url, data={**data, "csrf_token": token}).status_code == 403
    assert client.get("/retention").status_code == 403
    assert client.get("/retention.xlsx").status_code == 403
    assert db.scalars(select(EmploymentEvent)).all() == []


def test_the_demo_rate_can_be_checked_by_hand(
    db: Session, seeded: demo.DemoResult, client: FlaskClient, auth: AuthActions
) -> None:
    r = retention_rate.office_retention(db, seeded.office.id, 2026)
    lines = {line.client.name: line.employed for line in r.lines}
    for name, _start, _end, _events, employed in demo.PAST_CLIENTS:
        assert lines[name] is employed, name
    active = [line for line in r.lines if line.client.name not in {p[0] for p in demo.PAST_CLIENTS}]
    assert all(line.employed for line in active)  # no departures among those supported
    assert (r.numerator, r.denominator) == (len(active) + 3, len(active) + 5)
    stages = db.scalars(select(StageChange.to_stage).distinct()).all()
    assert set(stages) == {Stage.ADJUSTMENT, Stage.STABILITY, Stage.SELF_DRIVING}
    assert {c.stage for c in db.scalars(select(Client))} == set(Stage)
    auth.login("kanri", demo.DEMO_PASSWORD)
    html = client.get("/retention").get_data(as_text=True)
    assert f"({r.numerator}人 / {r.denominator}人)" in html
