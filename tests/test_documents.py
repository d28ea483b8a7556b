"""The shared document foundation: one versioning rule, the client's confirm page (web and
LINE), the staff editor's conflict check, the employer's page and the PDF print path."""

from __future__ import annotations

import ctypes
import io
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    AuditEvent,
    ClientDocument,
    Disclosure,
    DocKind,
    DocStatus,
    Employer,
    EmployerUser,
    LineAccount,
)
from checkin.services import documents as docs
from checkin.services import support
from checkin.services.errors import ValidationError
from checkin.services.links import issue_link
from checkin.services.selfview_links import make_selfview_token
from tests.conftest import NOW, PASSWORD, AuthActions, World, csrf_from

BODY = {
    "goal": "朝の準備を 前の晩に する",
    "support": "面談で 睡眠の記録を 一緒に見た",
    "next_office": "来月も 面談",
    "next_client": "寝る前に スマホを 置く",
    "next_employer": "朝礼の時間を 知らせる",
    "shared": "通院日は 第2水曜",
}


def _report(db: Session, world: World, *, period: str = "2026-05") -> ClientDocument:
    doc = docs.start(
        db, world.client_a, DocKind.MONTHLY_REPORT, period, BODY, by=world.sato, now=NOW
    )
    db.commit()
    return doc


def test_versioning_rule(db: Session, world: World) -> None:
    doc = _report(db, world)
    assert (doc.version, doc.status, doc.revision) == (1, DocStatus.DRAFT, 1)
    # The series' open version is returned, not a second one.
    again = docs.start(db, world.client_a, DocKind.MONTHLY_REPORT, "2026-05", {}, by=None, now=NOW)
    assert again.id == doc.id
    docs.save(db, doc, {"goal": "新しい目標"}, revision=1, by=world.sato, now=NOW)
    assert doc.revision == 2 and doc.body["support"] == BODY["support"]
    with pytest.raises(docs.DocumentConflict):  # a second tab still holding revision 1
        docs.save(db, doc, {"goal": "古いタブ"}, revision=1, by=world.suzuki, now=NOW)
    assert doc.body["goal"] == "新しい目標"
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=["shared"], now=NOW)
    db.commit()
    assert doc.locked and doc.private_items == ["shared"]
    with pytest.raises(docs.DocumentLocked):
        docs.save(db, doc, {"goal": "x"}, revision=doc.revision, by=world.sato, now=NOW)
    v2 = docs.revise(db, doc, by=world.sato, now=NOW)
    db.commit()
    assert (v2.version, v2.status, v2.current, doc.current) == (2, DocStatus.DRAFT, True, False)
    assert v2.body == doc.body
    assert [
        d.version for d in docs.series(db, world.client_a.id, DocKind.MONTHLY_REPORT, "2026-05")
    ] == [2, 1]
    # The confirmed first version is still there, unchanged.
    assert db.get(ClientDocument, doc.id).status == DocStatus.CONFIRMED  # type: ignore[union-attr]


def test_bad_input_saves_nothing(db: Session, world: World) -> None:
    doc = _report(db, world)
    with pytest.raises(ValidationError):
        docs.save(db, doc, {"goal": "あ" * 5000}, revision=1, by=world.sato, now=NOW)
    db.rollback()
    db.refresh(doc)
    assert doc.body["goal"] == BODY["goal"] and doc.revision == 1
    docs.send(db, doc, by=world.sato, now=NOW)
    with pytest.raises(ValidationError):
        docs.confirm(db, doc, channel="web", private_items=["summary"], now=NOW)  # not shareable
    with pytest.raises(ValidationError):
        docs.return_with_comment(db, doc, "  ", channel="web", now=NOW)


