"""English plural forms: a count of 1 reads "1 client", a count of 2 "2 clients".

Count-bearing messages go through ``ngettext`` (``%(num)d``); Japanese has one form, English
a singular and a plural msgstr in the catalogue.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from checkin.models import Contact
from checkin.models.support import ContactKind
from checkin.services import transfer
from tests.conftest import NOW, AuthActions, World
from tests.test_i18n import assert_no_japanese, english, user_data
from tests.test_transfer import ENTRY_HEADER, upload_history


def upload_clients(client: FlaskClient, auth: AuthActions, content: bytes) -> Any:
    return client.post(
        "/clients/import",
        data={
            "csrf_token": auth.token("/clients/import"),
            "file": (io.BytesIO(content), "clients.csv"),
        },
        content_type="multipart/form-data",
    )


def test_the_client_import_preview_counts_one_and_two(
    client: FlaskClient, db: Session, world: World
) -> None:
    english(client)
    auth = AuthActions(client)
    auth.login("kanri")
    html = upload_clients(client, auth, "名前,担当\n山田 一郎,sato\n".encode()).get_data(
        as_text=True
    )
    assert "1 row, no problems." in html and "Import 1 client<" in html
    assert "1 rows" not in html and "1 clients" not in html
    assert_no_japanese(html, [*user_data(db), "山田 一郎"])
    two = "名前,担当\n山田 一郎,sato\n山田 二郎,sato\n".encode()
    html = upload_clients(client, auth, two).get_data(as_text=True)
    assert "2 rows, no problems." in html and "Import 2 clients<" in html
    # Japanese keeps its one form.
    client.set_cookie("lang", "ja", domain="checkin.test")
    html = upload_clients(client, auth, two).get_data(as_text=True)
    assert "2行、問題はありません。" in html and "2人を取り込む" in html


def test_the_history_import_preview_counts_one_and_two(client: FlaskClient, world: World) -> None:
    english(client)
    auth = AuthActions(client)
    auth.login("kanri")
    a, b = world.client_a.id, world.client_b.id
    one = f"{ENTRY_HEADER}\n{a},2026-05-01,3,2,7,3,false,\n".encode()
    html = upload_history(client, auth, one).get_data(as_text=True)
    assert "1 client, 1 entry (2026-05-01 to 2026-05-01), no problems." in html
    assert "Import 1 entry<" in html
    two = f"{ENTRY_HEADER}\n{a},2026-05-01,3,2,7,3,false,\n{b},2026-05-02,3,2,7,3,false,\n"
    html = upload_history(client, auth, two.encode()).get_data(as_text=True)
    assert "2 clients, 2 entries (2026-05-01 to 2026-05-02), no problems." in html
    assert "Import 2 entries<" in html


@pytest.mark.parametrize(("extra", "text"), [(1, "1 more problem."), (2, "2 more problems.")])
def test_more_problems_than_listed(
    client: FlaskClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    extra: int,
    text: str,
) -> None:
    monkeypatch.setattr(transfer, "MAX_PROBLEMS", 1)
    english(client)
    auth = AuthActions(client)
    auth.login("kanri")
    other = world.other_client.id  # each row is its own problem
    bad = [f"{other},2026-05-0{i + 1},3,2,7,3,false," for i in range(1 + extra)]
    resp = upload_history(client, auth, "\n".join([ENTRY_HEADER, *bad, ""]).encode())
    assert resp.status_code == 400
    assert text in resp.get_data(as_text=True)


def test_the_overview_counts_clients_without_contact(
    client: FlaskClient, db: Session, world: World
) -> None:
    english(client)
    AuthActions(client).login("kanri")
    for c in (world.client_a, world.client_b):
        db.add(
            Contact(
                office_id=world.office.id,
                client_id=c.id,
                staff_id=world.sato.id,
                kind=ContactKind.CALL,
                occurred_at=NOW - timedelta(days=2),
            )
        )
    db.commit()
    html = client.get("/overview").get_data(as_text=True)
    assert "1 client with no contact or meeting recorded for 30 days or more" in html
    db.execute(delete(Contact).where(Contact.client_id == world.client_b.id))
    db.commit()
    html = client.get("/overview").get_data(as_text=True)
    assert "2 clients with no contact or meeting recorded for 30 days or more" in html
    assert_no_japanese(html, user_data(db))
