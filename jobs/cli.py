"""``checkin scheduler`` and ``checkin jobs ...`` (added to the main CLI group)."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import click

from checkin.db import make_engine, make_session_factory
from checkin.settings import load_settings
from checkin.timeutil import utcnow

if TYPE_CHECKING:  # the CLI stays quick to start: pandas and APScheduler load on use
    from jobs.scheduler import SchedulerApp


@contextmanager
def _app() -> Iterator[SchedulerApp]:
    """The scheduler's jobs on the configured database; releases the lease and the
    connections on the way out."""
    from jobs.mail import load_mail_settings, make_mailer
    from jobs.scheduler import SchedulerApp

    engine = make_engine(load_settings().database_url)
    mail = load_mail_settings()
    app = SchedulerApp(make_session_factory(engine), mail=mail, mailer=make_mailer(mail))
    try:
        yield app
    finally:
        app.shutdown()
        engine.dispose()


@click.command("scheduler", help="Run the scheduler process (one per deployment).")
@click.option("--log-level", default="INFO", show_default=True)
def scheduler_cmd(log_level: str) -> None:
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # APScheduler logs every run at INFO; our jobs log what they did.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    log = logging.getLogger("jobs")
    with _app() as app:
        sched = app.build()
        log.info(
            "scheduler %s starting: %s (e-mail %s)",
            app.holder,
            ", ".join(j.id for j in app.jobs),
            "on" if app.mail is not None else "off",
        )

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %s: stopping", signum)
            sched.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        with suppress(KeyboardInterrupt):
            sched.start()  # blocks until shutdown


@click.group("jobs", help="Inspect and run the scheduler's jobs.")
def jobs_group() -> None:
    pass


@jobs_group.command("status", help="When each job last ran, how long, what it did, errors.")
@click.option("--office", "office_id", type=int, default=None, help="Runs of one office only.")
@click.option("--limit", default=30, show_default=True)
def status_cmd(office_id: int | None, limit: int) -> None:
    from jobs.status import format_status, job_status

    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            status = job_status(session, office_id=office_id, limit=limit)
            click.echo(format_status(status, utcnow()))
    finally:
        engine.dispose()


@jobs_group.command("run-due", help="Run every job once now (if no scheduler holds the lease).")
def run_due_cmd() -> None:
    from jobs.status import format_counts

    with _app() as app:
        results = app.run_due()
    for job_id, res in results.items():
        if res is None:
            raise click.ClickException("another scheduler process holds the lease; nothing run")
        errors = f"  ERRORS: {'; '.join(res.errors)}" if res.errors else ""
        click.echo(f"{job_id}: {format_counts(dict(res.counts))}{errors}")
