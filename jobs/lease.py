"""A leader lease in the database, so that a second scheduler process runs nothing.

One conditional UPDATE takes or renews the lease: it matches only when this process already
holds it or when it has expired. That statement is atomic on SQLite (writes are serialized)
and on PostgreSQL (a concurrent UPDATE of the row waits, then re-checks the WHERE clause).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# A standby takes over at most TTL + one heartbeat (jobs.scheduler.DEFAULT_HEARTBEAT) after
# the leader's last renewal, and then runs every job at once: within the 90 s that
# docs/scheduler.md promises (tests/jobs/test_lease_and_scheduler.py adds it up).
DEFAULT_TTL = timedelta(seconds=60)
# Stop starting new units of work a little before the lease could expire under us.
SAFETY_MARGIN = timedelta(seconds=10)


def make_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Lease:
    def __init__(
        self,
        factory: sessionmaker[Session],
        holder: str | None = None,
        *,
        name: str = LEASE_NAME,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self.factory = factory
        self.holder = holder or make_holder_id()
        self.name = name
        self.ttl = ttl
        self._expires_at: datetime | None = None
        self._lock = threading.Lock()  # the heartbeat and the job thread both renew

    def acquire(self, now: datetime) -> bool:
        """Take the lease if it is free or expired, renew it if we hold it. True if held."""
        with self._lock:
            return self._acquire(now)

    def _acquire(self, now: datetime) -> bool:
        was_held = self._expires_at is not None
        expires = now + self.ttl
        t = SchedulerLease
        with self.factory() as session:
            try:
                result = session.execute(
                    update(t)
                    .where(t.name == self.name, or_(t.holder == self.holder, t.expires_at < now))
                    .values(
                        acquired_at=case(
                            (t.holder == self.holder, t.acquired_at),
                            else_=literal(now, t.acquired_at.type),
                        ),
                        holder=self.holder,
                        renewed_at=now,
                        expires_at=expires,
                    )
                    .execution_options(synchronize_session=False)
                )
                got = result.rowcount == 1  # type: ignore[attr-defined]
                if not got and session.get(SchedulerLease, self.name) is None:
                    session.add(
                        SchedulerLease(
                            name=self.name,
                            holder=self.holder,
                            acquired_at=now,
                            renewed_at=now,
                            expires_at=expires,
                        )
                    )
                    session.flush()
                    got = True
                session.commit()
            except IntegrityError:  # another process inserted the row first
                session.rollback()
                got = False
        self._expires_at = expires if got else None
        if got and not was_held:
            log.info("scheduler lease %r taken by %s", self.name, self.holder)
        elif was_held and not got:
            log.warning("scheduler lease %r lost by %s", self.name, self.holder)
        return got

    def held(self, now: datetime) -> bool:
        """Whether we may still start a unit of work, from what the last renewal told us."""
        return self._expires_at is not None and now < self._expires_at - SAFETY_MARGIN

    def release(self, now: datetime) -> None:
        """Let a restarted process take over at once instead of waiting for the expiry."""
        t = SchedulerLease
        with self.factory() as session:
            session.execute(
                update(t)
                .where(t.name == self.name, t.holder == self.holder)
                .values(expires_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        self._expires_at = None

    def current(self) -> SchedulerLease | None:
        with self.factory() as session:
            return session.scalar(select(SchedulerLease).where(SchedulerLease.name == self.name))
