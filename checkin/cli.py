"""The ``checkin`` command line: database, demo data, development server, morning job."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

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
