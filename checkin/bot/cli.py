"""``checkin line-remind``: send the LINE reminders that are due (the scheduler calls it)."""

from __future__ import annotations

import os

import click

from checkin.bot.richmenu import line_richmenu

__all__ = ["line_remind", "line_richmenu"]


@click.command("line-remind", help="Send due LINE reminders (idempotent; safe to run often).")
def line_remind() -> None:
    from checkin.bot import DEFAULT_MONTHLY_PUSH_LIMIT, make_messenger
    from checkin.bot.reminders import send_due_reminders
    from checkin.cli import _factory
    from checkin.db import transaction
    from checkin.timeutil import utcnow

    config = {k[len("CHECKIN_") :]: v for k, v in os.environ.items() if k.startswith("CHECKIN_")}
    messenger = make_messenger(config)
    if messenger is None:
        raise click.ClickException("CHECKIN_LINE_CHANNEL_ACCESS_TOKEN is not set")
    limit = int(config.get("LINE_MONTHLY_PUSH_LIMIT") or DEFAULT_MONTHLY_PUSH_LIMIT)
    with transaction(_factory()) as session:
        summary = send_due_reminders(
            session, now=utcnow(), messenger=messenger, monthly_limit=limit
        )
    click.echo(summary.as_text())
