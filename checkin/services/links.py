"""Personal check-in links: an unguessable token per client, stored only as a hash.

While a card may still be printed again, the token is also kept sealed (Fernet, with a key
derived from the app's secret key) in ``CheckinLink.card_token``: until the client first
opens the link, or for :data:`CARD_WINDOW` after it was made, whichever comes first. Then
the sealed copy is cleared or simply no longer opened, and only the hash remains.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from checkin.models import CheckinLink, Client, ClientStatus, StaffUser
from checkin.services import audit

# How long after it is made a card can be shown and printed again (if not used before).
CARD_WINDOW = timedelta(days=14)
LAST_USED_EVERY = timedelta(minutes=1)  # how often a link's last_used_at is rewritten


def hash_token(token: str) -> str:
    # The token carries 256 bits of randomness, so a plain SHA-256 is enough (no salt or
    # slow hash needed) and lets us look it up by equality.
    return hashlib.sha256(token.encode()).hexdigest()


def _fernet(secret_key: str) -> Fernet:
    """A Fernet key of its own, derived from the secret key (HKDF), so that sealing cards
    never reuses the key that signs sessions."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"checkin card token v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal_token(secret_key: str, token: str, *, now: datetime) -> str:
    return _fernet(secret_key).encrypt_at_time(token.encode(), int(now.timestamp())).decode()


def unseal_token(secret_key: str, sealed: str, *, now: datetime) -> str | None:
    """The token, or None when the seal is wrong (another key) or older than the window."""
    try:
        raw = _fernet(secret_key).decrypt_at_time(
            sealed.encode(), int(CARD_WINDOW.total_seconds()), int(now.timestamp())
        )
    except InvalidToken:
        return None
    return raw.decode()


def issue_link(
    session: Session,
    client: Client,
    *,
    now: datetime,
    actor: StaffUser | None = None,
    secret_key: str | None = None,
) -> str:
    """Create a new link for ``client``, revoking any earlier one. Returns the raw token.
    With ``secret_key`` the token is also kept sealed so that its card can be shown again."""
    revoke_links(session, client, now=now, actor=actor, audit_it=False)
    token = secrets.token_urlsafe(32)
    session.add(
        CheckinLink(
            client_id=client.id,
            token_hash=hash_token(token),
            created_at=now,
            created_by_id=actor.id if actor else None,
            card_token=seal_token(secret_key, token, now=now) if secret_key else None,
        )
    )
    audit.record(
        session, "link.issue", office_id=client.office_id, actor=actor, client_id=client.id
    )
    return token


def revoke_links(
    session: Session,
    client: Client,
    *,
    now: datetime,
    actor: StaffUser | None = None,
    audit_it: bool = True,
) -> int:
    links = session.scalars(
        select(CheckinLink).where(
            CheckinLink.client_id == client.id, CheckinLink.revoked_at.is_(None)
        )
    ).all()
    for link in links:
        link.revoked_at = now
        link.revoked_by_id = actor.id if actor else None
        link.card_token = None
    if audit_it and links:
        audit.record(
            session, "link.revoke", office_id=client.office_id, actor=actor, client_id=client.id
        )
    return len(links)


class TokenState(enum.Enum):
    LIVE = "live"  # the client may check in
    REVOKED = "revoked"  # revoked by staff or replaced by a newer card
    ENDED = "ended"  # the link was never revoked, but the client's service has ended
    PAUSED = "paused"  # the client's service is paused: the link works again on resuming
    UNKNOWN = "unknown"  # no such token (mistyped, or never issued)


@dataclass
class TokenLookup:
    state: TokenState
    client: Client | None = None  # also set for a known token that no longer works


