"""Helpers for driving the jobs with a controlled clock on the test database."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import Channel, CheckIn, Client, JobRun, RunStatus
from jobs.base import JobContext
from jobs.mail import MailSettings


def add_entry(
    db: Session, client: Client, day: date, *, mood: int = 3, wants_contact: bool = False
) -> None:
    db.add(
        CheckIn(
            client_id=client.id,
            local_date=day,
            mood=mood,
            fatigue=3,
            wants_contact=wants_contact,
            channel=Channel.WEB,
        )
    )
    db.commit()


def done_runs(db: Session, job_id: str) -> list[tuple[int, str]]:
    db.expire_all()
    return sorted(
        (r.office_id, r.slot)
        for r in db.scalars(
            select(JobRun).where(JobRun.job_id == job_id, JobRun.status == RunStatus.DONE)
        )
    )


@pytest.fixture
def make_ctx(factory: sessionmaker[Session]) -> Callable[..., JobContext]:
    def make(now: datetime, **kwargs: object) -> JobContext:
        return JobContext(factory=factory, now=now, holder="test", **kwargs)  # type: ignore[arg-type]

    return make


class Inbox:
    """What the loopback SMTP server received, parsed."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse = False  # answer 451 to every message (a server in trouble)

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        if self.refuse:
            return "451 Try again later"
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        out = []
        for env in self.envelopes:
            raw = env.content if isinstance(env.content, bytes) else str(env.content).encode()
            msg = BytesParser(policy=policy.default).parsebytes(raw)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackSMTP(Controller):
    """aiosmtpd's controller bound to port 0: the system picks a free port while binding,
    so parallel test runs never race for one (``free_port`` closes its socket first)."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, MailSettings]]:
    """A real SMTP server (aiosmtpd) on loopback, and mail settings pointing at it."""
    inbox = Inbox()
    controller = LoopbackSMTP(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    assert controller.port != 0
    try:
        yield (
            inbox,
            MailSettings(
                host="127.0.0.1",
                port=controller.port,
                from_addr="checkin@office.example",
                starttls=False,
                public_base_url="https://checkin.example",
            ),
        )
    finally:
        controller.stop()
