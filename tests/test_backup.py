"""Backup and restore (``checkin backup`` / ``checkin restore``) on the test's backend: a
populated scratch database is backed up, damaged, restored, and then serves its pages.

On PostgreSQL the scratch database is created here and dropped after (the suite's own
database is left alone); the test is skipped only when pg_dump is not installed."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from checkin import backup
from checkin.cli import main
from checkin.db import make_engine, make_session_factory
from checkin.migrate import upgrade
from checkin.models import Base, CheckIn, Client
from checkin.services import demo
from checkin.services.morning import run_all_offices
from checkin.web import create_app
from tests.conftest import NOW, csrf_from


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("CHECKIN_TEST_DATABASE_URL")
    if not url or make_url(url).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    try:
        backup.pg_tool("pg_dump")
        backup.pg_tool("pg_restore")
    except backup.BackupError as e:
        pytest.skip(str(e))
    name = f"{make_url(url).database}_restore_{os.getpid()}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_backup_damage_restore_and_serve(scratch_url: str, tmp_path: Path) -> None:
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with make_session_factory(engine)() as db:
        office = demo.seed_demo(db, now=NOW, train=False)
        run_all_offices(db, now=NOW)
        db.commit()
        client_id, client_name = office.link_client.id, office.link_client.name
        staff_login = next(login for login, _, role in office.logins if role == "service_manager")
    engine.dispose()
    before = _counts(scratch_url)
    assert before["checkin"] > 3000 and before["flag"] > 0 and before["audit_event"] >= 0

    path = tmp_path / "backups" / "checkin.dump"
    done = backup.backup(scratch_url, path)
    assert done.size > 0 and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # health data: the owner only
    assert not list(path.parent.glob(".*partial"))

    # damage: entries deleted, a name overwritten, a table dropped
    engine = make_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(CheckIn.__table__.delete())
        conn.execute(Client.__table__.update().values(name="壊れた"))
        conn.execute(text("DROP TABLE flag_feedback"))
    engine.dispose()
    assert "flag_feedback" not in _tables(scratch_url)

    backup.restore(scratch_url, path)
    assert _counts(scratch_url) == before

    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": scratch_url,
            "SERVER_NAME": "checkin.test",
            "CLOCK": lambda: NOW,
        }
    )
    try:
        web = app.test_client()
        page = web.get("/login").get_data(as_text=True)
        resp = web.post(
            "/login",
            data={"login": staff_login, "password": office.password, "csrf_token": csrf_from(page)},
        )
        assert resp.status_code == 302
        html = web.get(f"/clients/{client_id}").get_data(as_text=True)
        assert client_name in html and "壊れた" not in html
        assert web.get("/alerts?all=1").status_code == 200
        assert web.get(f"/c/{office.link_token}").status_code == 200  # the client's link works
    finally:
        app.extensions["checkin.engine"].dispose()


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_commands_and_their_errors(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(scratch_url)
    monkeypatch.setenv("CHECKIN_DATABASE_URL", scratch_url)
    runner = CliRunner()
    path = tmp_path / "b.dump"
    res = runner.invoke(main, ["backup", str(path)])
    assert res.exit_code == 0, res.output
    assert "backed up" in res.output and "test-secret" not in res.output
    res = runner.invoke(main, ["restore", str(path)], input="n\n")
    assert res.exit_code == 1  # not confirmed: nothing done
    res = runner.invoke(main, ["restore", "--yes", str(path)])
    assert res.exit_code == 0, res.output
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    res = runner.invoke(main, ["restore", "--yes", str(bogus)])
    assert res.exit_code == 1 and "is not a" in res.output
    if backup.backend_of(scratch_url) == "postgresql":
        monkeypatch.setenv(backup.PG_BIN_ENV, str(tmp_path))
        res = runner.invoke(main, ["backup", str(path)])
        assert res.exit_code == 1 and "pg_dump not found" in res.output


def test_a_missing_pg_dump_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(backup.PG_BIN_ENV, str(tmp_path))
    with pytest.raises(backup.BackupError, match="pg_restore not found in CHECKIN_PG_BIN_DIR"):
        backup.pg_tool("pg_restore")
    monkeypatch.delenv(backup.PG_BIN_ENV)
    monkeypatch.setattr(backup, "DEBIAN_PG_DIRS", tmp_path / "none")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="apt-get install postgresql-client"):
        backup.pg_tool("pg_dump")