def look_up_token(session: Session, token: str, *, now: datetime) -> TokenLookup:
    """What a token on a card stands for. A live token counts as used: ``last_used_at`` is
    set and the card can no longer be shown again (its sealed copy is cleared)."""
    if not token or len(token) > 128:
        return TokenLookup(TokenState.UNKNOWN)
    link = session.scalar(
        select(CheckinLink)
        .where(CheckinLink.token_hash == hash_token(token))
        # the pages need the client and its office: one query, not three
        .options(joinedload(CheckinLink.client).joinedload(Client.office))
    )
    if link is None:
        return TokenLookup(TokenState.UNKNOWN)
    client = link.client
    if link.revoked_at is not None:
        return TokenLookup(TokenState.REVOKED, client)
    if client.status == ClientStatus.ENDED:
        return TokenLookup(TokenState.ENDED, client)
    if client.status != ClientStatus.ACTIVE:
        return TokenLookup(TokenState.PAUSED, client)
    # A check-in opens three pages within seconds: one write (and one commit that waits for
    # the disk) per minute is enough for "last used" (shown to the minute).
    if link.last_used_at is None or now - link.last_used_at >= LAST_USED_EVERY:
        link.last_used_at = now
    if link.card_token is not None:
        link.card_token = None  # first use: the card can no longer be shown again
    return TokenLookup(TokenState.LIVE, client)


def client_for_token(session: Session, token: str, *, now: datetime) -> Client | None:
    """The active client a live token belongs to, or None for a wrong or revoked token."""
    found = look_up_token(session, token, now=now)
    return found.client if found.state == TokenState.LIVE else None


def active_link(session: Session, client: Client) -> CheckinLink | None:
    return session.scalar(
        select(CheckinLink).where(
            CheckinLink.client_id == client.id, CheckinLink.revoked_at.is_(None)
        )
    )


# --- cards that can be shown again ------------------------------------------------------


class CardState(enum.Enum):
    NONE = "none"  # no live link: a card can be made without asking
    PRINTABLE = "printable"  # the card can be shown and printed again as it is
    USED = "used"  # the client has used the link: the card cannot be shown again
    EXPIRED = "expired"  # never used, but made more than CARD_WINDOW ago
    INACTIVE = "inactive"  # the client's service is paused or ended: no card


@dataclass
class Card:
    client: Client
    state: CardState
    link: CheckinLink | None = None
    token: str | None = None  # only when PRINTABLE


def card_of(
    session: Session,
    client: Client,
    *,
    secret_key: str,
    now: datetime,
    link: CheckinLink | None = None,
) -> Card:
    """The client's card as it can be shown now (with its token when it may be printed)."""
    link = link if link is not None else active_link(session, client)
    if client.status != ClientStatus.ACTIVE:
        return Card(client, CardState.INACTIVE, link)
    if link is None:
        return Card(client, CardState.NONE)
    if link.last_used_at is not None:
        return Card(client, CardState.USED, link)
    token = None
    if link.card_token and now < link.created_at + CARD_WINDOW:
        token = unseal_token(secret_key, link.card_token, now=now)
    if token is None or hash_token(token) != link.token_hash:
        return Card(client, CardState.EXPIRED, link)
    return Card(client, CardState.PRINTABLE, link, token)


def cards_of(
    session: Session, clients: Iterable[Client], *, secret_key: str, now: datetime
) -> list[Card]:
    """:func:`card_of` for several clients, with their live links read in one query."""
    clients = list(clients)
    links = {
        link.client_id: link
        for link in session.scalars(
            select(CheckinLink).where(
                CheckinLink.client_id.in_([c.id for c in clients]),
                CheckinLink.revoked_at.is_(None),
            )
        )
    }
    return [
        card_of(session, c, secret_key=secret_key, now=now, link=links.get(c.id)) for c in clients
    ]


def issue_card(
    session: Session, client: Client, *, secret_key: str, now: datetime, actor: StaffUser
) -> Card:
    """A new printable card for an active client (any earlier link stops working)."""
    token = issue_link(session, client, now=now, actor=actor, secret_key=secret_key)
    session.flush()
    return Card(client, CardState.PRINTABLE, active_link(session, client), token)


def issue_cards(
    session: Session,
    cards: Iterable[Card],
    *,
    secret_key: str,
    now: datetime,
    actor: StaffUser,
    replace: bool,
) -> list[Card]:
    """Cards for many clients at once: a printable card is kept as it is (its link does not
    change), a client without a link gets one, and a live link that can no longer be shown
    (used, or too old) is replaced only when ``replace`` is true. Paused and ended clients
    get nothing. Returns the cards that can now be printed."""
    out = []
    for card in cards:
        if card.state == CardState.PRINTABLE:
            out.append(card)
        elif card.state == CardState.NONE or (
            replace and card.state in (CardState.USED, CardState.EXPIRED)
        ):
            out.append(
                issue_card(session, card.client, secret_key=secret_key, now=now, actor=actor)
            )
    return out
