"""Office administration: staff, clients, employers and the check-in card (issue 7)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import (
    AuditEvent,
    Client,
    ClientStatus,
    Employer,
    EmployerUser,
    Flag,
    StaffUser,
)
from checkin.services.flags import upsert_candidates
from checkin.signals import FlagCandidate, Reason
from tests.conftest import NOW, TODAY, AuthActions, World


def count(db: Session, model: Any, *where: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def post(
    client: FlaskClient, auth: AuthActions, path: str, data: dict[str, Any], page: str | None = None
) -> Any:
    return client.post(path, data={**data, "csrf_token": auth.token(page or path)})


CLIENT = {
    "name": "小林 蓮",
    "name_kana": "こばやし れん",
    "hire_date": "2026-01-05",
    "service_start": "2026-07-05",
    "service_end": "2029-07-04",
    "stage": "exploration",
    "disclosure": "open",
    "weekday": ["0", "1", "2", "3", "4"],
    "reminder_time": "19:00",
    "channel_preference": "web",
}


def test_supporters_cannot_manage(client: FlaskClient, world: World, auth: AuthActions) -> None:
    auth.login("sato")
    assert client.get("/admin/staff").status_code == 403
    assert client.get("/clients/new").status_code == 403


def test_manager_creates_a_supporter_who_can_log_in(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    resp = post(
        client,
        auth,
        "/admin/staff",
        {
            "name": "高橋 由美",
            "login": "Takahashi",
            "password": "long enough pw",
            "role": "supporter",
        },
    )
    assert resp.status_code == 303
    staff = db.scalars(select(StaffUser).where(StaffUser.login == "takahashi")).one()
    assert staff.office_id == world.office.id and staff.check_password("long enough pw")
    assert count(db, AuditEvent, AuditEvent.action == "staff.create") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"login": "sato"}, "すでに使われています"),
        ({"password": "short"}, "10文字以上"),
        ({"login": "a b"}, "半角英数字"),
        ({"role": "admin"}, "管理者だけ"),
    ],
)
def test_bad_staff_input_is_refused(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    data: dict[str, str],
    message: str,
) -> None:
    auth.login("kanri")
    before = count(db, StaffUser)
    base = {"name": "新人", "login": "newbie", "password": "long enough pw", "role": "supporter"}
    resp = post(client, auth, "/admin/staff", {**base, **data})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert count(db, StaffUser) == before


def test_deactivating_ends_access_and_leads_to_reassignment(
    client: FlaskClient, app: Any, db: Session, world: World, auth: AuthActions
) -> None:
    cand = FlagCandidate(world.client_a.id, "trend", "high", 40.0, (Reason("x", "t"),))
    upsert_candidates(db, world.office, TODAY, [cand], now=NOW)
    db.commit()
    sato = app.test_client()
    AuthActions(sato).login("sato")
    assert sato.get("/alerts").status_code == 200

    auth.login("kanri")
    resp = post(
        client, auth, f"/admin/staff/{world.sato.id}/deactivate", {"confirm": "1"}, "/admin/staff"
    )
    assert resp.status_code == 303 and "reassign" in resp.headers["Location"]
    assert sato.get("/alerts").status_code == 302  # logged out at once
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert world.client_a.name in page and world.client_b.name not in page

    resp = post(
        client,
        auth,
        "/admin/reassign",
        {
            "client_id": [str(world.client_a.id), str(world.client_c.id)],
            "supporter_id": str(world.suzuki.id),
            "from_id": str(world.sato.id),
        },
        f"/admin/reassign?from_id={world.sato.id}",
    )
    assert resp.status_code == 303
    db.expire_all()
    assert db.get(Client, world.client_a.id).supporter_id == world.suzuki.id  # type: ignore[union-attr]
    assert db.scalars(select(Flag)).one().assignee_id == world.suzuki.id


def test_cannot_reassign_to_another_offices_staff(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    post(
        client,
        auth,
        "/admin/reassign",
        {"client_id": [str(world.client_a.id)], "supporter_id": str(world.outsider.id)},
        "/admin/reassign",
    )
    db.expire_all()
    assert db.get(Client, world.client_a.id).supporter_id == world.sato.id  # type: ignore[union-attr]


def test_manager_creates_a_client(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    data = {
        **CLIENT,
        "supporter_id": str(world.sato.id),
        "backup_supporter_id": str(world.suzuki.id),
    }
    resp = post(client, auth, "/clients/new", data)
    assert resp.status_code == 303
    c = db.scalars(select(Client).where(Client.name == "小林 蓮")).one()
    assert (c.office_id, c.supporter_id, c.checkin_weekdays) == (
        world.office.id,
        world.sato.id,
        "01234",
    )
    assert c.reminder_time is not None and c.reminder_time.hour == 19


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"service_end": "2026-03-01"}, "支援終了日が支援開始日より前"),
        ({"service_end": "2030-01-01"}, "最長3年"),
        ({"name": ""}, "名前を入れてください"),
        ({"name": '=HYPERLINK("http://evil","x")'}, "先頭に = + - @"),
        ({"name": "田中 健太", "hire_date": ""}, "すでに登録されています"),
        ({"hire_date": "2026/13/40"}, "入社日: 2026年13月40日という日はありません。"),
        ({"hire_date": "きのう"}, "入社日: 「きのう」は日付として読めません。2026/6/1 の形"),
        (
            {"service_start": "平成40年1月1日"},
            "支援開始日: 平成40年1月1日 は元号と日付が合いません",
        ),
        ({"weekday": []}, "記録する曜日"),
        ({"supporter_id": "OUTSIDER"}, "この事業所の職員"),
    ],
)
def test_bad_client_input_is_explained_and_nothing_saved(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    data: dict[str, Any],
    message: str,
) -> None:
    auth.login("kanri")
    if data.get("supporter_id") == "OUTSIDER":
        data = {**data, "supporter_id": str(world.outsider.id)}
    before = count(db, Client)
    resp = post(client, auth, "/clients/new", {**CLIENT, **data}, "/clients/new")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html and "まだ保存していません" in html
    assert count(db, Client) == before


@pytest.mark.parametrize(
    ("hire", "start", "end"),
    [
        ("2026-01-05", "2026-07-05", "2029-07-04"),  # the browser's date input
        ("2026/1/5", "2026/07/05", "2029/7/4"),
        ("2026年1月5日", "２０２６年７月５日", "令和11年7月4日"),
        ("令和8年1月5日", "R8.7.5", "20290704"),
    ],
)
def test_the_client_form_reads_dates_as_the_import_does(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    hire: str,
    start: str,
    end: str,
) -> None:
    auth.login("kanri")
    data = {**CLIENT, "hire_date": hire, "service_start": start, "service_end": end}
    assert post(client, auth, "/clients/new", data).status_code == 303
    c = db.scalars(select(Client).where(Client.name == "小林 蓮")).one()
    assert (c.hire_date, c.service_start, c.service_end) == (
        date(2026, 1, 5),
        date(2026, 7, 5),
        date(2029, 7, 4),
    )


def test_a_good_japanese_date_comes_back_to_the_date_input_when_another_field_is_wrong(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    before = count(db, Client)
    data = {**CLIENT, "name": "", "hire_date": "令和8年1月5日", "service_start": "2026/13/1"}
    resp = post(client, auth, "/clients/new", data, "/clients/new")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'name="hire_date" type="date" value="2026-01-05"' in html
    assert "支援開始日: 2026年13月1日という日はありません。" in html
    assert count(db, Client) == before


def test_editing_a_client_keeps_other_offices_out(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    assert client.get(f"/clients/{world.other_client.id}/edit").status_code == 404
    page = client.get(f"/clients/{world.client_a.id}/edit").get_data(as_text=True)
    assert world.client_a.name in page
    resp = post(
        client,
        auth,
        f"/clients/{world.client_a.id}/edit",
        {**CLIENT, "name": world.client_a.name, "stage": "stability"},
    )
    assert resp.status_code == 303
    db.expire_all()
    assert db.get(Client, world.client_a.id).stage.value == "stability"  # type: ignore[union-attr]


def test_ending_the_service_stops_the_link(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    issued = post(
        client, auth, f"/clients/{world.client_a.id}/card", {}, f"/clients/{world.client_a.id}"
    )
    assert issued.status_code == 303
    card = client.get(issued.location).get_data(as_text=True)
    assert "<svg" in card and "QRコード" in card
    path = card.split('class="client-link" href="')[1].split('"')[0].split("checkin.test", 1)[1]
    assert client.get(path).status_code == 200
    post(
        client,
        auth,
        f"/clients/{world.client_a.id}/status",
        {"status": "ended", "confirm": "1"},
        f"/clients/{world.client_a.id}",
    )
    db.expire_all()
    c = db.get(Client, world.client_a.id)
    assert c is not None and c.status == ClientStatus.ENDED and c.service_end == TODAY
    assert client.get(path).status_code == 410
    # The card page of an ended client says so (no error page, no card).
    again = client.get(f"/clients/{world.client_a.id}/card")
    assert again.status_code == 200 and "支援中では ないため" in again.get_data(as_text=True)


def test_a_new_card_ends_the_previous_link(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")

    def card_path() -> str:
        resp = post(
            client,
            auth,
            f"/clients/{world.client_a.id}/card",
            {"confirm": "1"},
            f"/clients/{world.client_a.id}",
        )
        html = client.get(resp.location).get_data(as_text=True)
        return html.split('class="client-link" href="')[1].split('"')[0].split("checkin.test", 1)[1]

    first = card_path()
    second = card_path()
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_employers(client: FlaskClient, db: Session, world: World, auth: AuthActions) -> None:
    auth.login("kanri")
    assert post(client, auth, "/admin/employers", {"name": "株式会社あおぞら"}).status_code == 303
    assert post(client, auth, "/admin/employers", {"name": "株式会社あおぞら"}).status_code == 400
    assert post(client, auth, "/admin/employers", {"name": "@SUM(1+1)"}).status_code == 400
    assert count(db, Employer) == 1


def test_manager_creates_an_employer_account(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    e = Employer(office_id=world.office.id, name="ひかり食品")
    db.add(e)
    db.commit()
    auth.login("kanri")
    resp = post(
        client,
        auth,
        f"/admin/employers/{e.id}/users",
        {"name": "上司 一郎", "login": "hikari-boss", "password": "long enough pw"},
        "/admin/employers",
    )
    assert resp.status_code == 303
    assert "上司 一郎" in client.get("/admin/employers").get_data(as_text=True)
    # A login already used by staff is refused.
    post(
        client,
        auth,
        f"/admin/employers/{e.id}/users",
        {"name": "x", "login": "sato", "password": "long enough pw"},
        "/admin/employers",
    )
    assert count(db, EmployerUser) == 1


def test_roles_can_be_changed_but_admin_only_by_admins(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")  # a service manager
    assert (
        post(
            client,
            auth,
            f"/admin/staff/{world.sato.id}/role",
            {"role": "service_manager"},
            "/admin/staff",
        ).status_code
        == 303
    )
    post(client, auth, f"/admin/staff/{world.suzuki.id}/role", {"role": "admin"}, "/admin/staff")
    db.expire_all()
    assert db.get(StaffUser, world.sato.id).role.value == "service_manager"  # type: ignore[union-attr]
    assert db.get(StaffUser, world.suzuki.id).role.value == "supporter"  # type: ignore[union-attr]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action == "staff.role")).all()
    assert actions == ["staff.role"]
    # The other office's staff cannot be touched.
    assert (
        post(
            client,
            auth,
            f"/admin/staff/{world.outsider.id}/role",
            {"role": "service_manager"},
            "/admin/staff",
        ).status_code
        == 404
    )


def test_registered_leave_is_shown_on_the_staff_page(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    for start, end in (
        (TODAY + timedelta(days=2), TODAY + timedelta(days=5)),
        (TODAY - timedelta(days=20), TODAY - timedelta(days=10)),
    ):
        resp = post(
            client,
            auth,
            f"/admin/staff/{world.sato.id}/leave",
            {"starts_on": start.isoformat(), "ends_on": end.isoformat()},
            "/admin/staff",
        )
        assert resp.status_code == 303
    html = client.get("/admin/staff").get_data(as_text=True)
    upcoming = TODAY + timedelta(days=2)
    assert f"休み {upcoming.month}/{upcoming.day}〜" in html
    past = TODAY - timedelta(days=20)
    assert f"休み {past.month}/{past.day}〜" not in html  # a leave that has ended is not news
