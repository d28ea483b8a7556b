"""The client's personal check-in page, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, CheckinLink, ClientStatus, Flag
from checkin.services.links import hash_token, issue_link, revoke_links
from tests.conftest import NOW, TODAY, World, csrf_from

GOOD = {"mood": "4", "fatigue": "2", "sleep_hours": "6.5", "sleep_quality": "4", "day": "today"}


@pytest.fixture
def token(db: Session, world: World) -> str:
    tok = issue_link(db, world.client_a, now=NOW)
    db.commit()
    return tok


def entries(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(CheckIn)) or 0


def post(client: FlaskClient, token: str, **fields: str) -> object:
    page = client.get(f"/c/{token}").get_data(as_text=True)
    return client.post(f"/c/{token}", data={**GOOD, "csrf_token": csrf_from(page), **fields})


def test_the_page_is_japanese_and_works_without_javascript(client: FlaskClient, token: str) -> None:
    resp = client.get(f"/c/{token}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<html lang="ja">' in html
    assert "<script" not in html
    for text in ("きょうの きもち", "つかれ", "ねた 時間", "相談したい", "おくる"):
        assert text in html
    assert html.count('type="radio" id="mood-') == 5
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_only_a_hash_of_the_token_is_stored(db: Session, token: str) -> None:
    link = db.scalars(select(CheckinLink)).one()
    assert link.token_hash == hash_token(token) != token
    assert len(token) >= 40


def test_submitting_saves_and_thanks(client: FlaskClient, db: Session, token: str) -> None:
    resp = post(client, token)
    assert resp.status_code == 303  # type: ignore[attr-defined]
    done = client.get(resp.headers["Location"])  # type: ignore[attr-defined]
    assert "ありがとうございました" in done.get_data(as_text=True)
    entry = db.scalars(select(CheckIn)).one()
    assert (entry.local_date, entry.mood, float(entry.sleep_hours or 0)) == (TODAY, 4, 6.5)


def test_submitting_twice_updates_the_same_day(
    client: FlaskClient, db: Session, token: str
) -> None:
    post(client, token)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert "記録ずみ" in page
    assert 'id="mood-4" name="mood" value="4" checked' in page
    post(client, token, mood="2")
    assert entries(db) == 1
    assert db.scalars(select(CheckIn)).one().mood == 2


def test_yesterday_can_be_chosen(client: FlaskClient, db: Session, token: str) -> None:
    post(client, token, day="yesterday")
    assert db.scalars(select(CheckIn)).one().local_date == TODAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mood": "9"}, "きもちを えらんで"),
        ({"sleep_hours": "-3"}, "0から24"),
        ({"sleep_hours": "30"}, "0から24"),
        ({"fatigue": ""}, "つかれぐあい"),
        ({"note": "あ" * 1500}, "1000文字"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_nothing_is_saved(
    client: FlaskClient, db: Session, token: str, fields: dict[str, str], message: str
) -> None:
    resp = post(client, token, **fields)
    html = resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert message in html
    assert "まだ 保存していません" in html
    assert entries(db) == 0


def test_a_missing_field_is_named(client: FlaskClient, db: Session, token: str) -> None:
    page = client.get(f"/c/{token}").get_data(as_text=True)
    data = {k: v for k, v in GOOD.items() if k != "sleep_quality"}
    resp = client.post(f"/c/{token}", data={**data, "csrf_token": csrf_from(page)})
    assert resp.status_code == 400
    assert "よく ねむれたか" in resp.get_data(as_text=True)
    assert entries(db) == 0


def test_a_huge_body_is_refused(client: FlaskClient, db: Session, token: str) -> None:
    resp = post(client, token, note="あ" * 100_000)  # ~300 kB of UTF-8
    assert resp.status_code == 413  # type: ignore[attr-defined]
    assert entries(db) == 0


def test_a_forged_form_without_csrf_token_is_refused(
    client: FlaskClient, db: Session, token: str
) -> None:
    resp = client.post(f"/c/{token}", data=GOOD)
    assert resp.status_code == 400
    assert "もう一度送って" in resp.get_data(as_text=True)
    assert entries(db) == 0


@pytest.mark.parametrize("bad", ["nope", "x" * 43, "a" * 300])
def test_a_wrong_token_is_not_found(client: FlaskClient, token: str, bad: str) -> None:
    resp = client.get(f"/c/{bad}")
    assert resp.status_code == 404
    assert "ありません" in resp.get_data(as_text=True)


def test_a_revoked_token_stops_working_at_once(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    page = client.get(f"/c/{token}").get_data(as_text=True)
    revoke_links(db, world.client_a, now=NOW)
    db.commit()
    assert client.get(f"/c/{token}").status_code == 410  # gone: says whom to call
    resp = client.post(f"/c/{token}", data={**GOOD, "csrf_token": csrf_from(page)})
    assert resp.status_code == 410
    assert entries(db) == 0


def test_a_new_link_ends_the_old_one(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    new = issue_link(db, world.client_a, now=NOW)
    db.commit()
    assert client.get(f"/c/{token}").status_code == 410
    assert client.get(f"/c/{new}").status_code == 200


def test_an_ended_client_cannot_check_in(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    world.client_a.status = ClientStatus.ENDED
    db.commit()
    assert client.get(f"/c/{token}").status_code == 410


def test_wants_contact_shows_help_and_flags_at_once(
    client: FlaskClient, db: Session, token: str
) -> None:
    resp = post(client, token, wants_contact="1")
    done = client.get(resp.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "支援員から 連絡します" in done
    assert "0120-279-338" in done
    flag = db.scalars(select(Flag)).one()
    assert flag.kind == "contact"
