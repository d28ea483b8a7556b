"""Signed, expiring links to a LINE client's self-view (「これまでの きろく」).

Web clients reach their self-view with their personal check-in token; the server keeps only
that token's hash, so the LINE bot cannot hand it out. Instead the bot sends a link signed
with the app's secret key (itsdangerous, its own salt) that names the client and the LINE
link it was sent through, and is valid for 7 days. It opens the self-view and nothing else:
it is not a check-in token, and no other route accepts it.

The link stops working when it is older than 7 days, was changed in any way, the client is
no longer active (paused or ended), or the LINE link it was sent through has gone (staff
unlinked it, or the client moved to another LINE account). Nothing is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from checkin.models import Client, ClientStatus, LineAccount

SALT = "checkin.selfview.line"
MAX_AGE = timedelta(days=7)


def _serializer(secret_key: str | bytes, now: datetime) -> URLSafeTimedSerializer:
    """A serializer whose clock is ``now`` (the app's clock, which tests pin), not the
    system's."""
    stamp = int(now.timestamp())

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=ClockSigner)


def _linked_stamp(account: LineAccount) -> int:
    return int(account.linked_at.timestamp()) if account.linked_at is not None else 0


def make_selfview_token(
    secret_key: str | bytes, client: Client, account: LineAccount, *, now: datetime
) -> str:
    """The signed part of the link for ``client``, sent through ``account``."""
    payload = {"c": client.id, "a": account.id, "l": _linked_stamp(account)}
    return str(_serializer(secret_key, now).dumps(payload))


def client_for_selfview_token(
    session: Session,
    secret_key: str | bytes,
    token: str,
    *,
    now: datetime,
    max_age: timedelta = MAX_AGE,
) -> Client | None:
    """The active client a live, untampered link belongs to, else None (never say why)."""
    if not token or len(token) > 256:
        return None
    try:
        payload: Any = _serializer(secret_key, now).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except BadData:  # tampered, expired, from the future, or not ours
        return None
    if not isinstance(payload, dict):
        return None
    client_id, account_id, linked = payload.get("c"), payload.get("a"), payload.get("l")
    if not all(isinstance(v, int) for v in (client_id, account_id, linked)):
        return None
    client = session.get(Client, client_id)
    account = session.get(LineAccount, account_id)
    if client is None or account is None or client.status != ClientStatus.ACTIVE:
        return None
    if account.client_id != client.id or _linked_stamp(account) != linked:
        return None  # unlinked, or the client's LINE link moved on since
    return client
