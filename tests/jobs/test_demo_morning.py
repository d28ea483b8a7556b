"""``checkin demo``'s morning at start: the demo office keeps 7:00 as its morning hour, yet a
demo started at 3:00 shows this morning's alerts and mails the digest at once, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from checkin.demo_cli import demo_morning
from checkin.mailsink import MailSink
from checkin.models import JobRun, Notification, Office, RunStatus
from checkin.services import demo
from checkin.services.morning import run_all_offices
from checkin.timeutil import local_date, utcnow
from jobs.base import JobContext
from jobs.demo import run_demo_morning
from jobs.mail import Mailer, MailSettings
from jobs.morning import JOB_ID as MORNING_ID
from jobs.morning import morning_signals
from jobs.notify import DIGEST_ID, morning_digest
from tests.jobs.conftest import Inbox, done_runs

EARLY = datetime(2026, 6, 9, 18, 0, tzinfo=UTC)  # 3:00 on 6/10 in Tokyo, before 7:00
AT_SEVEN = datetime(2026, 6, 9, 22, 5, tzinfo=UTC)  # 7:05 on 6/10 in Tokyo


def demo_office(db: Session) -> Office:
    """What ``checkin demo`` loads the first time: the demo office and this morning's list."""
    result = demo.seed_demo(db, now=EARLY, train=False)
    run_all_offices(db, now=EARLY)
    db.commit()
    return result.office


def test_the_demo_office_has_an_ordinary_morning_hour(db: Session) -> None:
    assert demo_office(db).morning_hour == 7


def test_the_demo_morning_runs_at_start_whatever_the_hour_and_only_once(
    db: Session,
    factory: sessionmaker[Session],
    make_ctx: Callable[..., JobContext],
    smtp_server: tuple[Inbox, MailSettings],
) -> None:
    inbox, settings = smtp_server
    office = demo_office(db)
    # At 3:00 the scheduler itself has nothing due for the demo office yet.
    early = make_ctx(EARLY, mail=settings, mailer=Mailer(settings))
    assert morning_signals(early).counts["units_done"] == 0
    assert morning_digest(early).counts["units_done"] == 0 and inbox.messages == []

    res = run_demo_morning(factory, office.id, EARLY, mail=settings, mailer=Mailer(settings))
    assert res.errors == []
    assert done_runs(db, MORNING_ID) == [(office.id, "2026-06-10")]
    assert done_runs(db, DIGEST_ID) == [(office.id, "2026-06-10")]
    mailed = inbox.messages
    assert mailed and all(m["To"].endswith("@" + demo.MAIL_DOMAIN) for m in mailed)
    assert all("6月10日 朝のアラート" in m["Subject"] for m in mailed)
    assert db.scalar(select(func.count()).select_from(Notification)) == len(mailed)

    # At 7:05 the scheduler finds this morning done: no second run, no second mail.
    later = make_ctx(AT_SEVEN, mail=settings, mailer=Mailer(settings))
    assert morning_signals(later).counts["units_done"] == 0
    assert morning_digest(later).counts["units_done"] == 0
    # Starting the demo again the same day does nothing either.
    again = run_demo_morning(factory, office.id, AT_SEVEN, mail=settings, mailer=Mailer(settings))
    assert again.errors == [] and again.counts["units_done"] == 0
    assert len(inbox.messages) == len(mailed)
    assert (
        db.scalar(select(func.count()).select_from(JobRun).where(JobRun.status == RunStatus.DONE))
        == 2
    )


def test_without_mail_the_demo_morning_still_computes_the_list(
    db: Session, factory: sessionmaker[Session]
) -> None:
    office = demo_office(db)
    res = run_demo_morning(factory, office.id, EARLY)
    assert res.errors == [] and res.counts["units_done"] == 1
    assert done_runs(db, MORNING_ID) == [(office.id, "2026-06-10")]
    assert done_runs(db, DIGEST_ID) == []


def test_checkin_demo_mails_this_morning_into_its_sink_at_start(
    db: Session,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What `checkin demo` does after loading the office: the mail sink up, then the morning
    # run (now, on today's real date), before the scheduler starts.
    office = demo.seed_demo(db, now=utcnow(), train=False).office
    db.commit()
    monkeypatch.setenv("CHECKIN_DATABASE_URL", database_url)
    folder = tmp_path / "mail"
    with MailSink(folder) as sink:
        for key, value in sink.smtp_environ().items():
            monkeypatch.setenv(key, value)
        demo_morning(office.id)
    assert "this morning's run:" in capsys.readouterr().out
    mails = sorted(folder.glob("*.eml"))
    assert mails and all(f.name.endswith(f"@{demo.MAIL_DOMAIN}.eml") for f in mails)
    assert [slot for _, slot in done_runs(db, DIGEST_ID)] == [
        local_date(utcnow(), office.timezone).isoformat()
    ]
