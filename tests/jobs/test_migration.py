"""Migration 0003 on a SQLite database that already has data (the suite's schema is fresh)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from checkin.db import make_engine
from checkin.migrate import downgrade, upgrade


def test_0003_upgrades_and_downgrades_sqlite_with_data_in_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # an office with staff: foreign keys point at it
            conn.execute(
                text(
                    "INSERT INTO office (name, timezone, morning_hour, created_at, updated_at) "
                    "VALUES ('x', 'Asia/Tokyo', 7, '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO staff_user (office_id, login, name, role, password_hash, active,"
                    " created_at, updated_at) VALUES (1, 'a', 'a', 'admin', 'h', 1,"
                    " '2026-01-01', '2026-01-01')"
                )
            )
        upgrade(url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT escalation_hour, mail_detail FROM office")).one()
        assert tuple(row) == (10, "counts")
        downgrade(url, "0001")
        upgrade(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM staff_user")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM job_run")).scalar() == 0
    finally:
        engine.dispose()
