"""LINE reminders as a scheduler job: send what is due and not yet sent, then tidy up.

Off (nothing to do) while the deployment has no LINE access token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from checkin.bot import messenger_from_env, push_limit_from_env
from checkin.bot.housekeeping import prune
from checkin.bot.messenger import Messenger
from checkin.bot.reminders import send_due_reminders
from jobs.base import JobContext, TickResult

JOB_ID = "line-reminders"


def line_reminders_job(
    environ: Callable[[], Mapping[str, str] | None] = lambda: None,
) -> Callable[[JobContext], TickResult]:
    """The tick; ``environ`` supplies the settings (the process environment by default)."""

    def line_reminders(ctx: JobContext) -> TickResult:
        env = environ()
        messenger: Messenger | None = messenger_from_env(env)
        if messenger is None:
            return TickResult()  # LINE is not connected in this deployment
        with ctx.factory.begin() as session:
            summary = send_due_reminders(
                session, now=ctx.now, messenger=messenger, monthly_limit=push_limit_from_env(env)
            )
            pruned = prune(session, now=ctx.now)
        counts = Counter({k: v for k, v in vars(summary).items() if isinstance(v, int) and v})
        counts.update(
            {"events_pruned": pruned.events, "conversations_pruned": pruned.conversations}
        )
        return TickResult(counts=+counts)

    return line_reminders
