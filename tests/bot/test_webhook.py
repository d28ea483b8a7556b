"""The webhook: signatures, events stored once, the all-event-types body, account linking."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.bot.linking import MAX_FAILED_CODES, issue_code
from checkin.models import (
    CheckIn,
    ClientStatus,
    Flag,
    LineAccount,
    LineConversation,
    LineEvent,
    LineLinkCode,
)
from tests.bot.conftest import Clock, Line, StubLine, follow, postback, sign, text, unfollow
from tests.conftest import NOW, AuthActions, World

USER = "U0123456789abcdef0123456789abcdef"
OTHER = "Ufedcba9876543210fedcba9876543210"


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def link(db: Session, world: World, line: Line, user: str = USER) -> str:
    code, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    return line.say(user, code)


def test_bad_or_missing_signature_is_refused_and_nothing_is_stored(
    db: Session, world: World, line: Line, stub: StubLine
) -> None:
    body = json.dumps({"destination": "Ubot", "events": [text(USER, "記録")]}).encode()
    for sig in ("", "bm90IGEgc2lnbmF0dXJl", sign(body, "another-secret")):
        resp = line.client.post(
            "/line/webhook", data=body, headers={"X-Line-Signature": sig} if sig else {}
        )
        assert resp.status_code == 400
    tampered = body.replace(USER.encode(), OTHER.encode())
    assert tampered != body
    resp = line.client.post(
        "/line/webhook", data=tampered, headers={"X-Line-Signature": sign(body)}
    )
    assert resp.status_code == 400
    assert count(db, LineEvent) == 0 and count(db, LineAccount) == 0
    assert stub.requests == []


def test_the_webhook_needs_no_csrf_token_but_a_browser_form_does(
    client: FlaskClient, world: World, line: Line
) -> None:
    assert line.post().status_code == 200  # LINE's "Verify" button: no events
    assert client.post("/clients/1/line/code").status_code in (302, 400)  # login or CSRF


def test_unlinked_users_get_an_explanation_and_no_data(
    db: Session, world: World, line: Line
) -> None:
    reply = line.say(USER, "記録")
    assert "まだ 登録されていません" in reply and "8けた" in reply
    assert line.buttons() == {}
    line.post(postback(USER, "ci=start"))
    assert "登録されていません" in line.last_text()
    assert count(db, CheckIn) == 0
    assert world.client_a.name not in line.last_text()
    account = db.scalar(select(LineAccount).where(LineAccount.line_user_id == USER))
    assert account is not None and account.client_id is None


def test_a_follow_greets_and_explains(db: Session, world: World, line: Line) -> None:
    line.post(follow(USER))
    assert "ともだち追加" in line.last_text() and "番号" in line.last_text()


def test_linking_with_a_code_works_once(db: Session, world: World, line: Line) -> None:
    reply = link(db, world, line)
    assert "田中さんの 記録と つながりました" in reply
    account = db.scalar(select(LineAccount).where(LineAccount.line_user_id == USER))
    assert account is not None and account.client_id == world.client_a.id
    code_row = db.scalar(select(LineLinkCode))
    assert code_row is not None and code_row.used_at is not None


def test_a_used_code_does_not_work_again(db: Session, world: World, line: Line) -> None:
    code, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    assert "つながりました" in line.say(USER, code)
    assert "つかえません" in line.say(OTHER, code)
    other = db.scalar(select(LineAccount).where(LineAccount.line_user_id == OTHER))
    assert other is not None and other.client_id is None


def test_codes_expire(db: Session, world: World, line: Line, clock: Clock) -> None:
    code, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    clock.now = NOW + timedelta(hours=48, seconds=1)
    assert "つかえません" in line.say(USER, code.replace("-", ""))
    assert count(db, LineAccount) == 1
    account = db.scalar(select(LineAccount))
    assert account is not None and account.client_id is None


def test_a_new_code_replaces_the_old_one(db: Session, world: World, line: Line) -> None:
    old, _ = issue_code(db, world.client_a, now=NOW)
    new, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    assert "つかえません" in line.say(USER, old)
    full_width = new.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert "つながりました" in line.say(USER, full_width)


def test_guessing_codes_is_stopped(db: Session, world: World, line: Line) -> None:
    code, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    wrong = "0000-0000" if code != "0000-0000" else "1111-1111"
    for _ in range(MAX_FAILED_CODES):
        assert "つかえません" in line.say(USER, wrong)
    assert "しばらく" in line.say(USER, code)  # even the right code, for a while
    account = db.scalar(select(LineAccount))
    assert account is not None and account.client_id is None


def test_a_code_of_an_ended_client_does_not_link(db: Session, world: World, line: Line) -> None:
    code, _ = issue_code(db, world.client_a, now=NOW)
    world.client_a.status = ClientStatus.ENDED
    db.commit()
    assert "つかえません" in line.say(USER, code)


def test_a_line_user_linked_to_one_client_cannot_take_another(
    db: Session, world: World, line: Line
) -> None:
    link(db, world, line)
    code_b, _ = issue_code(db, world.client_b, now=NOW)
    db.commit()
    assert "ほかの 人" in line.say(USER, code_b)
    account = db.scalar(select(LineAccount).where(LineAccount.line_user_id == USER))
    assert account is not None and account.client_id == world.client_a.id


def test_a_new_phone_moves_the_link(db: Session, world: World, line: Line) -> None:
    link(db, world, line, USER)
    link(db, world, line, OTHER)
    db.expire_all()
    accounts = {a.line_user_id: a.client_id for a in db.scalars(select(LineAccount))}
    assert accounts == {USER: None, OTHER: world.client_a.id}


def test_a_replayed_event_changes_nothing(db: Session, world: World, line: Line) -> None:
    link(db, world, line)
    start = text(USER, "記録")
    line.post(start)
    mood = line.buttons()["4 よい"]
    answer = postback(USER, mood)
    line.post(answer)
    asked_fatigue = line.last_text()
    replies = len(line.stub.replies)
    # LINE redelivers the same events: no new step, no reply.
    again = {**answer, "deliveryContext": {"isRedelivery": True}}
    assert line.post(start, again).status_code == 200
    assert len(line.stub.replies) == replies
    assert "つかれ" in asked_fatigue
    assert count(db, LineEvent) == 3  # link code, start, mood: each once


def test_unfollow_is_recorded_and_follow_again_clears_it(
    db: Session, world: World, line: Line
) -> None:
    link(db, world, line)
    line.post(unfollow(USER))
    account = db.scalar(select(LineAccount))
    assert account is not None and account.unfollowed_at == NOW
    line.post(follow(USER))
    db.expire_all()
    assert account.unfollowed_at is None and account.client_id == world.client_a.id
    assert "また よろしく" in line.last_text()


def test_the_all_event_types_body_is_accepted_and_harmless(
    db: Session, world: World, line: Line, repo_root: Path
) -> None:
    path = repo_root / "data" / "line" / "webhook-all-event-types.json"
    raw = path.read_bytes()
    assert line.post_raw(raw).status_code == 200
    # All 28 events share one webhookEventId: the first is stored, the rest are duplicates.
    assert count(db, LineEvent) == 1
    # With distinct ids every event is handled: still nothing harmful.
    body = json.loads(raw)
    for i, ev in enumerate(body["events"]):
        ev["webhookEventId"] = f"01ALLTYPES{i:016d}"
    assert line.post_raw(json.dumps(body).encode()).status_code == 200
    assert count(db, LineEvent) == 1 + len(body["events"])
    assert count(db, CheckIn) == 0 and count(db, Flag) == 0
    assert all(a.client_id is None for a in db.scalars(select(LineAccount)))
    for reply in line.stub.replies:
        for message in reply.body["messages"]:
            assert "田中" not in message["text"]


def test_a_signed_body_that_is_not_json_is_a_bad_request(db: Session, line: Line) -> None:
    assert line.post_raw(b"not json").status_code == 400


def test_staff_issue_a_code_on_the_client_page(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, line: Line
) -> None:
    auth.login("sato")
    page = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "LINE連携コードを作る" in page
    token = auth.token(f"/clients/{world.client_a.id}")
    resp = client.post(f"/clients/{world.client_a.id}/line/code", data={"csrf_token": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    m = re.search(r"(\d{4}-\d{4})", html)
    assert m, html
    assert "https://line.me/R/oaMessage/%40checkin-test/?" in html
    assert '<div class="qr"><svg' in html  # scanned from the client's phone
    assert "つながりました" in line.say(USER, m.group(1))
    page = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "連携済み" in page
    # Another office's client does not exist for this user.
    other = client.post(f"/clients/{world.other_client.id}/line/code", data={"csrf_token": token})
    assert other.status_code == 404
    # 解除 asks first: the unconfirmed POST shows what will happen and unlinks nothing.
    resp = client.post(f"/clients/{world.client_a.id}/line/unlink", data={"csrf_token": token})
    assert resp.status_code == 200 and "はい、解除します" in resp.get_data(as_text=True)
    assert "連携済み" in client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    resp = client.post(
        f"/clients/{world.client_a.id}/line/unlink", data={"csrf_token": token, "confirm": "1"}
    )
    assert resp.status_code == 303
    assert "登録されていません" in line.say(USER, "記録")


def test_the_webhook_answers_before_the_reply_is_sent(
    db: Session, world: World, line: Line, stub: StubLine
) -> None:
    stub.reply_gate = threading.Event()  # LINE's reply API hangs until released
    body = json.dumps({"destination": "Ubot", "events": [text(USER, "こんにちは")]}).encode()
    resp = line.client.post("/line/webhook", data=body, headers={"X-Line-Signature": sign(body)})
    assert resp.status_code == 200
    assert stub.replies_answered == 0  # answered LINE while the reply is still waiting
    assert count(db, LineEvent) == 1
    stub.reply_gate.set()
    line.app.extensions["checkin.line"].replies.drain()
    assert "登録されていません" in line.last_text()


def test_an_event_that_fails_is_not_stored_so_lines_redelivery_retries_it(
    db: Session, world: World, line: Line
) -> None:
    link(db, world, line)
    line.say(USER, "記録")
    conv = db.scalar(select(LineConversation))
    assert conv is not None
    # Break the state the way a bug would: the last step with the answers missing.
    conv.step, conv.answers = "contact", {}
    db.commit()
    tap = postback(USER, line.buttons()["やめる"].replace("ci=quit", "ci=ans&s=contact&v=1"))
    events_before = count(db, LineEvent)
    assert line.post(tap).status_code == 500
    assert count(db, LineEvent) == events_before  # not stored: a redelivery will retry
    db.expire_all()
    conv.answers = {"mood": "3", "fatigue": "3", "sleep_hours": "7.0", "sleep_quality": "3"}
    db.commit()
    redelivered = {**tap, "deliveryContext": {"isRedelivery": True}}
    assert line.post(redelivered).status_code == 200
    assert count(db, CheckIn) == 1 and count(db, LineEvent) == events_before + 1
    stored = db.scalar(select(LineEvent).where(LineEvent.webhook_event_id == tap["webhookEventId"]))
    assert stored is not None and stored.redelivery is True


def test_old_events_and_abandoned_conversations_are_forgotten(
    db: Session, world: World, line: Line
) -> None:
    from checkin.bot.housekeeping import prune

    link(db, world, line)
    line.say(USER, "記録")
    assert count(db, LineEvent) == 2 and count(db, LineConversation) == 1
    pruned = prune(db, now=NOW + timedelta(days=1))
    assert (pruned.events, pruned.conversations) == (0, 0)
    pruned = prune(db, now=NOW + timedelta(days=2, seconds=1))
    assert (pruned.events, pruned.conversations) == (0, 1)
    pruned = prune(db, now=NOW + timedelta(days=30, seconds=1))
    assert (pruned.events, pruned.conversations) == (2, 0)
    db.commit()
    assert count(db, LineEvent) == 0 and count(db, LineAccount) == 1


def test_without_a_channel_secret_the_webhook_is_unavailable(
    engine: object, database_url: str, world: World
) -> None:
    from checkin.web import create_app

    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "x",
            "ENGINE": engine,
            "DATABASE_URL": database_url,
            "LINE_CHANNEL_SECRET": None,
        }
    )
    body = b'{"destination": "U", "events": []}'
    resp = app.test_client().post(
        "/line/webhook", data=body, headers={"X-Line-Signature": sign(body)}
    )
    assert resp.status_code == 503


def test_the_card_page_offers_a_line_code_that_links(
    client: FlaskClient, world: World, auth: AuthActions, line: Line
) -> None:
    auth.login("sato")
    page = f"/clients/{world.client_a.id}"
    client.post(f"{page}/card", data={"csrf_token": auth.token(page)})
    card = client.get(f"{page}/card").get_data(as_text=True)
    # The card is printed again and again; the 48-hour LINE code has its own page.
    assert f'action="/clients/{world.client_a.id}/line/code"' in card
    code_page = client.post(
        f"{page}/line/code", data={"csrf_token": auth.token(f"{page}/card")}
    ).get_data(as_text=True)
    m = re.search(r'id="line-code">(\d{4}-\d{4})<', code_page)
    assert m, code_page[-2000:]
    assert "つながりました" in line.say(USER, m.group(1))
    # Once linked, the card page offers no LINE code.
    again = client.get(f"{page}/card").get_data(as_text=True)
    assert "/line/code" not in again and "<svg" in again
