"""Staff login, the morning alert list, acting on flags, and office isolation."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Channel, CheckIn, Flag, FlagStatus, Severity
from checkin.services.flags import upsert_candidates
from checkin.signals import FlagCandidate, Reason
from tests.conftest import NOW, TODAY, AuthActions, World, csrf_from


def add_flag(
    db: Session,
    world: World,
    client: object,
    kind: str = "trend",
    severity: str = "high",
    score: float = 40.0,
    text: str = "気分が低い",
) -> Flag:
    cand = FlagCandidate(client.id, kind, severity, score, (Reason("x", text),))  # type: ignore[attr-defined]
    office = world.office if client is not world.other_client else world.other_office
    flag = upsert_candidates(db, office, TODAY, [cand], now=NOW).touched[0]
    db.commit()
    return flag


def test_login_with_a_wrong_password_fails(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    resp = auth.login("sato", "wrong")
    assert resp.status_code == 401
    assert "違います" in resp.get_data(as_text=True)
    assert client.get("/alerts").status_code == 302


def test_passwords_are_hashed(world: World) -> None:
    assert "correct horse" not in world.sato.password_hash
    assert world.sato.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_alerts_need_a_login(client: FlaskClient, world: World) -> None:
    resp = client.get("/alerts")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_login_does_not_redirect_off_site(client: FlaskClient, world: World) -> None:
    page = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login?next=//evil.example/",
        data={"login": "sato", "password": "correct horse battery", "csrf_token": csrf_from(page)},
    )
    assert resp.headers["Location"].endswith("/alerts")


def test_supporter_sees_own_clients_flags_most_urgent_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    add_flag(db, world, world.client_a, "trend", "watch", 30, "ゆっくり悪化")
    add_flag(db, world, world.client_c, "contact", "urgent", 100, "相談したいと答えました")
    add_flag(db, world, world.client_b, "trend", "high", 50, "鈴木さんの担当")
    add_flag(db, world, world.other_client, "trend", "high", 50, "よその事業所")
    auth.login("sato")
    html = client.get("/alerts").get_data(as_text=True)
    assert html.index("相談したいと答えました") < html.index("ゆっくり悪化")
    assert "鈴木さんの担当" not in html
    assert "よその事業所" not in html
    assert world.other_client.name not in html


def test_manager_can_see_the_whole_office_but_not_another(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    add_flag(db, world, world.client_b, text="鈴木さんの担当")
    add_flag(db, world, world.other_client, text="よその事業所")
    auth.login("kanri")
    assert "鈴木さんの担当" not in client.get("/alerts").get_data(as_text=True)
    html = client.get("/alerts?all=1").get_data(as_text=True)
    assert "鈴木さんの担当" in html and "よその事業所" not in html


def test_a_supporter_cannot_widen_the_list(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    add_flag(db, world, world.client_b, text="鈴木さんの担当")
    auth.login("sato")
    assert "鈴木さんの担当" not in client.get("/alerts?all=1").get_data(as_text=True)


def test_the_list_shows_the_last_two_weeks(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    db.add(
        CheckIn(
            client_id=world.client_a.id,
            local_date=TODAY - timedelta(days=2),
            mood=2,
            fatigue=4,
            channel=Channel.WEB,
        )
    )
    db.commit()
    add_flag(db, world, world.client_a)
    auth.login("sato")
    html = client.get("/alerts").get_data(as_text=True)
    # 14 days ending yesterday (Wed 5/27 - Tue 6/9): 10 expected weekdays, one answered.
    assert html.count('<td rowspan="3" class="miss">') == 9
    assert html.count('<td rowspan="3" class="off">') == 4
    assert '<td class="hard">2</td>' in html  # mood 2, on the hard side
    assert '<td class="hard">4</td>' in html  # fatigue 4


def test_acknowledge_then_resolve_with_a_note(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = add_flag(db, world, world.client_a)
    auth.login("sato")
    token = auth.token()
    resp = client.post(
        f"/flags/{flag.id}/acknowledge", data={"csrf_token": token, "note": "夕方に電話する"}
    )
    assert resp.status_code == 303
    db.expire_all()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert (flag.acted_by_id, flag.note) == (world.sato.id, "夕方に電話する")
    assert flag.acted_at is not None
    client.post(f"/flags/{flag.id}/resolve", data={"csrf_token": token, "note": "電話した"})
    db.expire_all()
    assert flag.status == FlagStatus.RESOLVED
    assert "電話した" not in client.get("/alerts").get_data(as_text=True)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_id == flag.id)).all()
    assert actions == ["flag.acknowledge", "flag.resolve"]


def test_another_offices_flag_is_not_found(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = add_flag(db, world, world.other_client)
    auth.login("sato")
    resp = client.post(f"/flags/{flag.id}/resolve", data={"csrf_token": auth.token()})
    assert resp.status_code == 404
    db.expire_all()
    assert flag.status == FlagStatus.OPEN


def test_acting_without_csrf_token_is_refused(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = add_flag(db, world, world.client_a)
    auth.login("sato")
    assert client.post(f"/flags/{flag.id}/resolve").status_code == 400
    db.expire_all()
    assert flag.status == FlagStatus.OPEN


def test_a_deactivated_account_loses_access_at_once(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    assert client.get("/alerts").status_code == 200
    world.sato.active = False
    db.commit()
    assert client.get("/alerts").status_code == 302


def test_flags_go_to_the_backup_while_the_supporter_is_away(db: Session, world: World) -> None:
    from checkin.models import StaffLeave

    db.add(StaffLeave(staff_id=world.sato.id, starts_on=TODAY, ends_on=TODAY + timedelta(days=3)))
    db.commit()
    flag = add_flag(db, world, world.client_a)
    assert flag.assignee_id == world.suzuki.id


def test_staff_see_only_their_offices_clients(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    html = client.get("/clients").get_data(as_text=True)
    assert world.client_b.name in html and world.other_client.name not in html
    assert client.get(f"/clients/{world.other_client.id}").status_code == 404
    assert client.get(f"/clients/{world.client_b.id}").status_code == 200


def test_staff_issue_and_revoke_a_client_link(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    page = client.post(
        f"/clients/{world.client_a.id}/card",
        data={"csrf_token": auth.token(f"/clients/{world.client_a.id}")},
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    url = html.split('class="client-link" href="')[1].split('"')[0]
    path = url.split("checkin.test", 1)[1]
    assert client.get(path).status_code == 200
    client.post(
        f"/clients/{world.client_a.id}/link/revoke",
        data={"csrf_token": auth.token(f"/clients/{world.client_a.id}"), "confirm": "1"},
    )
    assert client.get(path).status_code == 410


def test_severity_rank() -> None:
    assert Severity.URGENT.rank < Severity.HIGH.rank < Severity.WATCH.rank
