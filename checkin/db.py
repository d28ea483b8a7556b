"""Engine and session creation from settings, usable without a Flask app context."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def _json_dumps(obj: Any) -> str:
    # Reasons are Japanese: keep them readable in the database.
    return json.dumps(obj, ensure_ascii=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_serializer", _json_dumps)
    # A database error's message must not carry the statement's values (notes, answers,
    # tokens) into the error log.
    kwargs.setdefault("hide_parameters", True)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_web_engine(url: str, **kwargs: Any) -> Engine:
    """The web app's engine: on PostgreSQL without parallel query.

    The pages run small, indexed queries (one office, one client). PostgreSQL's planner
    sometimes prefers a parallel sequential scan of the client table for them (about 30 ms
    against 3 ms for the index plan with 100,000 clients: docs/benchmarks.md); the workers'
    start-up never pays off at this size. The jobs keep the server's default.
    """
    if make_url(url).get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", {"options": "-c max_parallel_workers_per_gather=0"})
    return make_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    from checkin.services.stored_text import check_before_flush

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    # Text the database cannot keep (NUL, longer than its column): a message, not a 500.
    event.listen(factory, "before_flush", check_before_flush)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
