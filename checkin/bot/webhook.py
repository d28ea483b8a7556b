"""``POST /line/webhook``: verify, store each event once, one conversation step, reply later.

Nothing slow happens before the response: the database work is a few small queries per
event and the replies go out from a thread pool afterwards (LINE allows 2 seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app
from flask import request as flask_request
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import Event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checkin.appctx import get_db, now, public_url
from checkin.bot import line_state
from checkin.bot.events import handle_event, user_id_of
from checkin.bot.messenger import Message
from checkin.models import Client, LineAccount, LineEvent
from checkin.services.errors import ValidationError
from checkin.services.selfview_links import make_selfview_token

log = logging.getLogger(__name__)

bp = Blueprint("line", __name__)


@bp.post("/line/webhook")
def webhook() -> tuple[str, int]:
    state = line_state()
    if not state.channel_secret:
        return "LINE is not configured", 503
    signature = flask_request.headers.get("X-Line-Signature", "")
    body = flask_request.get_data(as_text=True)
    if not signature:
        return "missing signature", 400
    try:
        events = WebhookParser(state.channel_secret).parse(body, signature)
    except InvalidSignatureError:
        return "invalid signature", 400
    except Exception:  # signed but not a webhook body we can read
        log.warning("unreadable LINE webhook body", exc_info=True)
        return "bad request", 400
    db = get_db()
    failed = 0
    for event in events if isinstance(events, list) else []:
        reason = refusal(event)
        if reason is not None:
            # Answered (200) and logged, never stored: the same event would fail the same
            # way on every redelivery, so a 500 would make LINE retry it forever.
            log.warning("LINE event refused (%s): %s", reason, _event_id(event))
            continue
        try:
            messages = _process(db, event)
        except ValidationError as e:  # text the database cannot keep (stored_text)
            db.rollback()
            log.warning("LINE event refused (%s): %s", ", ".join(e.errors), _event_id(event))
            continue
        except Exception:
            db.rollback()
            failed += 1
            log.exception("LINE event failed; not stored, so a redelivery retries it")
            continue
        token = getattr(event, "reply_token", None)
        if messages and token:
            state.replies.submit(token, messages)
    # A 500 makes LINE redeliver (when redelivery is on); stored events are then skipped.
    return ("", 500) if failed else ("", 200)


# LINE's timestamps are milliseconds since 1970; anything outside these years is not one.
_TS_MIN = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)
_TS_MAX = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def refusal(event: Event) -> str | None:
    """Why an event cannot be handled at all (None: it can): a timestamp that is no
    time, or a NUL character anywhere (PostgreSQL cannot store one; no person types one)."""
    ts = getattr(event, "timestamp", None)
    if ts is not None and not (isinstance(ts, int) and _TS_MIN <= ts <= _TS_MAX):
        return "timestamp out of range"
    try:
        raw = event.to_dict()
    except Exception:
        return "unreadable event"
    if any("\x00" in s for s in _strings(raw)):
        return "NUL character"
    return None


def _event_id(event: Event) -> str:
    return repr(str(getattr(event, "webhook_event_id", None) or "?")[:64])


def _process(db: Session, event: Event) -> list[Message]:
    """Store the event and do its step in one transaction; a duplicate does nothing."""
    t = now()
    event_id = getattr(event, "webhook_event_id", None)
    if event_id:
        seen = db.scalar(select(LineEvent.id).where(LineEvent.webhook_event_id == event_id))
        if seen is not None:
            return []
        ctx = getattr(event, "delivery_context", None)
        ts = getattr(event, "timestamp", None)
        db.add(
            LineEvent(
                webhook_event_id=str(event_id)[:64],
                event_type=str(getattr(event, "type", None) or type(event).__name__)[:32],
                line_user_id=user_id_of(event),
                occurred_at=datetime.fromtimestamp(ts / 1000, UTC) if ts else None,
                received_at=t,
                redelivery=bool(getattr(ctx, "is_redelivery", False)),
            )
        )
        try:
            db.flush()
        except IntegrityError:  # the same event, delivered twice at once: the other won
            db.rollback()
            return []
    messages = handle_event(db, event, now=t, selfview_url=selfview_url)
    db.commit()
    return messages


def selfview_url(client: Client, account: LineAccount, at: datetime) -> str:
    """The signed, 7-day link to ``client``'s 「これまでの きろく」 (``/me/<signed>``), on the
    public address (``CHECKIN_PUBLIC_BASE_URL``, else the host LINE called)."""
    signed = make_selfview_token(current_app.secret_key or "", client, account, now=at)
    return public_url("client_form.line_me", signed=signed)
