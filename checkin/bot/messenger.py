"""Talking to LINE: one small interface, the real SDK underneath.

The conversation and the reminders build plain :class:`Message` values; only
:class:`LineMessenger` knows the SDK. The API base URL is configurable so the tests run this
very class against a local stub server.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.line.me"
TIMEOUT = (3.0, 5.0)  # connect, read: a stuck LINE API must not hold a worker for long


@dataclass(frozen=True)
class Button:
    """A quick-reply button. ``data`` is the postback payload (with the step's nonce)."""

    label: str  # at most 20 characters on LINE
    data: str
    display_text: str | None = None  # shown in the chat as the client's own answer


@dataclass(frozen=True)
class Message:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Quota:
    """This month's pushes for the channel, as LINE counts them."""

    limit: int | None  # None: no limit (paid plans without a cap)
    used: int


class SendError(Exception):
    def __init__(self, status: int | None, detail: str) -> None:
        super().__init__(f"LINE API {status}: {detail}")
        self.status = status
        self.detail = detail


class Messenger(Protocol):
    def reply(self, reply_token: str, messages: Sequence[Message]) -> None: ...

    def push(self, line_user_id: str, messages: Sequence[Message], *, retry_key: str) -> None:
        """Push (costs quota). Raises SendError; a retry key LINE already accepted is not
        an error (the earlier push went out)."""
        ...

    def quota(self) -> Quota | None:
        """LINE's own count for this month, or None when it cannot be read."""
        ...


def to_sdk(message: Message) -> TextMessage:
    quick = None
    if message.buttons:
        quick = QuickReply(
            items=[
                QuickReplyItem(
                    action=PostbackAction(
                        label=b.label[:20], data=b.data, displayText=b.display_text or b.label
                    )
                )
                for b in message.buttons[:13]  # LINE's maximum
            ]
        )
    return TextMessage(text=message.text[:5000], quickReply=quick)


class LineMessenger:
    """The Messaging API through line-bot-sdk v3."""

    def __init__(self, access_token: str, base_url: str | None = None) -> None:
        self._config = Configuration(
            host=(base_url or DEFAULT_API_BASE_URL).rstrip("/"), access_token=access_token
        )

    def _call(self, what: str, fn: object) -> object:
        api_client = ApiClient(self._config)
        try:
            return fn(MessagingApi(api_client))  # type: ignore[operator]
        except ApiException as e:
            raise SendError(e.status, str(e.reason or what)) from e
        except Exception as e:  # network errors: urllib3 raises many kinds
            raise SendError(None, f"{what}: {type(e).__name__}") from e
        finally:
            api_client.close()
            api_client.rest_client.pool_manager.clear()  # close sockets, no ResourceWarning

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        request = ReplyMessageRequest(
            replyToken=reply_token, messages=[to_sdk(m) for m in messages[:5]]
        )
        self._call("reply", lambda api: api.reply_message(request, _request_timeout=TIMEOUT))

    def push(self, line_user_id: str, messages: Sequence[Message], *, retry_key: str) -> None:
        request = PushMessageRequest(to=line_user_id, messages=[to_sdk(m) for m in messages[:5]])
        try:
            self._call(
                "push",
                lambda api: api.push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT
                ),
            )
        except SendError as e:
            if e.status == 409:  # this retry key was accepted before: already delivered
                return
            raise

    def quota(self) -> Quota | None:
        try:
            q = self._call("quota", lambda api: api.get_message_quota(_request_timeout=TIMEOUT))
            used = self._call(
                "quota consumption",
                lambda api: api.get_message_quota_consumption(_request_timeout=TIMEOUT),
            )
        except SendError as e:
            log.warning("could not read LINE's quota: %s", e)
            return None
        limit = getattr(q, "value", None) if getattr(q, "type", None) == "limited" else None
        return Quota(limit=limit, used=int(getattr(used, "total_usage", 0) or 0))
