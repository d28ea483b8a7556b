"""Login throttling per account and per address, kept in the database (``LoginAttempt``) so
that it holds across web workers and restarts.

After ``PER_LOGIN`` failures for one login (since its last success) within ``WINDOW``, or
``PER_ADDRESS`` failures from one address within ``WINDOW``, every further attempt for that
login or from that address is refused, even with the right password, until the oldest of
those failures leaves the window. A refused attempt checks no password and adds no row, so
the lock ends on time and an attacker gains nothing by insisting. Rows older than ``KEEP``
are deleted as new ones are written.

Logins are counted as typed (normalised), whether or not such an account exists, so that a
lock says nothing about which logins exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from checkin.models import LoginAttempt

WINDOW = timedelta(minutes=15)
PER_LOGIN = 5
PER_ADDRESS = 20
KEEP = timedelta(days=1)


def normalise_login(login: str) -> str:
    return login.strip().lower()[:120]


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]


@dataclass(frozen=True)
class Lock:
    """Attempts are refused until ``until``; ``by`` is what is locked (login or address)."""

    until: datetime
    by: str

    def minutes_left(self, now: datetime) -> int:
        seconds = max((self.until - now).total_seconds(), 0)
        return max(1, -(-int(seconds) // 60))  # rounded up, at least one


def _lock_from(times: list[datetime], limit: int, by: str, now: datetime) -> Lock | None:
    """Locked while ``limit`` failures are inside the window: until the ``limit``-th most
    recent one leaves it."""
    if len(times) < limit:
        return None
    until = sorted(times, reverse=True)[limit - 1] + WINDOW
    return Lock(until, by) if until > now else None


def current_lock(
    session: Session, kind: str, login: str, address: str | None, *, now: datetime
) -> Lock | None:
    """The lock on this login or this address now, if any (the later one if both)."""
    since = now - WINDOW
    login = normalise_login(login)
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.kind == kind,
            LoginAttempt.login == login,
            LoginAttempt.success.is_(True),
            LoginAttempt.at >= since,
        )
    )
    failed_since = [LoginAttempt.at >= since]
    if last_success is not None:  # a success starts the count for this login again
        failed_since.append(LoginAttempt.at > last_success)
    by_login = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(
                LoginAttempt.kind == kind,
                LoginAttempt.login == login,
                LoginAttempt.success.is_(False),
                *failed_since,
            )
            .order_by(LoginAttempt.at.desc())
            .limit(PER_LOGIN)
        )
    )
    by_address = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(
                LoginAttempt.address == _address(address),
                LoginAttempt.success.is_(False),
                LoginAttempt.at >= since,
            )
            .order_by(LoginAttempt.at.desc())
            .limit(PER_ADDRESS)
        )
    )
    locks = [
        lock
        for lock in (
            _lock_from(by_login, PER_LOGIN, "login", now),
            _lock_from(by_address, PER_ADDRESS, "address", now),
        )
        if lock is not None
    ]
    return max(locks, key=lambda lock: lock.until) if locks else None


def record_attempt(
    session: Session,
    kind: str,
    login: str,
    address: str | None,
    *,
    success: bool,
    now: datetime,
) -> Lock | None:
    """Write one attempt (and prune old rows); after a failure, the lock it started, if
    this very failure reached a limit. The caller commits."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
    session.add(
        LoginAttempt(
            kind=kind,
            login=normalise_login(login),
            address=_address(address),
            at=now,
            success=success,
        )
    )
    session.flush()
    if success:
        return None
    return current_lock(session, kind, login, address, now=now)