def test_staff_editor_conflict_and_office_boundary(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    doc = _report(db, world)
    auth.login("sato")
    page = client.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    token = csrf_from(page)
    form = {k: v for k, v in BODY.items()} | {"csrf_token": token, "revision": "1"}
    assert client.post(f"/documents/{doc.id}/edit", data=form).status_code == 303
    # The same form again (a second tab): a conflict message, the typed text kept, not saved.
    form["goal"] = "二つ目のタブの目標"
    resp = client.post(f"/documents/{doc.id}/edit", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "ほかの人" in html and "二つ目のタブの目標" in html
    db.refresh(doc)
    assert doc.body["goal"] == BODY["goal"] and doc.revision == 2
    client.post("/logout", data={"csrf_token": token})
    auth.login("yoso")  # another office
    for path in (f"/documents/{doc.id}", f"/documents/{doc.id}/edit", f"/documents/{doc.id}/print"):
        assert client.get(path).status_code == 404


def test_client_confirms_on_their_link_and_unticks_an_item(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    world.client_a.employer_id = _employer(db, world).id
    doc = _report(db, world)
    docs.send(db, doc, by=world.sato, now=NOW)
    token = issue_link(db, world.client_a, now=NOW)
    other = issue_link(db, world.client_b, now=NOW)
    db.commit()
    assert client.get(f"/c/{other}/docs/{doc.id}").status_code == 404  # not theirs
    listing = client.get(f"/c/{token}/docs").get_data(as_text=True)
    assert "こんげつの ふりかえり" in listing
    page = client.get(f"/c/{token}/docs/{doc.id}").get_data(as_text=True)
    assert BODY["goal"] in page and "確認しました" in page
    keep = ["goal", "support", "next_office", "next_client", "next_employer"]  # not "shared"
    resp = client.post(
        f"/c/{token}/docs/{doc.id}",
        data={"csrf_token": csrf_from(page), "action": "confirm", "share": keep},
    )
    assert resp.status_code == 303
    db.refresh(doc)
    assert doc.status == DocStatus.CONFIRMED and doc.confirmed_channel == "web"
    assert doc.private_items == ["shared"]
    assert "かくにん しました" in client.get(f"/c/{token}/docs/{doc.id}").get_data(as_text=True)


def test_client_sends_a_comment_back_through_line(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    doc = _report(db, world)
    docs.send(db, doc, by=world.sato, now=NOW)
    account = LineAccount(
        line_user_id="U" + "a" * 32, client_id=world.client_a.id, first_seen_at=NOW, linked_at=NOW
    )
    db.add(account)
    db.commit()
    signed = make_selfview_token(app.secret_key or "", world.client_a, account, now=NOW)
    page = client.get(f"/me/{signed}/docs/{doc.id}").get_data(as_text=True)
    resp = client.post(
        f"/me/{signed}/docs/{doc.id}",
        data={"csrf_token": csrf_from(page), "action": "comment", "comment": "目標が ちがいます"},
    )
    assert resp.status_code == 303
    db.refresh(doc)
    assert doc.status == DocStatus.RETURNED and doc.client_comment == "目標が ちがいます"
    assert client.get(f"/me/{signed}x/docs/{doc.id}").status_code == 404


def _employer(db: Session, world: World) -> Employer:
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
    db.commit()
    return e


def _employer_login(client: FlaskClient) -> None:
    page = client.get("/employer/login").get_data(as_text=True)
    client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )


def test_employer_sees_only_what_the_client_shared(
    client: FlaskClient, db: Session, world: World
) -> None:
    e = _employer(db, world)
    world.client_a.employer_id = e.id
    doc = _report(db, world)
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=["shared"], now=NOW)
    consent = support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=e.id,
        agency_name=None,
        scopes=["trend"],
        evidence="同意書",
        now=NOW,
    )
    db.commit()
    _employer_login(client)
    assert client.get(f"/employer/documents/{doc.id}").status_code == 403  # no "reports" scope
    consent.scopes = ["trend", "reports"]
    db.commit()
    assert f"/employer/documents/{doc.id}" in client.get(
        f"/employer/clients/{world.client_a.id}"
    ).get_data(as_text=True)
    html = client.get(f"/employer/documents/{doc.id}").get_data(as_text=True)
    assert BODY["goal"] in html and BODY["shared"] not in html
    assert "今月の記録のまとめ" not in html  # the check-in summary is never part of it
    seen = db.scalars(select(AuditEvent).where(AuditEvent.action == "employer.document")).one()
    assert "shared" not in seen.detail["items"] and "goal" in seen.detail["items"]
    # Closed employment: nothing, whatever the consent says.
    world.client_a.disclosure = Disclosure.CLOSED
    db.commit()
    assert client.get(f"/employer/documents/{doc.id}").status_code == 403


def fonts_of(page: Any) -> set[str]:
    """The names of the fonts the page's text is drawn with."""
    import pypdfium2.raw as raw

    names = set()
    for obj in page.get_objects():
        if obj.type == raw.FPDF_PAGEOBJ_TEXT:
            font = raw.FPDFTextObj_GetFont(obj.raw)
            size = raw.FPDFFont_GetBaseFontName(font, None, 0)
            buf = ctypes.create_string_buffer(size)
            raw.FPDFFont_GetBaseFontName(font, buf, size)
            names.add(buf.value.decode())
    return names


def test_pdf_is_an_a4_page_in_japanese(
    client: FlaskClient, auth: AuthActions, db: Session, world: World, shots: Path
) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    doc = _report(db, world)
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="line", private_items=[], now=NOW)
    db.commit()
    auth.login("sato")
    resp = client.get(f"/documents/{doc.id}.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(io.BytesIO(resp.data))
    page = pdf[0]
    width, height = page.get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in mm
    # Japanese drawn with a Japanese font (a missing font would print boxes, the text intact).
    assert fonts_of(page) and all("CJK" in name for name in fonts_of(page)), fonts_of(page)
    text = page.get_textpage().get_text_range()
    for words in ("支援レポート", "田中 健太", "2026年5月", BODY["goal"], "本人確認"):
        assert words.replace(" ", "") in text.replace(" ", "").replace("\r\n", ""), words
    image = page.render(scale=1.5).to_pil()
    # Something is drawn: far from a blank page.
    dark = sum(image.convert("L").histogram()[:128])
    assert dark > 5000
    image.save(shots / "document-report-pdf.png")
    page.close()
    pdf.close()
    assert os.path.getsize(shots / "document-report-pdf.png") > 10_000
