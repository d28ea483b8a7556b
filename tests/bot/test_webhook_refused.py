"""Events the service cannot handle at all (a timestamp that is no time, a NUL character):
answered 200 so that LINE does not redeliver them forever, logged as refused, nothing
stored (issue 17)."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.bot.linking import issue_code
from checkin.models import CheckIn, LineAccount, LineConversation, LineEvent
from tests.bot.conftest import Line, postback, text
from tests.conftest import NOW, World

USER = "U0123456789abcdef0123456789abcdef"


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def refused_twice(line: Line, event: dict, caplog: pytest.LogCaptureFixture) -> None:
    """The event and its redelivery: both answered 200 and logged as refused."""
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    with caplog.at_level(logging.WARNING, logger="checkin.bot.webhook"):
        assert line.post(event).status_code == 200
        assert line.post(redelivered).status_code == 200
    refused = [r for r in caplog.records if "LINE event refused" in r.getMessage()]
    assert len(refused) == 2


@pytest.mark.parametrize("ts", [10**30, -(10**30), 2**63, 10**19])
def test_a_huge_timestamp_is_refused_and_answered(
    db: Session, world: World, line: Line, caplog: pytest.LogCaptureFixture, ts: int
) -> None:
    event = text(USER, "記録")
    event["timestamp"] = ts
    refused_twice(line, event, caplog)
    assert count(db, LineEvent) == 0 and count(db, LineAccount) == 0


def test_a_nul_in_a_line_note_is_refused_and_a_redelivery_is_not_a_500(
    db: Session, world: World, line: Line, caplog: pytest.LogCaptureFixture
) -> None:
    code, _ = issue_code(db, world.client_a, now=NOW)
    db.commit()
    assert "つながりました" in line.say(USER, code)
    line.post(postback(USER, "ci=start"))
    for _ in range(10):  # answer each step with its first button until the note
        db.expire_all()
        if db.scalar(select(LineConversation.step)) == "note":
            break
        line.post(postback(USER, next(iter(line.buttons().values()))))
    assert db.scalar(select(LineConversation.step)) == "note"
    events_before = count(db, LineEvent)
    conv_before = db.scalars(select(LineConversation)).all()
    answers = [dict(c.answers or {}) for c in conv_before]
    refused_twice(line, text(USER, "きょうは\x00つかれた"), caplog)
    assert count(db, LineEvent) == events_before  # not stored: nothing to skip or retry
    assert count(db, CheckIn) <= 1
    db.expire_all()
    assert not any(
        "\x00" in json.dumps(c.answers or {}, ensure_ascii=False)
        for c in db.scalars(select(LineConversation))
    )
    assert [dict(c.answers or {}) for c in db.scalars(select(LineConversation))] == answers
    assert not any("\x00" in (c.note or "") for c in db.scalars(select(CheckIn)))
    # the person can go on: a normal message works
    assert line.post(text(USER, "ヘルプ")).status_code == 200
