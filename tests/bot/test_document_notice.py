"""A LINE client hears when a document waits for them: staff send a report, the bot pushes
the signed link to their documents (through the real SDK to the stub of LINE's API), and
「きろくを みる」 mentions it too. The link opens that client's documents only."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import LineAccount, LinePushLog, PushStatus
from checkin.services import documents as docs
from checkin.services import reports
from tests.bot.conftest import Line, StubLine
from tests.bot.test_conversation import linked
from tests.bot.test_webhook import USER
from tests.conftest import NOW, AuthActions, World, csrf_from

DOCS_LINK = re.compile(r"http://checkin\.test(/me/[A-Za-z0-9_.\-]+/docs)")


def test_sending_a_report_pushes_the_link_and_the_link_opens_it(
    app: Flask, db: Session, world: World, line: Line, stub: StubLine
) -> None:
    linked(db, world, line)
    doc = reports.generate(db, world.client_a, 2026, 6, by=world.sato, now=NOW)
    db.commit()
    staff = app.test_client()
    AuthActions(staff).login("sato")
    token = csrf_from(staff.get(f"/documents/{doc.id}").get_data(as_text=True))
    resp = staff.post(f"/documents/{doc.id}/send", data={"csrf_token": token})
    assert resp.status_code == 303
    assert "LINEで 本人に おしらせしました" in staff.get(f"/documents/{doc.id}").get_data(
        as_text=True
    )
    [push] = stub.pushes
    assert push.body["to"] == USER
    text = push.body["messages"][0]["text"]
    assert "よんで かくにん する ものが あります (1)" in text
    m = DOCS_LINK.search(text)
    assert m, text
    log = db.scalars(select(LinePushLog)).one()
    assert (log.kind, log.status) == ("document", PushStatus.SENT)
    # The link lists the report; the client opens and confirms it through LINE.
    phone = app.test_client()
    listing = phone.get(m.group(1)).get_data(as_text=True)
    assert "こんげつの ふりかえり" in listing
    page = phone.get(f"{m.group(1)}/{doc.id}").get_data(as_text=True)
    resp = phone.post(
        f"{m.group(1)}/{doc.id}", data={"csrf_token": csrf_from(page), "action": "confirm"}
    )
    assert resp.status_code == 303
    db.refresh(doc)
    assert doc.status.value == "confirmed" and doc.confirmed_channel == "line"
    # A second document the same day: no second push (the list behind the link is live).
    doc2 = reports.generate(db, world.client_a, 2026, 5, by=world.sato, now=NOW)
    db.commit()
    staff.post(f"/documents/{doc2.id}/send", data={"csrf_token": token})
    assert len(stub.pushes) == 1


def test_the_selfview_reply_mentions_what_awaits(
    db: Session, world: World, line: Line, client: FlaskClient
) -> None:
    linked(db, world, line)
    reply = line.say(USER, "きろくを みる")
    assert "よんで かくにん" not in reply
    doc = reports.generate(db, world.client_a, 2026, 6, by=world.sato, now=NOW)
    docs.send(db, doc, by=world.sato, now=NOW)
    db.commit()
    reply = line.say(USER, "きろくを みる")
    assert "これまでの きろくは ここで 見られます" in reply
    assert "よんで かくにん する ものが あります (1)" in reply
    m = DOCS_LINK.search(reply)
    assert m, reply
    assert "こんげつの ふりかえり" in client.get(m.group(1)).get_data(as_text=True)


def test_no_push_to_a_client_without_line_or_who_blocked_the_bot(
    app: Flask, db: Session, world: World, line: Line, stub: StubLine
) -> None:
    staff = app.test_client()
    AuthActions(staff).login("sato")
    doc = reports.generate(db, world.client_b, 2026, 6, by=world.suzuki, now=NOW)
    db.commit()
    token = csrf_from(staff.get(f"/documents/{doc.id}").get_data(as_text=True))
    staff.post(f"/documents/{doc.id}/send", data={"csrf_token": token})
    assert stub.pushes == []  # client_b has no LINE
    linked(db, world, line)
    account = db.scalars(select(LineAccount)).one()
    account.unfollowed_at = NOW
    doc_a = reports.generate(db, world.client_a, 2026, 6, by=world.sato, now=NOW)
    db.commit()
    staff.post(f"/documents/{doc_a.id}/send", data={"csrf_token": token})
    assert stub.pushes == []
    assert db.scalars(select(LinePushLog)).one().status == PushStatus.BLOCKED
    assert "LINEの おしらせは 送れませんでした" in staff.get(f"/documents/{doc_a.id}").get_data(
        as_text=True
    )
