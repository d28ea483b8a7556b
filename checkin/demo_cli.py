"""``checkin demo``: the whole product on one machine, and what ``seed-demo`` prints.

The demo runs the development web server, the scheduler (``checkin scheduler`` as a child
process, as in production) and a loopback mail sink (:mod:`checkin.mailsink`) that keeps
the scheduler's mails in ``instance/mail/``. It seeds the demo office the first time and,
on every start, prints the logins and a fresh client link.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

from checkin.settings import instance_dir
from checkin.timeutil import utcnow


def load_demo(base_url: str) -> int:
    """Seed the demo office (and run this morning's signals) unless it is already in the
    database, then print the staff and employer logins and a client's check-in link.
    Returns the demo office's id."""
    from checkin.cli import _unit_of_work
    from checkin.services.demo import demo_info, seed_demo
    from checkin.services.morning import run_all_offices

    now = utcnow()
    with _unit_of_work() as session:
        result = demo_info(session, now=now)
        fresh = result is None
        if result is None:
            result = seed_demo(session, now=now)
            runs = run_all_offices(session, now=now)
        office_name = result.office.name
        office_id = result.office.id
    if fresh:
        flags = sum(r.created for r in runs)
        click.echo(f"demo office: {office_name}  ({flags} flags on this morning's list)")
        ranking = result.ranking
        if ranking is not None and ranking.trained:
            row = ranking.row
            auc = (row.metrics or {}).get("test_auc")
            click.echo(
                f"learned ranking: {row.version} ({row.n_positive} positive, {row.n_negative}"
                f" negative labelled mornings; test AUC {auc:.2f})"
            )
        elif ranking is not None:
            click.echo(f"learned ranking: stays on the rules ({ranking.row.fallback_reason})")
    else:
        click.echo(f"demo office: {office_name}  (already loaded; a fresh client link below)")
    base = base_url.rstrip("/")
    click.echo(f"staff logins at {base}/login (password: {result.password}):")
    for login, name, role in result.logins:
        click.echo(f"  {login:<10} {name}  [{role}]")
    click.echo(f"employer logins at {base}/employer/login (password: {result.password}):")
    for login, name, employer in result.employer_logins:
        click.echo(f"  {login:<10} {name}  [{employer}]")
    click.echo(f"client link for {result.link_client.name} (a new link on every start):")
    click.echo(f"  {base}/c/{result.link_token}")
    return office_id


def demo_morning(office_id: int) -> None:
    """This morning's run for the demo office now, whatever its morning hour (7:00): the
    signals and the digest mail, recorded as done so the scheduler does not repeat them."""
    from checkin.db import make_engine, make_session_factory
    from checkin.settings import load_settings
    from jobs.demo import run_demo_morning
    from jobs.mail import load_mail_settings, make_mailer
    from jobs.status import format_counts

    engine = make_engine(load_settings().database_url)
    try:
        mail = load_mail_settings()
        res = run_demo_morning(
            make_session_factory(engine), office_id, utcnow(), mail=mail, mailer=make_mailer(mail)
        )
    finally:
        engine.dispose()
    errors = f"  ERRORS: {'; '.join(res.errors)}" if res.errors else ""
    click.echo(f"this morning's run: {format_counts(dict(res.counts))}{errors}")


@click.command(
    "demo",
    help="Run the demo: load the demo office if needed, print its logins and a client link,"
    " then serve it with the scheduler and a local mail sink (mails in instance/mail/).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--mail-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where received mails are written as .eml files [default: instance/mail].",
)
def demo_cmd(host: str, port: int, mail_dir: Path | None) -> None:
    try:
        from checkin.mailsink import MailSink
    except ImportError as e:  # aiosmtpd is a development dependency
        raise click.ClickException(
            f"the demo's mail sink needs {e.name}: pip install -c requirements.lock -e '.[dev]'"
        ) from e

    base_url = f"http://{host}:{port}"
    os.environ.setdefault("CHECKIN_ENV", "development")
    os.environ["CHECKIN_PUBLIC_BASE_URL"] = base_url
    office_id = load_demo(base_url)
    folder = mail_dir or instance_dir() / "mail"
    with MailSink(folder) as sink:
        os.environ.update(sink.smtp_environ())
        click.echo(f"mail: the scheduler's mails go to {folder}/ (SMTP sink, port {sink.port})")
        demo_morning(office_id)
        scheduler = subprocess.Popen([sys.executable, "-m", "checkin.cli", "scheduler"])
        # A SIGTERM (kill, timeout, a service manager) must also stop the scheduler: turn it
        # into SystemExit so that the finally below runs (the default ends at once).
        signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(0))
        try:
            from checkin.web import create_app

            create_app().run(host=host, port=port, debug=False, use_reloader=False)
        finally:
            scheduler.terminate()
            try:
                scheduler.wait(timeout=15)
            except subprocess.TimeoutExpired:
                scheduler.kill()
