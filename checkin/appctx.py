"""The request plumbing both channels use (the web pages in ``checkin.web``, LINE in
``checkin.bot``): the request's database session, the app clock, CSRF protection and
absolute links. Neither channel imports the other for these; ``checkin.web`` re-exports
them, so ``from checkin.web import get_db, now`` keeps working."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g, url_for
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from checkin.timeutil import utcnow

csrf = CSRFProtect()


def get_db() -> Session:
    """The request's database session (closed at the end of the request)."""
    if "db" not in g:
        g.db = current_app.extensions["checkin.sessionmaker"]()
    db: Session = g.db
    return db


def now() -> datetime:
    """The current time; tests may pin it with ``config["CLOCK"]`` (a callable)."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` for people outside (cards, LINE): on the public
    address ``CHECKIN_PUBLIC_BASE_URL`` when set, else on the host of this request."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{base.rstrip('/')}{url_for(endpoint, **values)}"
    return url_for(endpoint, **values, _external=True)
