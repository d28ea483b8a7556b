"""LINE settings from CHECKIN_* variables."""

from __future__ import annotations

from checkin.bot import config_str, messenger_from_env, push_limit_from_env
from checkin.bot.messenger import LineMessenger


def test_a_secret_that_looks_like_a_number_is_read_verbatim() -> None:
    # Flask's from_prefixed_env parses "1e5" as JSON: 100000.0. The raw variable wins.
    env = {"CHECKIN_LINE_CHANNEL_SECRET": "1e5"}
    assert config_str({"LINE_CHANNEL_SECRET": 100000.0}, "LINE_CHANNEL_SECRET", env) == "1e5"
    assert config_str({"LINE_CHANNEL_SECRET": "abc"}, "LINE_CHANNEL_SECRET", env) == "abc"
    assert config_str({}, "LINE_CHANNEL_SECRET", env) is None


def test_jobs_read_the_messenger_and_limit_from_the_environment() -> None:
    assert messenger_from_env({}) is None
    env = {"CHECKIN_LINE_CHANNEL_ACCESS_TOKEN": "t", "CHECKIN_LINE_MONTHLY_PUSH_LIMIT": "5000"}
    assert isinstance(messenger_from_env(env), LineMessenger)
    assert push_limit_from_env(env) == 5000 and push_limit_from_env({}) == 200
