"""The alert card: the answer behind a same-day 「相談したい」, reasons in one or two lines and
the statistics behind 「くわしく」, the 14-day strip of mood, fatigue and sleep; the list's
order."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn, Flag
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.flags import act_on_flag, alert_list, upsert_candidates
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


def strip_of(card: str) -> tuple[str, str]:
    """The strip's grid (for the eye) and its text list (for screen readers)."""
    m = re.search(
        r'<table class="strip-grid"[^>]*>(.*?)</table>.*?<ol class="sr"[^>]*>(.*?)</ol>', card, re.S
    )
    assert m is not None
    return m.group(1), m.group(2)


def cells(grid: str, row: str) -> list[str]:
    m = re.search(rf"<tr><th>{row}</th>(.*?)</tr>", grid, re.S)
    assert m is not None
    return re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))


def test_the_strip_shows_mood_fatigue_and_sleep_through_todays_answer(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    world.client_a.checkin_weekdays = "0123456"  # every day expected
    for back, mood, fatigue, sleep in (
        (1, 4, 5, "4.5"),
        (2, 3, 2, "7.0"),
        (3, 4, 2, None),
        (14, 5, 1, "8.0"),
    ):
        db.add(
            CheckIn(
                client_id=world.client_a.id,
                local_date=TODAY - timedelta(days=back),
                mood=mood,
                fatigue=fatigue,
                sleep_hours=Decimal(sleep) if sleep else None,
                sleep_quality=3,
                channel=Channel.WEB,
            )
        )
    world.client_b.checkin_weekdays = "01234"  # weekdays only
    answer = CheckinInput(
        mood=2, fatigue=4, sleep_hours=Decimal("5.5"), sleep_quality=2, wants_contact=True
    )
    (flag,) = record_checkin(db, world.client_a, answer, channel=Channel.WEB, now=NOW).urgent_flags
    trend = FlagCandidate(world.client_b.id, "trend", "high", 60.0, (Reason("x", "疲れ"),))
    quiet = upsert_candidates(db, world.office, TODAY, [trend], now=NOW).touched[0]
    db.commit()
    auth.login("kanri")
    html = client.get("/alerts?all=1").get_data(as_text=True)

    grid, text = strip_of(card_of(html, flag.id))
    # 14 columns ending today (today answered): 13 days back is the first, 14 days back is out
    assert len(re.findall(r"<th[^>]*>\d+</th>", grid)) == 14
    assert f'<th class="today">{TODAY.day}</th>' in grid
    assert "(今日)" in card_of(html, flag.id)
    assert cells(grid, "気分")[-4:] == ["4", "3", "4", "2"]
    assert cells(grid, "疲れ")[-4:] == ["2", "2", "5", "4"]
    assert cells(grid, "睡眠") == ["", "7", "4.5", "5.5"]  # no sleep given: an empty cell
    # the hard side is dark: fatigue 5 and 4, sleep under 6 h, mood 2; the 「相談したい」 day framed
    assert cells(grid, "気分")[-1] == "2" and '<td class="hard wc">2</td></tr>' in grid
    assert cells(grid, "疲れ").count("5") == 1 and grid.count('class="hard"') == 4
    # a missed expected day is not a day off, in the grid and in the text
    assert grid.count('class="miss"') == 10 and 'class="off"' not in grid
    d = TODAY - timedelta(days=1)
    assert f"<li>{d.month}/{d.day}: 気分 4/5、疲れ 5/5、睡眠 4.5時間</li>" in text
    today = (
        f"<li>{TODAY.month}/{TODAY.day} (今日): 気分 2/5、疲れ 4/5、睡眠 5.5時間、「相談したい」"
    )
    assert f"{today}</li>" in text
    assert text.count("予定日に記録なし") == 10
    d = TODAY - timedelta(days=3)
    assert f"<li>{d.month}/{d.day}: 気分 4/5、疲れ 2/5</li>" in text
    legend = card_of(html, flag.id)
    assert "疲れ 5=とても疲れている" in legend and "=「相談したい」" in legend

    # no answer today: the strip ends yesterday; weekends are days off, weekdays missed
    qgrid, qtext = strip_of(card_of(html, quiet.id))
    assert 'class="today"' not in qgrid and "(今日)" not in card_of(html, quiet.id)
    days = [TODAY - timedelta(days=i) for i in range(14, 0, -1)]
    off = sum(1 for d in days if d.weekday() >= 5)
    assert qgrid.count('class="off"') == off == qtext.count("予定のない日")
    assert qgrid.count('class="miss"') == 14 - off == qtext.count("予定日に記録なし")
    assert "=「相談したい」" not in card_of(html, quiet.id)


def test_urgent_flags_stay_on_top_even_when_acknowledged(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    def raise_(who: str, kind: str, severity: str, score: float) -> Flag:
        cid = getattr(world, who).id
        cand = FlagCandidate(cid, kind, severity, score, (Reason("x", kind),))
        flag: Flag = upsert_candidates(db, world.office, TODAY, [cand], now=NOW).touched[0]
        return flag

    urgent_seen = raise_("client_a", "contact", "urgent", 90.0)
    watch = raise_("client_a", "trend", "watch", 99.0)
    high_seen = raise_("client_b", "missing", "high", 80.0)
    high_weak = raise_("client_c", "trend", "high", 50.0)
    urgent_new = raise_("client_b", "crisis", "urgent", 70.0)
    high_strong = raise_("client_b", "trend", "high", 75.0)
    for f in (urgent_seen, high_seen):
        act_on_flag(db, world.manager, f.id, "acknowledge", "電話した", now=NOW)
    db.commit()
    want = [urgent_new, urgent_seen, high_strong, high_weak, high_seen, watch]
    got = alert_list(db, world.manager, everyone=True, today=TODAY)
    assert [f.id for f in got] == [f.id for f in want]

    auth.login("kanri")
    html = client.get("/alerts?all=1").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'id="flag-(\d+)"', html)] == [f.id for f in want]
    assert "並び順: 緊急 → 高 → 注意。同じ重さでは未確認が先" in html
    assert "確認済み・対応中" in card_of(html, urgent_seen.id)
    assert "確認済み・対応中" not in card_of(html, urgent_new.id)
