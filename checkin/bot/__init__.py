"""The LINE adapter: webhook, account linking, the check-in conversation and reminders.

Settings (``CHECKIN_`` environment variables, or the app config without the prefix):
``LINE_CHANNEL_SECRET``, ``LINE_CHANNEL_ACCESS_TOKEN``, ``LINE_API_BASE_URL`` (tests point it
at a local stub), ``LINE_MONTHLY_PUSH_LIMIT`` (200, the free plan) and ``LINE_BASIC_ID`` (the
official account's "@..." id, for the add-friend link shown to staff).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from checkin.bot.messenger import LineMessenger, Messenger
from checkin.bot.replies import ReplyQueue

DEFAULT_MONTHLY_PUSH_LIMIT = 200  # LINE's free (communication) plan


def config_str(config: Any, key: str, environ: Any = None) -> str | None:
    """A string setting. ``from_prefixed_env`` parses values as JSON, which would turn an
    all-digit secret into a number: read the raw environment variable then."""
    value = config.get(key)
    if value is None or isinstance(value, str):
        return value or None
    env = os.environ if environ is None else environ
    return env.get(f"CHECKIN_{key}", str(value))


@dataclass
class LineState:
    channel_secret: str | None
    messenger: Messenger | None
    replies: ReplyQueue
    monthly_push_limit: int
    basic_id: str | None


def make_messenger(config: Any) -> Messenger | None:
    if config.get("LINE_MESSENGER") is not None:
        messenger: Messenger = config["LINE_MESSENGER"]
        return messenger
    token = config_str(config, "LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        return None
    return LineMessenger(token, config_str(config, "LINE_API_BASE_URL"))


def _env_config(environ: Mapping[str, str] | None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {k.removeprefix("CHECKIN_"): v for k, v in env.items() if k.startswith("CHECKIN_")}


def messenger_from_env(environ: Mapping[str, str] | None = None) -> Messenger | None:
    """The messenger for jobs outside the web app (None without an access token)."""
    return make_messenger(_env_config(environ))


def push_limit_from_env(environ: Mapping[str, str] | None = None) -> int:
    value = _env_config(environ).get("LINE_MONTHLY_PUSH_LIMIT")
    return int(value) if value else DEFAULT_MONTHLY_PUSH_LIMIT


def init_app(app: Flask) -> None:
    from checkin.appctx import csrf
    from checkin.bot import webhook

    messenger = make_messenger(app.config)
    state = LineState(
        channel_secret=config_str(app.config, "LINE_CHANNEL_SECRET"),
        messenger=messenger,
        replies=ReplyQueue(lambda: messenger),
        monthly_push_limit=int(
            app.config.get("LINE_MONTHLY_PUSH_LIMIT") or DEFAULT_MONTHLY_PUSH_LIMIT
        ),
        basic_id=config_str(app.config, "LINE_BASIC_ID"),
    )
    app.extensions["checkin.line"] = state
    csrf.exempt(webhook.bp)  # LINE signs its requests; there is no browser session
    app.register_blueprint(webhook.bp)


def line_state() -> LineState:
    state: LineState = current_app.extensions["checkin.line"]
    return state
