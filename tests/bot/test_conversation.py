"""The check-in conversation: buttons, a saved entry through record_checkin, nonces, the
urgent path, resuming and abandoning."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from checkin.bot.conversation import Conversation, Postback
from checkin.bot.linking import issue_code
from checkin.models import (
    Channel,
    CheckIn,
    Client,
    ClientStatus,
    Flag,
    LineAccount,
    LineConversation,
)
from tests.bot.conftest import Clock, Line, event, postback
from tests.bot.test_webhook import USER, count
from tests.conftest import NOW, TODAY, World


def linked(db: Session, world: World, line: Line) -> None:
    code, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    assert "つながりました" in line.say(USER, code)


def entry(db: Session) -> CheckIn:
    db.expire_all()
    rows = db.scalars(select(CheckIn)).all()
    assert len(rows) == 1
    return rows[0]


def answer_all(line: Line, note: str = "なし", contact: str = "だいじょうぶ") -> str:
    assert "きもち" in line.say(USER, "記録")
    assert set(line.buttons()) >= {"5 とても よい", "1 とても わるい", "やめる"}
    assert "つかれ" in line.tap(USER, "4 よい")
    assert "何時間" in line.tap(USER, "2 すこし つかれた")
    assert "ねむれ" in line.tap(USER, "7時間")
    assert "つたえたい" in line.tap(USER, "4 まあまあ ねむれた")
    reply = line.tap(USER, "なし") if note == "なし" else line.say(USER, note)
    if "記録しました" in reply:
        return reply
    assert "話したい" in reply
    return line.tap(USER, contact)


def test_a_full_conversation_lands_as_one_entry(db: Session, world: World, line: Line) -> None:
    linked(db, world, line)
    reply = answer_all(line, note="きょうは 早く ねます")
    assert "記録しました" in reply and "きもち: 4 よい" in reply and "ねた時間: 7時間" in reply
    e = entry(db)
    assert (e.client_id, e.local_date, e.channel) == (world.client_a.id, TODAY, Channel.LINE)
    assert (e.mood, e.fatigue, e.sleep_hours, e.sleep_quality) == (4, 2, Decimal("7.0"), 4)
    assert e.note == "きょうは 早く ねます" and e.wants_contact is False
    assert count(db, LineConversation) == 0
    assert count(db, Flag) == 0
    # Every question's buttons had labels; answers show in the chat as the client's words.
    for r in line.stub.replies:
        for m in r.body["messages"]:
            for item in (m.get("quickReply") or {}).get("items", []):
                assert item["action"]["label"] and item["action"]["displayText"]


def test_answering_again_the_same_day_updates_that_day(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    answer_all(line)
    assert "もう あります" in line.tap(USER, "なおす")
    line.tap(USER, "2 よくない")
    line.tap(USER, "3 つかれた")
    line.say(USER, "5.5")  # typed hours
    line.tap(USER, "2 あまり ねむれない")
    line.tap(USER, "なし")
    line.tap(USER, "だいじょうぶ")
    e = entry(db)
    assert (e.mood, e.sleep_hours, e.sleep_quality) == (2, Decimal("5.5"), 2)


def test_a_stale_button_cannot_overwrite_a_newer_answer(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    old_mood_buttons = line.buttons()
    line.tap(USER, "4 よい")
    # The client scrolls up and taps "1" in the old mood question.
    line.post(postback(USER, old_mood_buttons["1 とても わるい"]))
    assert "古い" in line.last_text() and "つかれ" in line.last_text()
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.answers["mood"] == "4" and conv.step == "fatigue"
    # Finish; then an old button of the finished conversation changes nothing either.
    line.tap(USER, "2 すこし つかれた")
    line.tap(USER, "7時間")
    line.tap(USER, "4 まあまあ ねむれた")
    line.tap(USER, "なし")
    line.tap(USER, "だいじょうぶ")
    line.post(postback(USER, old_mood_buttons["1 とても わるい"]))
    assert "もう つかえません" in line.last_text()
    assert entry(db).mood == 4
    # A new conversation asks the same question again: the old button still does not count.
    line.say(USER, "記録")
    line.post(postback(USER, old_mood_buttons["1 とても わるい"]))
    assert "古い" in line.last_text()
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.answers == {} and conv.step == "mood"


def test_wants_contact_raises_an_urgent_flag_and_gives_emergency_numbers(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    answer_all(line, contact="相談したい")
    text = line.last_text()
    assert "支援員から 連絡します" in text and "119" in text and "0120-279-338" in text
    flag = db.scalar(select(Flag))
    assert flag is not None and flag.kind == "contact" and flag.severity == "urgent"
    assert flag.assignee_id == world.sato.id
    assert entry(db).wants_contact is True


def test_crisis_words_in_the_note_save_at_once_and_raise_an_urgent_flag(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    reply = answer_all(line, note="もう きえたい")
    assert "記録しました" in reply and "よりそいホットライン" in reply
    assert {f.kind for f in db.scalars(select(Flag))} == {"crisis"}
    assert entry(db).note == "もう きえたい"


def test_asking_for_help_outside_a_check_in_still_reaches_the_supporter(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    reply = line.say(USER, "相談したいです")
    assert "支援員に つたえました" in reply and "119" in reply
    assert {f.kind for f in db.scalars(select(Flag))} == {"contact"}
    assert count(db, CheckIn) == 0


def test_a_half_finished_conversation_can_be_resumed(
    db: Session, world: World, line: Line, clock: Clock
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    line.tap(USER, "3 ふつう")
    clock.now = NOW + timedelta(minutes=30)
    assert "とちゅう" in line.say(USER, "記録")
    assert "つかれ" in line.tap(USER, "つづける")
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.answers == {"mood": "3"}


def test_a_half_finished_conversation_can_be_restarted_or_abandoned(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    line.tap(USER, "3 ふつう")
    line.say(USER, "記録")
    assert "きもち" in line.tap(USER, "はじめから")
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.answers == {}
    assert "やめました" in line.tap(USER, "やめる")
    assert count(db, LineConversation) == 0 and count(db, CheckIn) == 0


def test_an_old_conversation_is_forgotten_the_next_day(
    db: Session, world: World, line: Line, clock: Clock
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    line.tap(USER, "3 ふつう")
    clock.now = NOW + timedelta(days=1)
    assert "はじめます" in line.say(USER, "記録")
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.answers == {} and conv.local_date == TODAY + timedelta(1)


def test_wrong_input_is_asked_again_kindly(db: Session, world: World, line: Line) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    assert "ボタンで" in line.say(USER, "うーん")
    assert "つかれ" in line.say(USER, "４")  # a full-width digit works
    line.tap(USER, "1 つかれていない")
    assert "0から24" in line.say(USER, "たくさん")
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.step == "sleep_hours"


def test_a_linked_client_who_writes_anything_else_gets_help(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    assert "「記録」と 送る" in line.say(USER, "こんにちは")
    assert "記録する" in line.buttons()
    assert "きもち" in line.tap(USER, "記録する")


def test_crisis_words_typed_during_any_question_reach_the_supporter(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    line.tap(USER, "3 ふつう")
    line.tap(USER, "3 つかれた")
    reply = line.say(USER, "もう しにたい")  # at the sleep-hours question
    assert "0120-279-338" in reply and "何時間" in reply  # help, then the same question
    assert {f.kind for f in db.scalars(select(Flag))} == {"crisis"}
    conv = db.scalar(select(LineConversation))
    assert conv is not None and conv.step == "sleep_hours"


def test_two_taps_handled_at_the_same_time_cannot_both_win(
    db: Session, world: World, line: Line, factory: sessionmaker[Session]
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    account = db.scalar(select(LineAccount))
    assert account is not None
    # Two webhook requests read the same question (same nonce) ...
    first, second = factory(), factory()
    try:
        acc1, acc2 = first.get(LineAccount, account.id), second.get(LineAccount, account.id)
        assert acc1 is not None and acc2 is not None
        c1 = Conversation(first, acc1, world_client(first, world), NOW)
        c2 = Conversation(second, acc2, world_client(second, world), NOW)
        assert c1.conv is not None
        nonce = c1.conv.nonce
        c1.on_postback(Postback("ans", "mood", "5", nonce))
        first.commit()
        c2.on_postback(Postback("ans", "mood", "1", nonce))
        with pytest.raises((StaleDataError, OperationalError)):
            second.commit()  # ... the second one's UPDATE finds the nonce changed
    finally:
        second.rollback()
        first.close()
        second.close()
    conv = db.scalar(select(LineConversation))
    db.refresh(conv)
    assert conv is not None and conv.answers == {"mood": "5"}


def world_client(session: Session, world: World) -> Client:
    client = session.get(Client, world.client_a.id)
    assert client is not None
    return client


def test_a_client_whose_service_is_paused_is_told_so(db: Session, world: World, line: Line) -> None:
    linked(db, world, line)
    world.client_a.status = ClientStatus.PAUSED
    db.commit()
    assert "休んでいます" in line.say(USER, "記録")
    assert count(db, LineConversation) == 0


def test_a_sticker_in_the_middle_asks_the_question_again(
    db: Session, world: World, line: Line
) -> None:
    linked(db, world, line)
    line.say(USER, "記録")
    sticker = {
        "id": "9",
        "type": "sticker",
        "quoteToken": "q",
        "packageId": "1",
        "stickerId": "1",
        "stickerResourceType": "STATIC",
    }
    assert line.post(event("message", USER, message=sticker)).status_code == 200
    assert "ボタンか 文字で" in line.last_text() and "きもち" in line.last_text()
