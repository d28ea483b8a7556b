"""``checkin line-remind``: send the LINE reminders that are due (the scheduler calls it),
then forget old webhook events and abandoned conversations."""

from __future__ import annotations

import click

from checkin.bot.richmenu import line_richmenu

__all__ = ["line_remind", "line_richmenu"]


@click.command("line-remind", help="Send due LINE reminders (idempotent; safe to run often).")
def line_remind() -> None:
    from checkin.bot import messenger_from_env, push_limit_from_env
    from checkin.bot.housekeeping import prune
    from checkin.bot.reminders import send_due_reminders
    from checkin.db import make_engine, make_session_factory, transaction
    from checkin.settings import load_settings
    from checkin.timeutil import utcnow

    messenger = messenger_from_env()
    if messenger is None:
        raise click.ClickException("CHECKIN_LINE_CHANNEL_ACCESS_TOKEN is not set")
    limit = push_limit_from_env()
    engine = make_engine(load_settings().database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            now = utcnow()
            summary = send_due_reminders(session, now=now, messenger=messenger, monthly_limit=limit)
            pruned = prune(session, now=now)
    finally:
        engine.dispose()  # a scheduler calls this often: leave no connection behind
    click.echo(summary.as_text())
    click.echo(f"forgot {pruned.events} old webhook events, {pruned.conversations} conversations")
