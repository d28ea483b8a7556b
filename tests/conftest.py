"""flaskr-style fixtures on a real database.

SQLite (a temporary file) by default; PostgreSQL when CHECKIN_TEST_DATABASE_URL is set, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``. The schema comes from the Alembic
migrations, so every run tests them too; each test starts from empty tables.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from checkin.db import make_engine, make_session_factory
from checkin.migrate import upgrade
from checkin.models import Base, Client, Office, Role, StaffUser, Stage
from checkin.services import demo
from checkin.services.morning import run_all_offices
from checkin.web import create_app
from tests.browser_helpers import CHROMIUM

PASSWORD = "correct horse battery"
# A fixed "now": 2026-06-10 09:00 in Tokyo (a Wednesday).
NOW = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)
TODAY = date(2026, 6, 10)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CHECKIN_TEST_DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    if "engine" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("engine")
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
    yield


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def app(engine: Engine, database_url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "ENGINE": engine,
            "SERVER_NAME": "checkin.test",
            "CLOCK": lambda: NOW,
            # Tests move the clock by days within one session; the idle timeout has its
            # own tests (test_sessions_and_leaks.py), which set the real limit.
            "SESSION_IDLE_MINUTES": 365 * 24 * 60,
        }
    )


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["SERVER_NAME"] = None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD)


@dataclass
class World:
    """Two offices; office A has a manager, two supporters and three clients."""

    office: Office
    other_office: Office
    manager: StaffUser
    sato: StaffUser
    suzuki: StaffUser
    outsider: StaffUser
    client_a: Client  # supported by sato
    client_b: Client  # supported by suzuki
    client_c: Client  # supported by sato, self-driving stage
    other_client: Client  # in the other office


@pytest.fixture
def world(db: Session) -> World:
    office = Office(name="A事業所", timezone="Asia/Tokyo")
    other = Office(name="B事業所", timezone="Asia/Tokyo")
    db.add_all([office, other])

    def staff(office: Office, login: str, name: str, role: Role = Role.SUPPORTER) -> StaffUser:
        # One real hash for every test account: scrypt is slow on purpose.
        s = StaffUser(
            office=office, login=login, name=name, role=role, password_hash=_password_hash()
        )
        db.add(s)
        return s

    manager = staff(office, "kanri", "管理", Role.SERVICE_MANAGER)
    sato = staff(office, "sato", "佐藤")
    suzuki = staff(office, "suzuki", "鈴木")
    outsider = staff(other, "yoso", "よそ")
    db.flush()
    start = date(2026, 1, 1)
    a = Client(
        office=office,
        name="田中 健太",
        supporter_id=sato.id,
        backup_supporter_id=suzuki.id,
        service_start=start,
    )
    b = Client(office=office, name="伊藤 美咲", supporter_id=suzuki.id, service_start=start)
    c = Client(
        office=office,
        name="渡辺 大輔",
        supporter_id=sato.id,
        service_start=start,
        stage=Stage.SELF_DRIVING,
    )
    o = Client(office=other, name="山本 翔", supporter_id=outsider.id, service_start=start)
    db.add_all([a, b, c, o])
    db.commit()
    return World(office, other, manager, sato, suzuki, outsider, a, b, c, o)


@pytest.fixture
def seeded(db: Session) -> demo.DemoResult:
    """The demo office (without its learned ranking: training costs seconds per test; see
    test_morning for the trained demo), with this morning's signals already run."""
    result = demo.seed_demo(db, now=NOW, train=False)
    run_all_offices(db, now=NOW)
    db.commit()
    return result


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("CHECKIN_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, login: str, password: str = PASSWORD) -> Any:
        page = self._client.get("/login").get_data(as_text=True)
        return self._client.post(
            "/login",
            data={"login": login, "password": password, "csrf_token": csrf_from(page)},
        )

    def token(self, path: str = "/alerts") -> str:
        return csrf_from(self._client.get(path).get_data(as_text=True))


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
