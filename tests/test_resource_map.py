"""The resource map (資源マップ): built on the staff form, confirmed by the client on the
shared confirm page, kept on their phone page and printed on one A4 page; never the
employer's; versions by the foundation's rule."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import ClientDocument, DocKind, DocStatus
from checkin.services.links import issue_link
from tests.conftest import NOW, AuthActions, World, csrf_from

ROWS = {
    "e-work-0-who": "山田 課長 (総務)",
    "e-work-0-what": "シフトや 仕事の 量",
    "e-work-0-phone": "０３-1234-5678",
    "e-work-0-hours": "平日 9時〜17時",
    "e-health-0-who": "さくら クリニック",
    "e-health-0-what": "体調、くすり",
    "e-health-0-place": "駅前 2階",
    "e-crisis-0-who": "よりそいホットライン",
    "e-crisis-0-phone": "0120-279-338",
    "e-crisis-0-hours": "24時間",
}


def _docs(db: Session) -> list[ClientDocument]:
    db.expire_all()
    return list(db.scalars(select(ClientDocument).order_by(ClientDocument.id)))


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> object:
    page = client.get(url).get_data(as_text=True)
    extra = {}
    if 'name="revision"' in page:
        extra["revision"] = page.split('name="revision" value="')[1].split('"')[0]
    return client.post(url, data={"csrf_token": csrf_from(page), **extra, **data})


def test_build_send_confirm_print_and_correct(
    auth: AuthActions, client: FlaskClient, db: Session, world: World
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    assert "まだ ありません" in client.get(f"/c/{token}/map").get_data(as_text=True)
    auth.login("sato")
    url = f"/clients/{world.client_a.id}/resource-map"
    # bad input: a message, nothing saved
    for bad in ({"e-work-0-phone": "電話して"}, {"e-money-1-phone": "03-1111"}):
        resp = _post(client, url, {**ROWS, **bad})
        assert resp.status_code == 400  # type: ignore[attr-defined]
        assert "まだ保存していません" in resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert _docs(db) == []
    resp = _post(client, url, ROWS)
    assert resp.status_code == 303  # type: ignore[attr-defined]
    (doc,) = _docs(db)
    assert (doc.kind, doc.status, doc.version) == (DocKind.RESOURCE_MAP, DocStatus.DRAFT, 1)
    assert doc.body["work"][0]["phone"] == "03-1234-5678"  # full-width digits folded
    assert doc.body["money"] == []
    view = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "山田 課長 (総務)" in view and 'href="tel:0312345678"' in view
    # the generic editor sends to this form
    assert client.get(f"/documents/{doc.id}/edit").headers["Location"].endswith(url)
    client.post(f"/documents/{doc.id}/send", data={"csrf_token": csrf_from(view)})
    # printed on A4 through the shared print path
    printed = client.get(f"/documents/{doc.id}/print").get_data(as_text=True)
    assert "/static/print.css" in printed and "よりそいホットライン" in printed
    css = client.get("/static/print.css")
    assert "size: A4" in css.get_data(as_text=True)
    css.close()
    # the client opens it from their page and confirms it
    client.post("/logout", data={"csrf_token": csrf_from(view)})
    me = client.get(f"/c/{token}/me").get_data(as_text=True)
    assert f"/c/{token}/map" in me
    resp = client.get(f"/c/{token}/map")
    assert resp.headers["Location"].endswith(f"/c/{token}/docs/{doc.id}")
    page = client.get(f"/c/{token}/docs/{doc.id}").get_data(as_text=True)
    assert "しごとの こと" in page and "0120-279-338" in page
    client.post(
        f"/c/{token}/docs/{doc.id}", data={"csrf_token": csrf_from(page), "action": "confirm"}
    )
    assert _docs(db)[0].status == DocStatus.CONFIRMED
    # a change after confirmation is a new version; the confirmed one stays
    auth.login("sato")
    resp = _post(client, url, {**ROWS, "e-money-0-who": "市役所 福祉課"})
    docs = _docs(db)
    assert [(d.version, d.current, d.status) for d in docs] == [
        (1, False, DocStatus.CONFIRMED),
        (2, True, DocStatus.DRAFT),
    ]
    assert docs[1].body["money"][0]["who"] == "市役所 福祉課"


def test_another_office_is_denied(auth: AuthActions, client: FlaskClient, world: World) -> None:
    auth.login("yoso")
    assert client.get(f"/clients/{world.client_a.id}/resource-map").status_code == 404
