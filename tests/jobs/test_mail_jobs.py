"""The digest, urgent and escalation mails arrive at a real SMTP server with the right text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import MailDetail, Notification, NotificationStatus, StaffLeave
from checkin.services.flags import act_on_flag, upsert_candidates
from checkin.signals import contact_candidate, crisis_candidate
from jobs.base import JobContext
from jobs.escalation import escalate_flags
from jobs.mail import Mailer, MailSettings, load_mail_settings
from jobs.messages import masked_name
from jobs.morning import morning_signals
from jobs.notify import morning_digest, urgent_mail
from jobs.scheduler import SchedulerApp
from tests.conftest import World
from tests.jobs.conftest import Inbox, add_entry, free_port
from tests.jobs.test_morning_job import DAY, YESTERDAY, tokyo

Smtp = tuple[Inbox, MailSettings]


def with_emails(db: Session, world: World) -> None:
    world.sato.email = "sato@office.example"
    world.suzuki.email = "suzuki@office.example"
    world.manager.email = "kanri@office.example"
    world.outsider.email = "yoso@other.example"
    db.commit()


def note_flag_id(db: Session) -> int:
    flag_id = db.scalar(select(Notification.flag_id))
    assert flag_id is not None
    return flag_id


def mail_ctx(make_ctx: Callable[..., JobContext], smtp: Smtp) -> Callable[..., JobContext]:
    _inbox, settings = smtp

    def make(now):  # type: ignore[no-untyped-def]
        return make_ctx(now, mail=settings, mailer=Mailer(settings))

    return make


def test_mail_settings_come_from_the_environment_and_are_off_without_a_host() -> None:
    assert load_mail_settings({}) is None
    s = load_mail_settings(
        {
            "CHECKIN_SMTP_HOST": "smtp.example",
            "CHECKIN_SMTP_PORT": "2525",
            "CHECKIN_SMTP_USER": "u",
            "CHECKIN_SMTP_PASSWORD": "p",
            "CHECKIN_SMTP_FROM": "checkin@example",
            "CHECKIN_SMTP_STARTTLS": "0",
            "CHECKIN_PUBLIC_BASE_URL": "https://c.example/",
        }
    )
    assert s == MailSettings(
        "smtp.example", 2525, "checkin@example", "u", "p", False, "https://c.example"
    )
    assert load_mail_settings({"CHECKIN_SMTP_HOST": "h"}).starttls is True  # type: ignore[union-attr]


def test_without_mail_settings_the_mail_jobs_are_not_scheduled(
    factory: sessionmaker[Session],
) -> None:
    off = SchedulerApp(factory)
    assert [j.id for j in off.jobs] == [
        "morning-signals",
        "flag-escalation",
        "line-reminders",
        "ranker-retrain",
        "delivery-data-prune",
    ]
    on = SchedulerApp(factory, mail=MailSettings("h", 25, "f"))
    assert [j.id for j in on.jobs] == [
        "morning-signals",
        "flag-escalation",
        "morning-digest",
        "line-reminders",
        "urgent-mail",
        "ranker-retrain",
        "delivery-data-prune",
    ]


def test_the_morning_digest_arrives_with_counts_urgent_first_and_no_health_details(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    morning_signals(ctx(tokyo(6, 0)))
    assert morning_digest(ctx(tokyo(6, 59))).counts["units_done"] == 0  # before 07:00
    assert inbox.messages == []
    res = morning_digest(ctx(tokyo(7, 0)))
    assert res.errors == []
    sato = inbox.to("sato@office.example")
    assert len(sato) == 1
    msg = sato[0]
    body = msg.get_content()
    assert msg["From"] == "checkin@office.example"
    assert "6月10日 朝のアラート" in msg["Subject"] and "緊急 1件" in msg["Subject"]
    assert "緊急 1件" in body and "https://checkin.example/alerts" in body
    # Office default (counts): no names, no kinds, no reasons.
    assert "田中" not in body and "相談したい" not in body and "答えました" not in body
    # The other office's supporter gets their own office's digest, never this one's.
    assert all("田中" not in m.get_content() for m in inbox.to("yoso@other.example"))
    # Twice: nothing twice.
    morning_digest(ctx(tokyo(7, 5)))
    assert len(inbox.to("sato@office.example")) == 1


def test_the_digest_names_clients_only_as_far_as_the_office_allows(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    world.office.mail_detail = MailDetail.INITIALS
    db.commit()
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    morning_signals(ctx(tokyo(6, 0)))
    morning_digest(ctx(tokyo(7, 0)))
    body = inbox.to("sato@office.example")[0].get_content()
    assert masked_name("田中 健太") == "田○ 健○"
    assert "田○ 健○" in body and "相談したい" in body and "田中" not in body
    # Urgent ones first.
    lines = [ln for ln in body.splitlines() if ln.startswith("  - [")]
    assert lines and lines[0].startswith("  - [緊急]")
    assert "答えました" not in body  # the reasons text never travels by mail


def test_an_urgent_flag_is_mailed_at_once_and_only_once(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    world.office.mail_detail = MailDetail.NAMES
    db.commit()
    # A crisis note saved at 21:30: the flag is raised at once by the check-in service.
    upsert_candidates(
        db,
        world.office,
        DAY,
        [crisis_candidate(world.client_a.id, DAY)],
        now=tokyo(21, 30),
        source="immediate",
    )
    db.commit()
    res = urgent_mail(ctx(tokyo(21, 31)))
    assert res.errors == [] and res.counts["mail_sent_urgent"] == 1
    [msg] = inbox.messages
    assert msg["To"] == "sato@office.example"
    assert msg["Subject"] == "[checkin] 緊急のアラートがあります"
    body = msg.get_content()
    assert "田中 健太" in body and "危機のことば" in body
    assert f"https://checkin.example/flags/{note_flag_id(db)}" in body
    assert "つらい気持ち" not in body  # the reason text stays behind the login
    # Ticks later, and the next morning refreshing the same flag: no second mail.
    urgent_mail(ctx(tokyo(21, 32)))
    morning_signals(ctx(tokyo(6, 0, DAY + timedelta(days=1))))
    urgent_mail(ctx(tokyo(6, 1, DAY + timedelta(days=1))))
    assert len(inbox.messages) == 1
    note = db.scalar(select(Notification))
    assert note is not None and note.status == NotificationStatus.SENT and note.kind == "urgent"


def test_a_new_request_on_a_later_day_is_mailed_again_and_acknowledged_ones_are_not(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    flag = upsert_candidates(
        db, world.office, DAY, [contact_candidate(world.client_b.id, DAY)], now=tokyo(12)
    ).touched[0]
    db.commit()
    urgent_mail(ctx(tokyo(12, 1)))
    nxt = DAY + timedelta(days=1)
    upsert_candidates(
        db, world.office, nxt, [contact_candidate(world.client_b.id, nxt)], now=tokyo(12, 0, nxt)
    )
    db.commit()
    urgent_mail(ctx(tokyo(12, 1, nxt)))
    assert [m["To"] for m in inbox.messages] == ["suzuki@office.example"] * 2
    act_on_flag(db, world.suzuki, flag.id, "acknowledge", None, now=tokyo(13, 0, nxt))
    db.commit()
    later = nxt + timedelta(days=1)
    upsert_candidates(
        db,
        world.office,
        later,
        [contact_candidate(world.client_b.id, later)],
        now=tokyo(12, 0, later),
    )
    db.commit()
    # Acknowledged and not worse: the supporter is already on it.
    urgent_mail(ctx(tokyo(12, 1, later)))
    assert len(inbox.messages) == 2


def test_escalation_mails_the_backup_and_the_service_manager(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    morning_signals(ctx(tokyo(6, 0)))
    escalate_flags(ctx(tokyo(10, 0)))
    got = {m["To"]: m for m in inbox.messages}
    assert set(got) >= {"suzuki@office.example", "kanri@office.example"}
    assert "sato@office.example" not in got  # not back to the one who has not looked
    manager = got["kanri@office.example"]
    assert "10時時点" in manager["Subject"]
    body = manager.get_content()
    assert "担当: 佐藤" in body and "https://checkin.example/alerts?all=1" in body
    assert "田中" not in body
    escalate_flags(ctx(tokyo(10, 5)))
    assert len(inbox.messages) == len(got)


def test_a_refusing_server_is_retried_later_and_nothing_is_lost(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    upsert_candidates(
        db, world.office, DAY, [contact_candidate(world.client_a.id, DAY)], now=tokyo(12)
    )
    db.commit()
    inbox.refuse = True
    res = urgent_mail(ctx(tokyo(12, 1)))
    assert res.counts["mail_retry_later"] == 1 and inbox.messages == []
    note = db.scalar(select(Notification))
    assert note is not None and note.status == NotificationStatus.PENDING and note.attempts == 1
    inbox.refuse = False
    urgent_mail(ctx(tokyo(12, 2)))  # backing off: not yet
    assert inbox.messages == []
    urgent_mail(ctx(tokyo(12, 4)))
    assert len(inbox.messages) == 1
    db.expire_all()
    assert db.get(Notification, note.id).status == NotificationStatus.SENT  # type: ignore[union-attr]


def test_the_mailer_logs_in_when_a_user_is_set(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.password == b"s3cret")

    inbox = Inbox()
    port = free_port()
    # AUTH without TLS is for this loopback test only (STARTTLS is on by default).
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        settings = MailSettings(
            "127.0.0.1", port, "checkin@office.example", "checkin", "s3cret", starttls=False
        )
        with_emails(db, world)
        upsert_candidates(
            db, world.office, DAY, [contact_candidate(world.client_a.id, DAY)], now=tokyo(12)
        )
        db.commit()
        res = urgent_mail(make_ctx(tokyo(12, 1), mail=settings, mailer=Mailer(settings)))
        assert res.counts["mail_sent_urgent"] == 1
        assert logins == [("checkin", "s3cret")]
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_nobody_is_mailed_on_leave_the_backup_gets_the_urgent_mail(
    db: Session, world: World, make_ctx: Callable[..., JobContext], smtp_server: Smtp
) -> None:
    inbox, _ = smtp_server
    ctx = mail_ctx(make_ctx, smtp_server)
    with_emails(db, world)
    add_entry(db, world.client_c, YESTERDAY, wants_contact=True)  # sato's client, no backup
    morning_signals(ctx(tokyo(6, 0)))
    # sato goes on leave after the flags were assigned to him.
    db.add(StaffLeave(staff_id=world.sato.id, starts_on=DAY, ends_on=DAY))
    db.commit()
    flag = upsert_candidates(
        db, world.office, DAY, [contact_candidate(world.client_a.id, DAY)], now=tokyo(6, 30)
    ).touched[0]
    flag.assignee_id = world.sato.id
    db.commit()
    morning_digest(ctx(tokyo(7, 0)))
    urgent_mail(ctx(tokyo(7, 1)))
    assert inbox.to("sato@office.example") == []
    # Client A's backup (suzuki) gets A's urgent mail; client C has no backup: the manager.
    subjects = {(m["To"], m["Subject"]) for m in inbox.messages}
    assert ("suzuki@office.example", "[checkin] 緊急のアラートがあります") in subjects
    assert ("kanri@office.example", "[checkin] 緊急のアラートがあります") in subjects


def test_an_unreachable_server_is_reported_and_the_mails_wait(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    settings = MailSettings("127.0.0.1", free_port(), "checkin@office.example", starttls=False)
    with_emails(db, world)
    upsert_candidates(
        db,
        world.office,
        DAY,
        [contact_candidate(world.client_a.id, DAY), contact_candidate(world.client_b.id, DAY)],
        now=tokyo(12),
    )
    db.commit()
    res = urgent_mail(make_ctx(tokyo(12, 1), mail=settings, mailer=Mailer(settings)))
    assert res.counts["mails_queued"] == 2 and res.counts["mail_retry_later"] == 1
    assert any(e.startswith("SMTP 127.0.0.1: ConnectionRefusedError") for e in res.errors)
    db.expire_all()
    notes = list(db.scalars(select(Notification).order_by(Notification.id)))
    assert [n.status for n in notes] == [NotificationStatus.PENDING] * 2
    assert [n.attempts for n in notes] == [1, 0]  # the second did not wait for a timeout
