"""Keeping credentials out of the logs.

A client's link ``/c/<token>``, a staff member's first-password link ``/setup/<token>`` and
a LINE self-view link ``/me/<signed>`` are credentials: whoever reads an access log line
could open them. The filter rewrites such a path to ``/c/…`` in every record of the access
loggers (Werkzeug's development server, gunicorn's access and error logs) and of the app's
own logger (Flask's "Exception on /c/<token> [GET]"), also when the path is URL-encoded in
a query string (``?next=%2Fc%2F…``).
"""

from __future__ import annotations

import logging
import re

TOKEN_PATH = re.compile(r"(/(?:c|setup|me)/)[^/\s?#&\"']+")
ENCODED_TOKEN_PATH = re.compile(r"(%2F(?:c|setup|me)%2F)[^%&\s\"'#]+", re.IGNORECASE)
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "checkin.web")


def hide_tokens(text: str) -> str:
    return ENCODED_TOKEN_PATH.sub(r"\1…", TOKEN_PATH.sub(r"\1…", text))


class HideTokens(logging.Filter):
    """Rewrites the record's message with the tokens replaced (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's to report
            return True
        hidden = hide_tokens(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


_FILTER = HideTokens()


def hide_tokens_in_access_logs() -> None:
    """Installs the filter once on each of these loggers (in this process); ``checkin.web``
    is the Flask app's ``app.logger``."""
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
