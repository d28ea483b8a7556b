"""The ``checkin`` command line: database, demo data, development server, morning job."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from checkin.bot.cli import line_remind, line_richmenu
from checkin.db import make_engine, make_session_factory, transaction
from checkin.demo_cli import demo_cmd
from checkin.settings import load_settings
from checkin.signals.commands import backtest, evaluate, frontier, tradeoff
from checkin.timeutil import utcnow
from jobs.cli import jobs_group, scheduler_cmd


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """A session in one transaction; the engine is closed afterwards (no leaked connections)."""
    engine = make_engine(load_settings().database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


@click.group(help="checkin: daily check-in and early-warning service (就労定着支援).")
def main() -> None:
    pass


@main.command("init-db", help="Create or upgrade the database schema (Alembic migrations).")
def init_db() -> None:
    from checkin.migrate import upgrade

    url = load_settings().database_url
    upgrade(url)
    click.echo(f"database ready: {_safe_url(url)}")


@main.command(
    "seed-demo",
    help="Load a demo office with 30 clients, 180 days of entries, outcomes and flag"
    " feedback, and train its learned ranking; when it is already loaded, print its logins"
    " and a fresh client link.",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where the service is reached, for the printed client link.",
)
def seed_demo_cmd(base_url: str) -> None:
    from checkin.demo_cli import load_demo

    load_demo(base_url)


def _setup_link_lines(link: object) -> list[str]:
    """A setup link on CHECKIN_PUBLIC_BASE_URL (or its path, with how to set that)."""
    import os

    from checkin.services.office import SETUP_LINK_HOURS, SetupLink

    assert isinstance(link, SetupLink)
    who, zone = link.staff.login, link.staff.office.timezone
    base = (os.environ.get("CHECKIN_PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if base:
        lines = [f"setup link for {who} (works once, for {SETUP_LINK_HOURS} hours):"]
        lines.append(f"  {base}{link.path}")
    else:
        lines = [
            "CHECKIN_PUBLIC_BASE_URL is not set, so only the link's path can be printed.",
            "Set it to the address people open the service at, e.g.",
            "  export CHECKIN_PUBLIC_BASE_URL=https://checkin.example.jp",
            "then open the path below on that address, or run `checkin setup-link LOGIN` again.",
            f"setup path for {who} (works once, for {SETUP_LINK_HOURS} hours):",
            f"  {link.path}",
        ]
    expires = link.expires_at.astimezone(ZoneInfo(zone))
    lines.append(f"valid until {expires:%Y-%m-%d %H:%M} ({zone})")
    return lines


@main.command(
    "create-office",
    help="Create an office and its first administrator, and print the one-time setup link"
    " where the administrator chooses a password (valid once, for 72 hours).",
)
@click.argument("name")
@click.option("--admin", "admin_login", required=True, help="The administrator's login.")
@click.option("--admin-name", default=None, help="The administrator's name (default: the login).")
@click.option("--timezone", default="Asia/Tokyo", show_default=True, help="The office's zone.")
def create_office_cmd(name: str, admin_login: str, admin_name: str | None, timezone: str) -> None:
    from checkin.services.errors import ValidationError
    from checkin.services.office import create_office

    try:
        with _unit_of_work() as session:
            link = create_office(
                session,
                name,
                admin_login=admin_login,
                admin_name=admin_name,
                timezone=timezone,
                now=utcnow(),
            )
            lines = [
                f"office {link.staff.office.id}: {link.staff.office.name}",
                f"administrator: {link.staff.login} ({link.staff.name})",
                *_setup_link_lines(link),
            ]
    except ValidationError as e:
        raise click.ClickException(" ".join(str(m) for m in e.errors.values())) from e
    click.echo("\n".join(lines))  # after the commit: a printed link always works


@main.command(
    "setup-link",
    help="Issue a new one-time setup link for a staff member (e.g. a lost link); their"
    " earlier unused links stop working.",
)
@click.argument("login")
def setup_link_cmd(login: str) -> None:
    from checkin.services.office import find_setup_link_staff, issue_setup_link

    with _unit_of_work() as session:
        staff = find_setup_link_staff(session, login)
        if staff is None:
            raise click.ClickException(f"no staff member has the login {login!r}")
        if not staff.active:
            raise click.ClickException(f"{login} is deactivated; reactivate the account first")
        lines = _setup_link_lines(issue_setup_link(session, staff, now=utcnow()))
    click.echo("\n".join(lines))


@main.command("serve", help="Run the development server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    import os

    from checkin.web import create_app

    os.environ.setdefault("CHECKIN_ENV", "development")
    app = create_app()
    app.run(host=host, port=port, debug=False, use_reloader=False)


@main.command("run-signals", help="Compute this morning's flags (idempotent per date).")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The morning to compute (default: today in each office's time zone).",
)
def run_signals(day: object) -> None:
    from checkin.services.morning import run_all_offices

    morning: date | None = day.date() if day is not None else None  # type: ignore[attr-defined]
    with _unit_of_work() as session:
        results = run_all_offices(session, now=utcnow(), morning=morning)
    for r in results:
        click.echo(
            f"office {r.office_id} morning {r.morning}: {r.clients} clients, "
            f"{r.created} new flags, {r.updated} updated"
        )


@main.command("train-ranker", help="Train the learned ranking now (default: every office).")
@click.option("--office", "office_id", type=int, default=None, help="Only this office's id.")
def train_ranker_cmd(office_id: int | None) -> None:
    from sqlalchemy import select

    from checkin.models import Office
    from checkin.services.ranking import train_office
    from checkin.timeutil import local_date

    now = utcnow()
    with _unit_of_work() as session:
        q = select(Office).order_by(Office.id)
        if office_id is not None:
            q = q.where(Office.id == office_id)
        offices = list(session.scalars(q))
        if not offices:
            raise click.ClickException(f"office {office_id} does not exist")
        for office in offices:
            res = train_office(session, office, local_date(now, office.timezone), now=now)
            row = res.row
            if res.trained:
                m = row.metrics or {}
                click.echo(
                    f"office {office.id}: trained {row.version} through {row.trained_through}"
                    f" ({row.n_positive} positive, {row.n_negative} negative labels;"
                    f" test AUC {m.get('test_auc', float('nan')):.3f},"
                    f" Brier {m.get('test_brier', float('nan')):.3f}); now active"
                )
            else:
                click.echo(f"office {office.id}: stays on the rules ({row.fallback_reason})")


@main.command(
    "anonymize-client",
    help="Anonymize an ended client's records (name, notes, links, LINE ids) while keeping"
    " the answers' numbers, dates and the office's counts. Refused less than 5 years after"
    " the service ended unless --lawful-request gives the reason (docs/retention.md)."
    " Audited; running it again changes nothing more.",
)
@click.option("--office", "office_id", type=int, required=True, help="The office's id.")
@click.option("--client", "client_id", type=int, required=True, help="The client's id.")
@click.option(
    "--lawful-request",
    default=None,
    help="The reason, when a lawful request requires it before the 5 years are over.",
)
def anonymize_client_cmd(office_id: int, client_id: int, lawful_request: str | None) -> None:
    from checkin.models import Client
    from checkin.services.errors import ValidationError
    from checkin.services.retention import Refused, anonymize_client

    try:
        with _unit_of_work() as session:
            client = session.get(Client, client_id)
            if client is None or client.office_id != office_id:
                raise click.ClickException(f"office {office_id} has no client {client_id}")
            result = anonymize_client(
                session, client, now=utcnow(), lawful_request=lawful_request, via="cli"
            )
    except Refused as e:
        raise click.ClickException(f"client {client_id} not anonymized: {e.english()}") from e
    except ValidationError as e:
        raise click.ClickException(" ".join(str(m) for m in e.errors.values())) from e
    done = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())) or "nothing left"
    if result.already:
        click.echo(f"client {client_id} was already anonymized; cleared: {done}")
    else:
        click.echo(f"client {client_id} anonymized; cleared: {done}")


@main.command(
    "backup",
    help="Back up the whole database to PATH (SQLite: the online backup API, safe while the"
    " service runs; PostgreSQL: pg_dump's custom format). The file holds health data: it is"
    " written with mode 0600. See docs/production.md.",
)
@click.argument("path", type=click.Path(dir_okay=False))
def backup_cmd(path: str) -> None:
    import time

    from checkin.backup import BackupError, backup

    url = load_settings().database_url
    started = time.monotonic()
    try:
        done = backup(url, path)
    except BackupError as e:
        raise click.ClickException(str(e)) from e
    click.echo(
        f"backed up {_safe_url(url)} to {done.path} ({done.size / 1e6:.1f} MB,"
        f" {time.monotonic() - started:.1f} s)"
    )


@main.command(
    "restore",
    help="Replace the database's content by the backup at PATH, then upgrade its schema to"
    " this version. Stop the web app and the scheduler first.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_cmd(path: str, yes: bool) -> None:
    import time

    from checkin.backup import BackupError, restore

    url = load_settings().database_url
    if not yes:
        click.confirm(f"Replace everything in {_safe_url(url)} by the backup {path}?", abort=True)
    started = time.monotonic()
    try:
        restore(url, path)
    except BackupError as e:
        raise click.ClickException(str(e)) from e
    click.echo(
        f"restored {_safe_url(url)} from {path} ({time.monotonic() - started:.1f} s);"
        " start the web app and the scheduler again"
    )


main.add_command(scheduler_cmd)
main.add_command(jobs_group)
main.add_command(backtest)
main.add_command(evaluate)
main.add_command(tradeoff)
main.add_command(frontier)
main.add_command(line_remind)
main.add_command(line_richmenu)
main.add_command(demo_cmd)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
