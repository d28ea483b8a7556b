"""Bad input from outside gets a message (or a 404) and stores nothing (issue 17): NUL
characters, text longer than its column, ids beyond the database's integers, a huge CSV
field, dates in year 1 or 9999."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client, Consent, Contact, StaffUser
from checkin.services.stored_text import problems
from tests.conftest import AuthActions, World

HUGE = "99999999999999999999"  # above 2**63


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def post(client: FlaskClient, auth: AuthActions, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={"csrf_token": auth.token(), **data})


@pytest.mark.parametrize(
    ("url", "model", "data"),
    [
        ("/admin/staff", StaffUser, {"login": "ne\x00w", "name": "新人", "password": "x" * 12}),
        ("/clients/new", Client, {"name": "新\x00人", "service_start": "2026-06-01"}),
        ("/clients/{a}/contacts", Contact, {"kind": "call", "note": "電話\x00した"}),
        ("/clients/{a}/consents", Consent, {"recipient": "agency", "agency_name": "x\x00"}),
    ],
)
def test_a_nul_character_in_a_form_is_refused_with_a_japanese_page(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    url: str,
    model: type,
    data: dict[str, str],
) -> None:
    auth.login("kanri")
    before = count(db, model)
    resp = post(client, auth, url.format(a=world.client_a.id), data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "使えない文字" in page, page[-800:]
    assert count(db, model) == before


def test_consent_evidence_longer_than_its_column_is_a_message(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    url = f"/clients/{world.client_a.id}/consents"
    column = Consent.__table__.c.evidence
    limit = column.type.length
    assert limit, "the test needs a String(n) column"
    data = {"recipient": "agency", "agency_name": "ハローワーク", "scope": "trend"}
    resp = post(client, auth, url, {**data, "evidence": "同" * (limit + 1)})
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"{limit}文字まで" in page
    assert count(db, Consent) == 0


def test_the_guard_names_each_field_the_database_cannot_keep(world: World) -> None:
    c = Client(office_id=world.office.id, name="x" * 500, name_kana="a\x00b")
    found = problems(c)
    assert set(found) == {"name", "name_kana"}
    assert "使えない文字" in str(found["name_kana"]) and "文字まで" in str(found["name"])
    assert problems(Client(office_id=world.office.id, name="田中")) == {}


@pytest.mark.parametrize(
    "path", [f"/clients/{HUGE}", f"/clients/{HUGE}/edit", f"/flags/{HUGE}", f"/clients/{HUGE}/card"]
)
def test_an_id_beyond_the_database_is_not_found(
    client: FlaskClient, world: World, auth: AuthActions, path: str
) -> None:
    auth.login("kanri")
    assert client.get(path).status_code == 404


def test_ids_beyond_the_database_in_form_fields_change_nothing(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    resp = post(
        client,
        auth,
        "/admin/reassign",
        {"client_id": [str(world.client_a.id), HUGE], "supporter_id": HUGE},
    )
    assert resp.status_code < 500
    db.expire_all()
    assert db.get(Client, world.client_a.id).supporter_id == world.sato.id  # type: ignore[union-attr]
    resp = post(
        client,
        auth,
        f"/clients/{world.client_a.id}/contacts",
        {"kind": "call", "note": "電話", "flag_id": HUGE},
    )
    assert resp.status_code == 303
    resp = client.get(f"/alerts?supporter={HUGE}")
    assert resp.status_code == 200
    resp = post(client, auth, f"/clients/{world.client_a.id}/consents", {"recipient": HUGE})
    assert resp.status_code == 303
    assert count(db, Consent) == 0


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_contact_in_year_1_or_9999_is_a_message(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, when: str
) -> None:
    auth.login("kanri")
    url = f"/clients/{world.client_a.id}/contacts"
    resp = post(client, auth, url, {"kind": "call", "occurred_at": when, "note": "電話"})
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "古すぎます" in page or "未来の日時" in page
    assert count(db, Contact) == 0


def upload(client: FlaskClient, auth: AuthActions, url: str, content: bytes) -> Any:
    return client.post(
        url,
        data={"csrf_token": auth.token(url), "file": (io.BytesIO(content), "x.csv")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("url", ["/clients/import", "/clients/import/history"])
def test_a_csv_field_over_128_kib_is_a_message(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, url: str
) -> None:
    auth.login("kanri")
    content = b'name,note\n"' + b"a" * (200 * 1024) + b'",x\n'
    resp = upload(client, auth, url, content)
    assert resp.status_code == 400 and "CSV として読めません" in resp.get_data(as_text=True)
    assert count(db, Client) == 4


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1-1-1"])
def test_history_rows_in_year_1_or_9999_are_named(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, day: str
) -> None:
    auth.login("kanri")
    header = "client_id,date,mood,fatigue,sleep_hours,sleep_quality,wants_contact,note"
    content = f"{header}\n{world.client_a.id},{day},3,2,7,3,false,\n".encode()
    resp = upload(client, auth, "/clients/import/history", content)
    assert resp.status_code == 400 and "2行目" in resp.get_data(as_text=True)
    assert count(db, CheckIn) == 0


@pytest.mark.parametrize(
    ("url", "row"),
    [
        ("/clients/import/history", "{a},2026-05-01,3,2,7,3,false,つか\x00れた"),
        ("/clients/import", "田\x00中,たなか,sato,,,2026-01-01,,,adjustment,open,01234,19:00,web"),
    ],
)
def test_a_nul_in_an_imported_file_is_named_and_nothing_is_saved(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, url: str, row: str
) -> None:
    from tests.test_transfer import ENTRY_HEADER, HEADER

    auth.login("kanri")
    header = ENTRY_HEADER if "history" in url else HEADER
    content = f"{header}\n{row.format(a=world.client_a.id)}\n".encode()
    resp = upload(client, auth, url, content)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "2行目に 使えない文字" in page, page[-800:]
    assert count(db, CheckIn) == 0 and count(db, Client) == 4
