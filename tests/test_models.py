"""The schema: migrations match the models and the database itself guards the rules."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checkin.models import Base, Channel, CheckIn, Flag, FlagStatus, Severity
from tests.conftest import World


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_one_checkin_per_client_per_local_date(db: Session, world: World) -> None:
    for _ in range(2):
        db.add(
            CheckIn(
                client_id=world.client_a.id,
                local_date=date(2026, 6, 1),
                mood=3,
                fatigue=3,
                channel=Channel.WEB,
            )
        )
    with pytest.raises(IntegrityError):
        db.commit()


def test_the_database_rejects_out_of_range_values(db: Session, world: World) -> None:
    db.add(
        CheckIn(
            client_id=world.client_a.id,
            local_date=date(2026, 6, 1),
            mood=9,
            fatigue=3,
            channel=Channel.WEB,
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()


def test_at_most_one_unresolved_flag_per_client_and_kind(db: Session, world: World) -> None:
    def flag(status: FlagStatus) -> Flag:
        return Flag(
            office_id=world.office.id,
            client_id=world.client_a.id,
            kind="trend",
            severity=Severity.WATCH,
            score=1,
            reasons=[],
            first_date=date(2026, 6, 1),
            last_date=date(2026, 6, 1),
            status=status,
        )

    db.add_all([flag(FlagStatus.RESOLVED), flag(FlagStatus.RESOLVED), flag(FlagStatus.OPEN)])
    db.commit()
    db.add(flag(FlagStatus.ACKNOWLEDGED))
    with pytest.raises(IntegrityError):
        db.commit()


def test_datetimes_come_back_timezone_aware(db: Session, world: World) -> None:
    db.expire_all()
    assert world.client_a.created_at.tzinfo is not None


def test_schema_is_at_the_latest_migration(engine: Engine) -> None:
    from alembic.script import ScriptDirectory

    from checkin.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
