"""The scheduler's mails and the monthly cycle (issue 14): an employer's concern is mailed
at once like an urgent flag, and the digest of the month's last week counts the duties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import Employer, EmployerUser
from checkin.services import support
from checkin.services.employer_voice import write_note
from jobs.base import JobContext
from jobs.morning import morning_signals
from jobs.notify import morning_digest, urgent_mail
from tests.conftest import PASSWORD, World
from tests.jobs.test_mail_jobs import Smtp, mail_ctx, with_emails
from tests.jobs.test_morning_job import tokyo


def test_an_employer_concern_is_mailed_at_once_without_its_words(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(employer)
    db.flush()
    world.client_a.employer_id = employer.id
    user = EmployerUser(
        employer_id=employer.id,
        login="aozora-hr",
        name="人事 花子",
        password_hash=generate_password_hash(PASSWORD),
    )
    db.add(user)
    db.flush()
    support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=employer.id,
        agency_name=None,
        scopes=["employer_notes"],
        evidence="同意書",
        now=tokyo(9),
    )
    write_note(
        db,
        user,
        world.client_a,
        kind="concern",
        topic="absence",
        text="きのう無断で休みました",
        now=tokyo(10),
    )
    db.commit()
    res = urgent_mail(ctx(tokyo(10, 1)))
    assert res.errors == [] and res.counts["mail_sent_urgent"] == 1
    [msg] = inbox.messages
    assert msg["To"] == "sato@office.example"
    assert msg["Subject"] == "[checkin] 勤め先から「気になること」が届きました"
    assert "無断" not in msg.get_content()  # the words stay behind the login
    urgent_mail(ctx(tokyo(10, 2)))
    assert len(inbox.messages) == 1


def test_the_digest_of_the_last_week_counts_the_open_duties(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    day = date(2026, 6, 24)  # 6 days before the month ends
    morning_signals(ctx(tokyo(6, 0, day)))
    assert morning_digest(ctx(tokyo(7, 0, day))).errors == []
    [msg] = inbox.to("sato@office.example")
    body = msg.get_content()
    # sato's two clients: no meeting, no report; no employer recorded (not applicable)
    assert "今月の義務 4件" in msg["Subject"]
    assert "今月の義務で まだのもの: 4件 (面談 2件 / 支援レポート 2件)" in body
    assert "https://checkin.example/duties" in body
    assert "田中" not in body  # counts only, like the alerts
    # The middle of the month: the duties are not due yet, the digest does not mention them.
    inbox.envelopes.clear()
    mid = date(2026, 6, 10)
    morning_signals(ctx(tokyo(6, 0, mid)))
    morning_digest(ctx(tokyo(7, 0, mid)))
    assert all("義務" not in m.get_content() for m in inbox.to("sato@office.example"))
