"""LINE clients reach 「これまでの きろく」 through a signed, 7-day link the bot sends after a
check-in and on request; the link shows that client's own weeks and nothing else."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.bot.linking import issue_code, unlink
from checkin.models import (
    Channel,
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    ContactKind,
    Flag,
    LineAccount,
    Severity,
)
from checkin.services.selfview_links import client_for_selfview_token, make_selfview_token
from tests.bot.conftest import Clock, Line, postback
from tests.bot.test_conversation import answer_all, linked
from tests.bot.test_webhook import OTHER, USER, count
from tests.conftest import NOW, TODAY, World
from tests.test_i18n import LINE_WORDS, assert_no_japanese, english, user_data

LINK = re.compile(r"http://checkin\.test/me/([A-Za-z0-9_.\-]+)")
FLAG_REASON = "気分がいつもより低い日が続いています"
STAFF_NOTE = "電話メモ: 服薬の相談あり"


def link_in(text: str) -> str:
    m = LINK.search(text)
    assert m, text
    return m.group(0).removeprefix("http://checkin.test")


def weeks_of(db: Session, client: Client, mood: int) -> None:
    """Entries on the 10 days before today, with a flag and a staff note beside them."""
    for back in range(1, 11):
        db.add(
            CheckIn(
                client_id=client.id,
                local_date=TODAY - timedelta(days=back),
                mood=mood,
                fatigue=2,
                sleep_hours=Decimal("7.5"),
                sleep_quality=4,
                channel=Channel.LINE,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.add(
        Flag(
            office_id=client.office_id,
            client_id=client.id,
            kind="trend",
            severity=Severity.HIGH,
            score=2.0,
            reasons=[{"code": "trend", "text": FLAG_REASON}],
            note="支援員メモ: 上司との関係を要確認",
            first_date=TODAY - timedelta(days=1),
            last_date=TODAY,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.add(
        Contact(
            office_id=client.office_id,
            client_id=client.id,
            staff_id=client.supporter_id,
            kind=ContactKind.CALL,
            occurred_at=NOW - timedelta(days=2),
            note=STAFF_NOTE,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.commit()


def selfview(client: FlaskClient, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Cache-Control"] == "private, no-store"
    return resp.get_data(as_text=True)


def refused(client: FlaskClient, path: str) -> None:
    resp = client.get(path)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "この リンクは つかえません" in html and "あたらしい リンクが とどきます" in html
    assert "これまでの きろく" not in html


def test_the_reply_after_a_check_in_links_to_the_clients_own_weeks(
    db: Session, world: World, line: Line, client: FlaskClient
) -> None:
    weeks_of(db, world.client_a, mood=4)
    linked(db, world, line)
    reply = answer_all(line)
    assert "記録しました" in reply and "これまでの きろくは ここで 見られます" in reply
    path = link_in(reply)
    # The reply went out through the real SDK to the stub of LINE's API, as one message
    # that keeps its 「なおす」 button.
    [done] = line.last_reply()
    assert path in done["text"] and done["quickReply"]["items"][0]["action"]["label"] == "なおす"
    html = selfview(client, path)
    assert "田中 健太さんの これまでの きろく" in html and "よかったこと" in html
    # Today's answer (mood 4, from the chat) and the 10 days before are on it.
    assert html.count('<td class="m4') == 11 and '<td class="m4 today">' in html
    # Never the check-in token's pages, and nothing staff wrote or the signals raised.
    assert "/c/" not in html and "<form" not in html.replace('action="/logout"', "")
    assert FLAG_REASON not in html and STAFF_NOTE not in html and "要確認" not in html
    for word in ("フラグ", "リスク", "スコア", "アラート", "緊急"):
        assert word not in html, word


def test_the_link_shows_the_entries_of_that_client_only(
    db: Session, world: World, line: Line, client: FlaskClient
) -> None:
    weeks_of(db, world.client_a, mood=5)
    weeks_of(db, world.client_b, mood=1)
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    html = selfview(client, path)
    assert world.client_a.name in html and world.client_b.name not in html
    assert html.count('<td class="m5">') == 10 and '<td class="m1' not in html
    # a felt very good every day; b's hard days (mood 1) would bring the help box.
    assert "help-box" not in html and "urgent-box" not in html
    code, _ = issue_code(db, world.client_b, now=NOW)
    db.commit()
    assert "つながりました" in line.say(OTHER, code)
    other = link_in(line.say(OTHER, "これまでの きろく"))
    assert other != path
    html_b = selfview(client, other)
    assert world.client_b.name in html_b and world.client_a.name not in html_b
    assert html_b.count('<td class="m1">') == 10 and '<td class="m5' not in html_b
    assert "help-box" in html_b  # b's own latest answer was a hard one


def test_a_keyword_or_the_button_sends_the_link_without_ending_a_check_in(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    assert "きろくを みる" in line.buttons()  # offered with the help after linking
    line.post(postback(USER, line.buttons()["きろくを みる"]))
    assert LINK.search(line.last_text())
    assert "きもち" in line.say(USER, "記録")
    reply = line.say(USER, "記録を見る")  # in the middle of a check-in
    assert LINK.search(reply) and "きもち" in reply  # the question is asked again
    assert "つかれ" in line.tap(USER, "4 よい")
    assert count(db, CheckIn) == 0


def test_a_tampered_link_and_another_signature_are_refused(
    db: Session, world: World, line: Line, client: FlaskClient
) -> None:
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    signed = path.removeprefix("/me/")
    payload, stamp, sig = signed.rsplit(".", 2)
    flipped = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    refused(client, f"/me/{payload}.{stamp}.{flipped}")
    refused(client, f"/me/{payload[:-1]}x.{stamp}.{sig}")
    refused(client, "/me/nonsense")
    refused(client, "/me/" + "a" * 300)
    # Signed with another key or salt (e.g. a session cookie): not a self-view link.
    account = db.scalars(select(LineAccount)).one()
    forged = make_selfview_token("another-secret", world.client_a, account, now=NOW)
    refused(client, f"/me/{forged}")
    # And the personal check-in token's routes do not take it either.
    assert client.get(f"/c/{signed}").status_code == 404
    assert client.get(f"/c/{signed}/me").status_code == 404


def test_the_link_expires_after_7_days(
    db: Session, world: World, line: Line, client: FlaskClient, clock: Clock
) -> None:
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    clock.now = NOW + timedelta(days=7) - timedelta(seconds=1)
    selfview(client, path)
    clock.now = NOW + timedelta(days=7, seconds=1)
    refused(client, path)
    # A link from the future (a clock moved back) is no better.
    clock.now = NOW - timedelta(minutes=1)
    refused(client, path)


def test_max_age_is_what_decides(db: Session, world: World, app: Flask) -> None:
    account = LineAccount(line_user_id=USER, client_id=world.client_a.id, first_seen_at=NOW)
    account.linked_at = NOW
    db.add(account)
    db.commit()
    token = make_selfview_token(app.secret_key or "", world.client_a, account, now=NOW)
    later = NOW + timedelta(hours=2)
    found = client_for_selfview_token(db, app.secret_key or "", token, now=later)
    assert found is not None and found.id == world.client_a.id
    assert (
        client_for_selfview_token(
            db, app.secret_key or "", token, now=later, max_age=timedelta(hours=1)
        )
        is None
    )


@pytest.mark.parametrize("status", [ClientStatus.ENDED, ClientStatus.PAUSED])
def test_an_ended_or_paused_client_no_longer_opens_it(
    db: Session, world: World, line: Line, client: FlaskClient, status: ClientStatus
) -> None:
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    selfview(client, path)
    world.client_a.status = status
    db.commit()
    refused(client, path)


def test_unlinking_or_moving_to_another_line_account_ends_the_old_links(
    db: Session, world: World, line: Line, client: FlaskClient, clock: Clock
) -> None:
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    # A new phone: a new code moves the client to another LINE user.
    clock.now = NOW + timedelta(minutes=5)
    code, _ = issue_code(db, world.client_a, now=clock.now)
    db.commit()
    assert "つながりました" in line.say(OTHER, code)
    refused(client, path)
    new = link_in(line.say(OTHER, "きろくを みる"))
    selfview(client, new)
    assert unlink(db, world.client_a, now=clock.now, actor=world.sato)
    db.commit()
    refused(client, new)
    # Linked again later: the links sent before the unlinking stay dead.
    clock.now = NOW + timedelta(minutes=10)
    code, _ = issue_code(db, world.client_a, now=clock.now)
    db.commit()
    assert "つながりました" in line.say(OTHER, code)
    refused(client, new)


def test_the_page_records_nothing(
    db: Session, world: World, line: Line, client: FlaskClient
) -> None:
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    before = count(db, CheckIn)
    assert client.post(path, data={"mood": "3"}).status_code == 405
    assert count(db, CheckIn) == before == 0


def test_the_page_and_the_refusal_in_english(
    db: Session, world: World, line: Line, client: FlaskClient
) -> None:
    weeks_of(db, world.client_a, mood=1)  # a hard day yesterday: the help box shows
    linked(db, world, line)
    path = link_in(line.say(USER, "きろくを みる"))
    english(client)
    html = selfview(client, path)
    assert "Send “相談したい” (I want to talk) on LINE" in html
    assert "To check in today, send “記録” (check in) on LINE. This link works for 7 days." in html
    assert_no_japanese(html, [*user_data(db), *LINE_WORDS])
    resp = client.get("/me/nonsense")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "This link cannot be used" in html
    assert_no_japanese(html, [*user_data(db), *LINE_WORDS])
