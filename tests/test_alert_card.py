"""The alert card: the answer behind a same-day 「相談したい」, reasons in one or two lines and
the statistics behind 「くわしく」."""

from __future__ import annotations

import re
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.models import Channel
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.flags import upsert_candidates
from checkin.signals import FlagCandidate, Reason
from tests.conftest import NOW, TODAY, AuthActions, World


def card_of(html: str, flag_id: int) -> str:
    m = re.search(rf'<li class="card flag[^"]*" id="flag-{flag_id}">(.*?)\n</li>', html, re.S)
    assert m is not None
    return m.group(1)


def test_a_same_day_contact_flag_shows_the_answer_and_note_that_raised_it(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    answer = CheckinInput(
        mood=2,
        fatigue=4,
        sleep_hours=Decimal("5.5"),
        sleep_quality=2,
        note="職場で\u3000うまく いかない",
        wants_contact=True,
    )
    (flag,) = record_checkin(db, world.client_a, answer, channel=Channel.WEB, now=NOW).urgent_flags
    db.commit()
    auth.login("sato")
    card = card_of(client.get("/alerts").get_data(as_text=True), flag.id)
    assert f"{TODAY.month}/{TODAY.day}の回答" in card
    assert "気分 2/5" in card and "疲れ 4/5" in card and "睡眠 5.5時間" in card
    assert "職場で\u3000うまく いかない" in card
    # a trend flag shows no answer block
    assert "の回答" not in client.get("/alerts?severity=high").get_data(as_text=True)


def test_reasons_are_two_lines_and_the_statistics_are_behind_kuwashiku(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    reasons = (
        Reason("trend_accumulated", "一行目", {"detail": "累積5.5/基準1.3"}),
        Reason("fatigue_streak", "二行目", {"days": 4}),
        Reason("trend_worsening", "三行目", {"detail": "1日あたり+0.16ずつ変化"}),
    )
    cand = FlagCandidate(world.client_a.id, "trend", "high", 60.0, reasons)
    flag = upsert_candidates(db, world.office, TODAY, [cand], now=NOW).touched[0]
    few = FlagCandidate(world.client_b.id, "trend", "watch", 45.0, (Reason("x", "だけ"),))
    plain = upsert_candidates(db, world.office, TODAY, [few], now=NOW).touched[0]
    db.commit()
    auth.login("kanri")
    html = client.get("/alerts?all=1").get_data(as_text=True)
    card = card_of(html, flag.id)
    visible, _, hidden = card.partition('<details class="why-more">')
    assert "一行目" in visible and "二行目" in visible and "三行目" not in visible
    assert "<summary>くわしく</summary>" in hidden
    assert "三行目" in hidden and "累積5.5/基準1.3" in hidden and "+0.16ずつ" in hidden
    assert "累積" not in visible
    assert 'class="why-more"' not in card_of(html, plain.id)  # nothing more to say
