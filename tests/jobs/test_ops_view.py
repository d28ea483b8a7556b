"""/ops/jobs and `checkin jobs status`: when each job ran, how long, what it did, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

import jobs.morning
from checkin.cli import main
from checkin.models import Role, StaffUser
from jobs.morning import morning_signals
from jobs.registry import JobSpec
from jobs.scheduler import SchedulerApp
from tests.conftest import AuthActions, World, _password_hash
from tests.jobs.test_morning_job import tokyo


def run_a_morning_with_one_failure(
    factory: sessionmaker[Session], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs.morning.run_offices_morning

    def broken_other_office(session: Session, offices: Any, morning: Any, **kw: Any) -> Any:
        if any(o.id == world.other_office.id for o in offices):
            raise RuntimeError("disk full")
        return real(session, offices, morning, **kw)

    monkeypatch.setattr(jobs.morning, "run_offices_morning", broken_other_office)
    spec = JobSpec("morning-signals", timedelta(minutes=5), morning_signals, description="朝")
    SchedulerApp(factory, jobs=[spec], clock=lambda: tokyo(6, 30), holder="host:1").run_due()


def test_admins_and_managers_see_the_jobs_supporters_do_not(
    client: FlaskClient,
    auth: AuthActions,
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_a_morning_with_one_failure(factory, world, monkeypatch)
    db.add(
        StaffUser(
            office=world.office,
            login="admin",
            name="管理者",
            role=Role.ADMIN,
            password_hash=_password_hash(),
        )
    )
    db.commit()
    assert client.get("/ops/jobs").status_code == 302  # login first
    auth.login("sato")
    assert client.get("/ops/jobs").status_code == 403
    client.post("/logout")
    for login in ("admin", "kanri"):
        auth.login(login)
        resp = client.get("/ops/jobs")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert 'id="job-morning-signals"' in html and 'id="job-flag-escalation"' in html
        assert "朝のアラート計算" in html and "未確認アラートの通知" in html
        assert "host:1" in html
        assert "06:30:00" in html  # in the office's local time
        # The tick's error is shown; runs are this office's only (the failure was elsewhere).
        assert "エラー" in html and "RuntimeError: disk full" in html
        assert "完了" in html and "run-failed" not in html
        client.post("/logout")


def test_checkin_jobs_status_prints_the_same(
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_a_morning_with_one_failure(factory, world, monkeypatch)
    monkeypatch.setenv("CHECKIN_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["jobs", "status"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "lease: host:1" in out
    assert "morning-signals" in out and "ERROR office" in out and "disk full" in out
    assert "done" in out and "failed" in out
    assert "clients=3" in out
    assert "flag-escalation" in out and "never" in out
