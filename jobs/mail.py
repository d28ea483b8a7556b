"""E-mail to staff: SMTP settings, a small mailer, and the outbox (Notification rows).

Settings come from ``CHECKIN_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_FROM`` and
``_STARTTLS`` (default on); with no host, e-mail is off and the mail jobs are not scheduled.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import Notification, NotificationStatus, StaffUser
from jobs.base import TickResult, short_error

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SMTP_TIMEOUT = 30


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    from_addr: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    public_base_url: str | None = None  # for links to the alert list


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_mail_settings(environ: Mapping[str, str] | None = None) -> MailSettings | None:
    env = os.environ if environ is None else environ
    host = (env.get("CHECKIN_SMTP_HOST") or "").strip()
    if not host:
        return None
    return MailSettings(
        host=host,
        port=int(env.get("CHECKIN_SMTP_PORT") or 587),
        from_addr=env.get("CHECKIN_SMTP_FROM") or "checkin@localhost",
        user=env.get("CHECKIN_SMTP_USER") or None,
        password=env.get("CHECKIN_SMTP_PASSWORD") or None,
        starttls=_flag(env.get("CHECKIN_SMTP_STARTTLS"), True),
        public_base_url=(env.get("CHECKIN_PUBLIC_BASE_URL") or "").rstrip("/") or None,
    )


class Mailer:
    """Sends messages over one SMTP connection per batch (stdlib smtplib)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
        try:
            smtp.ehlo()
            if s.starttls:
                # smtplib's default context does not verify the server: ours does.
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.from_addr
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="checkin")
        msg.set_content(body)  # UTF-8, encoded as the policy needs
        return msg


def make_mailer(settings: MailSettings | None) -> Mailer | None:
    return Mailer(settings) if settings is not None else None


def queue(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    staff: StaffUser,
    subject: str,
    body: str,
    now: datetime,
    flag_id: int | None = None,
) -> bool:
    """Add an outbox row unless one with this key exists. True if queued."""
    if not staff.email or not staff.active:
        return False
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return False
    session.add(
        Notification(
            dedupe_key=dedupe_key,
            kind=kind,
            office_id=staff.office_id,
            staff_id=staff.id,
            flag_id=flag_id,
            to_address=staff.email,
            subject=subject,
            body=body,
            status=NotificationStatus.PENDING,
            attempts=0,
            created_at=now,
        )
    )
    return True


def send_pending(
    factory: sessionmaker[Session], mailer: Mailer | None, now: datetime
) -> TickResult:
    """Send every pending mail that is due, one commit per mail.

    A mail is marked sent after the SMTP server accepted it; a crash in between sends it
    again on the next tick (at least once: for urgent flags a duplicate beats a loss).
    """
    result = TickResult()
    if mailer is None:
        return result
    with factory() as session:
        ids = list(
            session.scalars(
                select(Notification.id)
                .where(
                    Notification.status == NotificationStatus.PENDING,
                    or_(
                        Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now
                    ),
                )
                .order_by(Notification.id)
            )
        )
    if not ids:
        return result
    smtp: smtplib.SMTP | None = None
    try:
        for nid in ids:
            with factory() as session:
                note = session.get(Notification, nid)
                if note is None or note.status != NotificationStatus.PENDING:
                    continue
                connecting = smtp is None
                try:
                    if smtp is None:
                        smtp = mailer.connect()
                    smtp.send_message(mailer.message(note.to_address, note.subject, note.body))
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("mail %s to staff %s failed: %s", nid, note.staff_id, exc)
                    note.attempts += 1
                    note.error = short_error(exc)
                    if note.attempts >= MAX_ATTEMPTS:
                        note.status = NotificationStatus.FAILED
                        result.errors.append(f"mail {nid} gave up: {note.error}")
                        result.counts["mail_gave_up"] += 1
                    else:
                        note.next_attempt_at = now + timedelta(minutes=2**note.attempts)
                        result.counts["mail_retry_later"] += 1
                    session.commit()
                    if connecting:
                        # The server is unreachable: the rest wait for the next tick instead
                        # of each waiting for its own timeout now.
                        result.errors.append(f"SMTP {mailer.settings.host}: {note.error}")
                        break
                    if isinstance(exc, smtplib.SMTPServerDisconnected):
                        smtp = None
                    continue
                note.attempts += 1
                note.status = NotificationStatus.SENT
                note.sent_at = now
                note.error = None
                session.commit()
                result.counts[f"mail_sent_{note.kind}"] += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return result
