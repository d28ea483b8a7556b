"""One webhook event -> at most one conversation step -> the reply messages.

Only one-to-one chats with a user are answered: group and room events, and events in
standby mode (another bot holds the chat), are stored and otherwise ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)
from sqlalchemy.orm import Session

from checkin.bot.conversation import HELP, Conversation, Postback
from checkin.bot.linking import (
    LinkOutcome,
    account_for,
    drop_conversation,
    link_with_code,
    normalize_code,
)
from checkin.bot.messenger import Message
from checkin.models import Client, ClientStatus, LineAccount
from checkin.services import audit

NOT_LINKED = Message(
    "この LINEは まだ 登録されていません。\n"
    "支援員から もらった 8けたの 番号 (れい: 1234-5678) を ここに 送ってください。\n"
    "番号が ないときは、支援員に 聞いてください。"
)
WELCOME = "ともだち追加 ありがとうございます。毎日の きもちや たいちょうを ここで 記録できます。"
PAUSED = Message("いまは LINEでの 記録を 休んでいます。くわしくは 支援員に 聞いてください。")

LINK_REPLIES = {
    LinkOutcome.INVALID: "この 番号は つかえません。番号が ただしいか、期限が きれていないか "
    "たしかめてください。わからないときは 支援員に 聞いてください。",
    LinkOutcome.LOCKED: "番号の まちがいが 多いので、しばらく 登録できません。"
    "支援員に 聞いてください。",
    LinkOutcome.OTHER_CLIENT: "この LINEは もう ほかの 人の 記録に つながっています。"
    "支援員に 聞いてください。",
}


def user_id_of(event: Event) -> str | None:
    source = getattr(event, "source", None)
    if isinstance(source, UserSource):
        return source.user_id
    return None


# Makes the signed link to a client's 「これまでの きろく」 (the web app provides it).
SelfviewUrl = Callable[[Client, LineAccount, datetime], str]


def handle_event(
    session: Session, event: Event, *, now: datetime, selfview_url: SelfviewUrl | None = None
) -> list[Message]:
    user_id = user_id_of(event)
    if user_id is None or getattr(event, "mode", "active") == "standby":
        return []
    if isinstance(event, UnfollowEvent):
        account = account_for(session, user_id, now=now)
        account.unfollowed_at = now
        drop_conversation(session, account)
        return []
    if isinstance(event, FollowEvent):
        account = account_for(session, user_id, now=now)
        account.unfollowed_at = None
        if account.client_id is None:
            return [Message(WELCOME), NOT_LINKED]
        return [Message("また よろしく お願いします。"), HELP]
    if not isinstance(event, MessageEvent | PostbackEvent):
        return []  # beacons, unsend, video views, account link, ...: nothing to do
    account = account_for(session, user_id, now=now)
    text = (
        event.message.text
        if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent)
        else None
    )
    if account.client_id is None:
        code = normalize_code(text) if text else None
        if code is None:
            return [NOT_LINKED]
        return _link(session, account, code, now)
    client = account.client
    assert client is not None
    if client.status != ClientStatus.ACTIVE:
        return [PAUSED]
    link = (lambda: selfview_url(client, account, now)) if selfview_url is not None else None
    conv = Conversation(session, account, client, now, link)
    if isinstance(event, PostbackEvent):
        pb = Postback.parse(event.postback.data)
        return conv.on_postback(pb) if pb is not None else [HELP]
    if text is None:
        return conv.on_other_message()
    if conv.conv is None and normalize_code(text) is not None:
        return _link(session, account, normalize_code(text) or "", now)
    return conv.on_text(text)


def _link(session: Session, account: LineAccount, code: str, now: datetime) -> list[Message]:
    outcome, client = link_with_code(session, account, code, now=now)
    if outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY):
        assert client is not None
        name = client.name.split()[0] if client.name.split() else client.name
        first = (
            f"{name}さんの 記録と つながりました。"
            if outcome is LinkOutcome.LINKED
            else f"もう {name}さんの 記録と つながっています。"
        )
        return [Message(first), HELP]
    if outcome is LinkOutcome.INVALID:
        audit.record(session, "line.link.failed", office_id=None, actor_type="line")
    return [Message(LINK_REPLIES[outcome])]
