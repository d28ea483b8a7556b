"""The production files in deploy/ (docs/production.md) name commands that exist."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from checkin.cli import main

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / name)
    return unit


def test_the_units_start_the_web_app_and_the_scheduler() -> None:
    web = _unit("checkin-web.service")["Service"]
    # One start command everywhere (README, docs): the repository's gunicorn.conf.py.
    assert re.search(r"/\.venv/bin/gunicorn -c \S*gunicorn\.conf\.py$", web["ExecStart"])
    assert "CHECKIN_BIND=127.0.0.1:" in web["Environment"]  # loopback: the proxy is the door
    scheduler = _unit("checkin-scheduler.service")["Service"]
    assert scheduler["ExecStart"].endswith("/.venv/bin/checkin scheduler")
    for unit in (web, scheduler):
        assert unit["Restart"] == "always" and unit["UMask"] == "0077"
        assert unit["User"] == "checkin" and unit["EnvironmentFile"] == "/etc/checkin/checkin.env"
    timer = _unit("checkin-backup.timer")["Timer"]
    assert timer["OnCalendar"] and timer["Persistent"] == "true"


def test_every_checkin_command_named_in_the_deploy_files_and_docs_exists() -> None:
    texts = [p.read_text() for p in DEPLOY.iterdir()]
    texts.append((DEPLOY.parent / "docs" / "production.md").read_text())
    named = {m for t in texts for m in re.findall(r"bin/checkin ([a-z][a-z-]+)", t)}
    named |= {m for t in texts for m in re.findall(r"^checkin ([a-z][a-z-]+)", t, re.M)}
    assert {"backup", "restore", "scheduler", "init-db"} <= named
    assert named <= set(main.commands), named - set(main.commands)


def test_the_env_example_names_only_real_settings() -> None:
    text = (DEPLOY / "checkin.env.example").read_text()
    names = re.findall(r"^#? ?(CHECKIN_[A-Z_]+)=", text, re.M)
    readme = (DEPLOY.parent / "README.md").read_text()
    for name in names:
        assert name in readme or name.startswith(("CHECKIN_SMTP_", "CHECKIN_LINE_")), name
