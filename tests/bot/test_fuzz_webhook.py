"""Property-based fuzzing of the LINE webhook with signed bodies (issue 17): any event a
signed body can carry is answered without a 5xx, and an event that is refused (a NUL
character, a timestamp that is no time) stores nothing, so LINE does not retry it forever.
Bounded and derandomized like tests/test_fuzz.py."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.bot.linking import issue_code
from checkin.models import CheckIn, LineEvent
from tests.bot.conftest import Line, event
from tests.conftest import NOW, World

USER = "U0123456789abcdef0123456789abcdef"
LINE_TIME = 1781049600000  # NOW in LINE's milliseconds

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

words = st.one_of(
    st.sampled_from(["記録", "ヘルプ", "4", "²", "①", "1E-20000", "7.5", "\x00", "a\x00b", ""]),
    st.text(max_size=30),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["あ", "\x00"]), st.sampled_from([1001, 5000])),
)
postback_data = st.one_of(
    st.sampled_from(["ci=start", "ci=a&s=mood&v=4", "ci=a&s=mood&v=²", "ci=a&s=note&v=\x00"]),
    st.text(max_size=40),
)
timestamps = st.one_of(
    st.just(LINE_TIME),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, 2**63, 10**19, -1]),
)
users = st.one_of(st.just(USER), st.sampled_from(["U\x00", "", "x" * 300]), st.text(max_size=40))


@st.composite
def events(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["message", "postback", "follow", "unfollow", "beacon"]))
    extra: dict[str, Any] = {}
    if kind == "message":
        extra["message"] = {"id": "1", "type": "text", "quoteToken": "q", "text": draw(words)}
    elif kind == "postback":
        extra["postback"] = {"data": draw(postback_data)}
    ev = event(kind, draw(users), **extra)
    ev["timestamp"] = draw(timestamps)
    return ev


def _has_nul(value: Any) -> bool:
    return "\x00" in json.dumps(value, ensure_ascii=False)


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


@FUZZ
@given(batch=st.lists(events(), min_size=1, max_size=3))
def test_fuzz_signed_webhook_bodies(
    db: Session, world: World, line: Line, batch: list[dict[str, Any]]
) -> None:
    if not db.scalar(select(func.count()).select_from(LineEvent)):
        code, _ = issue_code(db, world.client_a, now=NOW)  # USER is linked to a client
        db.commit()
        assert line.say(USER, code)
    before = count(db, LineEvent)
    resp = line.post(*batch)
    assert resp.status_code < 500, batch
    refused = [
        e for e in batch if _has_nul(e) or not (946684800000 <= e["timestamp"] <= 4102444800000)
    ]
    # Every event is handled or refused; a refused one is never stored.
    assert count(db, LineEvent) <= before + len(batch) - len(refused), batch
    db.expire_all()
    assert not any("\x00" in (c.note or "") for c in db.scalars(select(CheckIn)))
