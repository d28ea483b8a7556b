"""Office managers stop, restart and reset the passwords of employer accounts (issue 17)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import AuditEvent, Employer, EmployerUser, Role
from checkin.services import audit_text
from tests.conftest import PASSWORD, AuthActions, World, csrf_from

NEW_PASSWORD = "a new password from the office"


@pytest.fixture
def hr(db: Session, world: World) -> EmployerUser:
    e = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(e)
    db.flush()
    user = EmployerUser(
        employer_id=e.id,
        login="aozora-hr",
        name="人事 花子",
        password_hash=generate_password_hash(PASSWORD),
    )
    db.add(user)
    db.commit()
    return user


def employer_login(client: FlaskClient, password: str = PASSWORD) -> int:
    page = client.get("/employer/login").get_data(as_text=True)
    return client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": password, "csrf_token": csrf_from(page)},
    ).status_code


def manager_token(app_client: FlaskClient) -> tuple[FlaskClient, str]:
    auth = AuthActions(app_client)
    auth.login("kanri")
    return app_client, auth.token("/admin/employers")


def actions(db: Session, user: EmployerUser) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.target_type == "employer_user",
                AuditEvent.target_id == user.id,
                AuditEvent.action.startswith("employer_user."),
            )
            .order_by(AuditEvent.id)
        )
    )


def test_stopping_asks_first_then_ends_the_session_and_the_login(
    app, db: Session, world: World, hr: EmployerUser
) -> None:
    employer = app.test_client()
    assert employer_login(employer) == 302
    assert employer.get("/employer/").status_code == 200

    staff, token = manager_token(app.test_client())
    page = staff.get("/admin/employers").get_data(as_text=True)
    assert f"/admin/employer-users/{hr.id}/deactivate" in page
    url = f"/admin/employer-users/{hr.id}/deactivate"
    # The first POST only asks, in plain words naming the person; nothing changes.
    ask = staff.post(url, data={"csrf_token": token})
    text = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "人事 花子" in text and "aozora-hr" in text
    assert 'name="confirm" value="1"' in text
    db.refresh(hr)
    assert hr.active and actions(db, hr) == []

    resp = staff.post(url, data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 303
    db.refresh(hr)
    assert not hr.active
    assert actions(db, hr) == ["employer_user.deactivate"]
    # The open session ends on its next request; logging in again fails.
    assert employer.get("/employer/").status_code in (302, 401)
    assert employer_login(app.test_client()) != 302
    page = staff.get("/admin/employers").get_data(as_text=True)
    assert "停止" in page and f"/admin/employer-users/{hr.id}/reactivate" in page

    # Restarted: the old password works again.
    assert (
        staff.post(
            f"/admin/employer-users/{hr.id}/reactivate", data={"csrf_token": token}
        ).status_code
        == 303
    )
    db.refresh(hr)
    assert hr.active
    assert employer_login(app.test_client()) == 302
    assert actions(db, hr) == ["employer_user.deactivate", "employer_user.reactivate"]


def test_a_password_reset_ends_sessions_and_forces_a_change(
    app, db: Session, world: World, hr: EmployerUser
) -> None:
    employer = app.test_client()
    assert employer_login(employer) == 302
    staff, token = manager_token(app.test_client())
    url = f"/admin/employer-users/{hr.id}/password"

    # Too short: a clear message, nothing saved.
    resp = staff.post(url, data={"csrf_token": token, "password": "short"}, follow_redirects=True)
    assert "10文字以上" in resp.get_data(as_text=True)
    db.refresh(hr)
    assert hr.check_password(PASSWORD) and not hr.must_change_password
    assert actions(db, hr) == []

    resp = staff.post(url, data={"csrf_token": token, "password": NEW_PASSWORD})
    assert resp.status_code == 303
    db.refresh(hr)
    assert hr.check_password(NEW_PASSWORD) and hr.must_change_password
    assert actions(db, hr) == ["employer_user.reset_password"]
    assert employer.get("/employer/").status_code in (302, 401)  # the old session ended
    assert employer_login(app.test_client()) != 302  # the old password no longer works
    fresh = app.test_client()
    page = fresh.get("/employer/login").get_data(as_text=True)
    resp = fresh.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": NEW_PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert resp.status_code == 302 and "password" in resp.headers["Location"]


def test_another_offices_employer_accounts_do_not_exist(
    app, db: Session, world: World, hr: EmployerUser
) -> None:
    world.outsider.role = Role.SERVICE_MANAGER  # a manager, but of the other office
    db.commit()
    outsider = app.test_client()
    auth = AuthActions(outsider)
    auth.login("yoso")
    token = auth.token("/admin/employers")
    for path in ("deactivate", "reactivate", "password"):
        resp = outsider.post(
            f"/admin/employer-users/{hr.id}/{path}",
            data={"csrf_token": token, "confirm": "1", "password": NEW_PASSWORD},
        )
        assert resp.status_code == 404
    db.refresh(hr)
    assert hr.active and hr.check_password(PASSWORD)
    assert actions(db, hr) == []


def test_supporters_cannot_manage_employer_accounts(
    app, db: Session, world: World, hr: EmployerUser
) -> None:
    c = app.test_client()
    auth = AuthActions(c)
    auth.login("sato")
    token = auth.token("/alerts")
    resp = c.post(
        f"/admin/employer-users/{hr.id}/deactivate", data={"csrf_token": token, "confirm": "1"}
    )
    assert resp.status_code == 403
    db.refresh(hr)
    assert hr.active


def test_the_audit_log_reads_each_new_action_as_a_sentence(
    app, db: Session, world: World, hr: EmployerUser
) -> None:
    staff, token = manager_token(app.test_client())
    base = f"/admin/employer-users/{hr.id}"
    staff.post(f"{base}/deactivate", data={"csrf_token": token, "confirm": "1"})
    staff.post(f"{base}/reactivate", data={"csrf_token": token})
    staff.post(f"{base}/password", data={"csrf_token": token, "password": NEW_PASSWORD})
    db.expire_all()
    events = list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.startswith("employer_user."))
            .order_by(AuditEvent.id)
        )
    )
    with app.test_request_context():
        lines = [line.sentence for line in audit_text.describe(db, events)]
    assert lines == [
        "管理が 勤め先の アカウント「人事 花子 (株式会社あおぞら)」を停止しました",
        "管理が 勤め先の アカウント「人事 花子 (株式会社あおぞら)」を再開しました",
        "管理が 勤め先の アカウント「人事 花子 (株式会社あおぞら)」の "
        "パスワードを設定しなおしました",
    ]
