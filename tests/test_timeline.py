"""The client timeline on /clients/<id>: its data, ranges, office isolation, query count,
and the vendored charting library."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client, Contact, ContactKind, Flag, OfficeClosedDay, Severity
from checkin.models.client import Channel
from checkin.services.links import issue_link
from checkin.services.morning import load_frames
from checkin.services.office import load_closed_days
from checkin.signals.engine import ITEMS, detect
from tests.conftest import NOW, TODAY, AuthActions, World

MISSED = date(2026, 6, 5)  # a Friday, a workday of client a
NOTE_DAY = date(2026, 6, 8)
FLAG_DAY = date(2026, 6, 9)
CONTACT_AT = datetime(2026, 6, 3, 6, 30, tzinfo=UTC)  # 15:30 in Tokyo, 6/3


def add_entry(db: Session, client: Client, d: date, mood: int, **kw: Any) -> None:
    db.add(
        CheckIn(
            client_id=client.id,
            local_date=d,
            mood=mood,
            fatigue=kw.pop("fatigue", 2),
            sleep_hours=Decimal(str(kw.pop("sleep_hours", 7.0))),
            sleep_quality=kw.pop("sleep_quality", 3),
            channel=Channel.WEB,
            created_at=NOW,
            updated_at=NOW,
            **kw,
        )
    )


@pytest.fixture
def history(db: Session, world: World) -> World:
    """Client a answers every workday of the last 10 weeks (mood by weekday) except one
    Friday; writes a note and asks to talk on 6/8; a flag was raised on 6/9 and sato called
    on 6/3. Client b answers now and then (the office's values)."""
    a, b = world.client_a, world.client_b
    for back in range(70, 0, -1):
        d = TODAY - timedelta(days=back)
        if d.weekday() < 5 and d != MISSED:
            extra: dict[str, Any] = {}
            if d == NOTE_DAY:
                extra = {"note": "仕事が多くてつらい", "wants_contact": True}
            add_entry(db, a, d, 2 + d.weekday() % 3, fatigue=1 + d.weekday() % 4, **extra)
        if d.weekday() in (0, 3):
            add_entry(db, b, d, 4, sleep_hours=6.0)
    db.add(
        Flag(
            office_id=a.office_id,
            client_id=a.id,
            kind="trend",
            severity=Severity.HIGH,
            score=2.0,
            reasons=[{"code": "trend", "text": "気分がいつもより低い日が続いています"}],
            first_date=FLAG_DAY,
            last_date=TODAY,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.add(
        Contact(
            office_id=a.office_id,
            client_id=a.id,
            staff_id=world.sato.id,
            kind=ContactKind.CALL,
            occurred_at=CONTACT_AT,
            note="様子を聞いた",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.commit()
    return world


def timeline_json(client: FlaskClient, client_id: int, range_key: str | None = None) -> Any:
    url = f"/clients/{client_id}/timeline.json" + (f"?range={range_key}" if range_key else "")
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_json()


def test_the_timeline_carries_entries_missed_days_flags_contacts_and_notes_on_their_dates(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    tl = timeline_json(client, history.client_a.id)
    assert (tl["range"], tl["start"], tl["end"]) == ("month", "2026-05-12", "2026-06-10")
    by_day = {d["date"]: d for d in tl["days"]}
    assert len(by_day) == 30
    # 6/9 was a Tuesday: mood 2 + 1 % 3 = 3, fatigue 1 + 1 % 4 = 2.
    assert by_day["2026-06-09"]["mood"] == 3 and by_day["2026-06-09"]["fatigue"] == 2
    assert by_day["2026-06-09"]["sleep_hours"] == 7.0
    assert by_day["2026-06-05"]["flags"] == [] and by_day["2026-06-05"]["contacts"] == []
    assert by_day["2026-06-05"]["missed"] and not by_day["2026-06-05"]["answered"]
    # Weekends are not expected; today is not missed yet (the client may still answer).
    assert not by_day["2026-06-06"]["missed"] and not by_day["2026-06-06"]["expected"]
    assert not by_day["2026-06-10"]["missed"] and by_day["2026-06-10"]["expected"]
    assert tl["missed"] == ["2026-06-05"]
    assert [(f["date"], f["severity"], f["last_date"]) for f in tl["flags"]] == [
        ("2026-06-09", "high", "2026-06-10")
    ]
    assert by_day["2026-06-09"]["flags"][0]["reasons"] == "気分がいつもより低い日が続いています"
    [contact] = tl["contacts"]
    assert (contact["date"], contact["time"], contact["label"], contact["staff"]) == (
        "2026-06-03",
        "15:30",
        "電話",
        "佐藤",
    )
    assert by_day["2026-06-03"]["contacts"] == [contact]
    assert tl["notes"] == [
        {
            "date": "2026-06-08",
            "label": "6/8 (月)",
            "text": "仕事が多くてつらい",
            "wants_contact": True,
        }
    ]


def test_the_usual_band_is_the_engines_usual_and_spread_of_this_morning(
    db: Session, client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    tl = timeline_json(client, history.client_a.id)
    # The morning job's own rows and detector for this morning.
    entries, clients = load_frames(db, [history.office.id], TODAY)
    det = detect(entries, clients, [TODAY])
    row = det[det["client_id"] == history.client_a.id].iloc[0]
    for item in ITEMS:
        band = tl["usual"][item]
        assert band["usual"] == round(float(row[f"{item}_usual"]), 2), item
        assert band["spread"] == round(float(row[f"{item}_spread"]), 2), item
        assert band["low"] == round(float(row[f"{item}_usual"] - row[f"{item}_spread"]), 2)
        assert band["own_entries"] == int(row[f"{item}_n_usual"])
    assert tl["usual"]["mood"]["own_entries"] == 30  # the 6 weeks' workdays before the last 2


def test_the_usual_band_by_hand(
    db: Session, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    # Alone in its office, answering 2 and 4 in turn: the interquartile mean is 3 and the
    # spread 1.2533 x the mean absolute deviation from the median (1).
    other = world.other_client
    for back in range(15, 57):
        add_entry(db, other, TODAY - timedelta(days=back), 2 + 2 * (back % 2))
    db.commit()
    auth.login("yoso")
    band = timeline_json(client, other.id)["usual"]["mood"]
    assert band == {
        "usual": 3.0,
        "spread": 1.25,
        "low": 1.75,
        "high": 4.25,
        "own_entries": 42,
    }


def test_weekly_and_monthly_averages_and_answer_rates(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    tl = timeline_json(client, history.client_a.id)
    week = next(w for w in tl["weeks"] if w["start"] == "2026-06-01")
    # Mon..Thu answered (moods 2, 3, 4, 2), Friday missed, weekend not expected.
    assert week["label"] == "6/1〜6/7"
    assert week["mood"] == round((2 + 3 + 4 + 2) / 4, 2)
    assert (week["answered"], week["expected"], week["missed"], week["rate"]) == (4, 5, 1, 0.8)
    # This week: Mon, Tue answered; today (Wed) is not counted until answered.
    this = tl["weeks"][-1]
    assert (this["start"], this["end"], this["expected"], this["rate"]) == (
        "2026-06-08",
        "2026-06-10",
        2,
        1.0,
    )
    assert [m["label"] for m in tl["months"]] == ["2026年5月 (12〜31日)", "2026年6月 (1〜10日)"]
    june = tl["months"][1]
    assert (june["answered"], june["expected"], june["missed"]) == (6, 7, 1)
    assert tl["total"]["answered"] == sum(m["answered"] for m in tl["months"])


@pytest.mark.parametrize(
    ("key", "days", "start"),
    [
        ("week", 7, "2026-06-04"),
        ("month", 30, "2026-05-12"),
        ("3m", 91, "2026-03-12"),
        ("nonsense", 30, "2026-05-12"),
        (None, 30, "2026-05-12"),
    ],
)
def test_ranges(
    client: FlaskClient,
    auth: AuthActions,
    history: World,
    key: str | None,
    days: int,
    start: str,
) -> None:
    auth.login("sato")
    tl = timeline_json(client, history.client_a.id, key)
    assert len(tl["days"]) == days
    assert (tl["start"], tl["end"]) == (start, "2026-06-10")
    assert tl["days"][0]["date"] == start


def test_the_page_shows_the_chart_data_and_the_same_data_as_a_table(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    html = client.get(f"/clients/{history.client_a.id}?range=week").get_data(as_text=True)
    # The chart's data in a JSON block (no inline script: CSP), equal to the endpoint's.
    m = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', html, re.S)
    assert m
    assert json.loads(m.group(1)) == timeline_json(client, history.client_a.id, "week")
    assert 'src="/static/timeline.js"' in html and "/static/vendor/uPlot.iife.min.js" in html
    assert "<script>" not in html
    # The range links, the current one marked.
    assert re.search(r'href="[^"]*range=week#timeline" aria-current="page">1週間', html)
    assert 'range=3m#timeline">3か月' in html
    # The daily table (open without JavaScript) has the missed day, flag, contact, note.
    assert '<details id="timeline-table" open>' in html
    row = re.search(r'<tr data-date="2026-06-05" class="missing">(.*?)</tr>', html, re.S)
    assert row and "記録なし (予定日)" in row.group(1)
    row = re.search(r'<tr data-date="2026-06-09"[^>]*>(.*?)</tr>', html, re.S)
    assert row and "sev-high" in row.group(1) and "気分がいつもより低い" in row.group(1)
    row = re.search(r'<tr data-date="2026-06-08"[^>]*>(.*?)</tr>', html, re.S)
    assert row and "相談したい" in row.group(1) and "仕事が多くてつらい" in row.group(1)
    # Notes beside the chart; the averages table with the answer rate.
    aside = html.split('<aside class="timeline-notes"')[1].split("</aside>")[0]
    assert "6/8 (月)" in aside and "仕事が多くてつらい" in aside
    assert "予定日の記録率" in html and "期間全体" in html


def test_month_view_shows_the_contact_in_the_table(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    html = client.get(f"/clients/{history.client_a.id}").get_data(as_text=True)
    row = re.search(r'<tr data-date="2026-06-03"[^>]*>(.*?)</tr>', html, re.S)
    assert row and "電話" in row.group(1) and "15:30 佐藤" in row.group(1)


def test_another_offices_client_is_not_found_for_page_and_json(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    other = history.other_client.id
    assert client.get(f"/clients/{other}/timeline.json").status_code in (302, 303)  # login
    auth.login("sato")
    assert client.get(f"/clients/{other}").status_code == 404
    assert client.get(f"/clients/{other}/timeline.json").status_code == 404
    assert client.get("/clients/999999/timeline.json").status_code == 404


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_query_count_does_not_grow_with_the_range(
    app: Any, client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    engine = app.config["ENGINE"]
    counts = {}
    bands = {}
    for key in ("month", "week", "3m"):
        with counting(engine) as statements:
            bands[key] = timeline_json(client, history.client_a.id, key)["usual"]
        counts[key] = len(statements)
    # The first view of the morning reads the office's rows for the usual band; later views
    # of the same office that morning take it from the cache, with the same numbers. The
    # first view is also audited (one INSERT); every view checks whether it already was
    # within ten minutes (services/views.py).
    assert counts["month"] == counts["week"] + 2
    assert bands["month"] == bands["week"] == bands["3m"]
    assert counts["week"] == counts["3m"]
    # login/session, client, office + entries, usual, flags, contacts, view audit
    assert counts["month"] <= 10


def test_the_vendored_chart_library_is_the_one_npm_installs(repo_root: Path) -> None:
    package = json.loads((repo_root / "package.json").read_text())
    lock = json.loads((repo_root / "package-lock.json").read_text())
    version = package["dependencies"]["uplot"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pin an exact version"
    assert lock["packages"]["node_modules/uplot"]["version"] == version
    installed = repo_root / "node_modules" / "uplot"
    assert installed.exists(), "run `npm ci` (make test does)"
    assert json.loads((installed / "package.json").read_text())["version"] == version
    vendor = repo_root / "checkin" / "web" / "static" / "vendor"
    for ours, theirs in (
        ("uPlot.iife.min.js", "dist/uPlot.iife.min.js"),
        ("uPlot.min.css", "dist/uPlot.min.css"),
        ("uPlot.LICENSE", "LICENSE"),
    ):
        assert (vendor / ours).read_bytes() == (installed / theirs).read_bytes(), ours


# --- paging back: ?end=YYYY-MM-DD on the page and the JSON


def timeline_at(client: FlaskClient, client_id: int, query: str) -> Any:
    resp = client.get(f"/clients/{client_id}/timeline.json?{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_a_past_period_has_its_days_links_and_that_mornings_band(
    db: Session, client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    a = history.client_a
    tl = timeline_at(client, a.id, "range=month&end=2026-05-11")
    assert (tl["start"], tl["end"], tl["today"]) == ("2026-04-12", "2026-05-11", "2026-06-10")
    assert len(tl["days"]) == 30 and tl["days"][-1]["date"] == "2026-05-11"
    assert (tl["prev_end"], tl["next_end"]) == ("2026-04-11", "2026-06-10")
    # Entries of that period only (a answers every workday; 6/5 is in another period).
    assert tl["missed"] == [] and tl["total"]["answered"] == 21
    assert tl["notes"] == [] and tl["flags"] == [] and tl["contacts"] == []
    # The band is the signals engine's own for the morning of the period's last day.
    morning = date(2026, 5, 11)
    entries, clients = load_frames(db, [history.office.id], morning)
    det = detect(entries, clients, [morning])
    row = det[det["client_id"] == a.id].iloc[0]
    assert tl["usual_as_of"] == "2026-05-11"
    for item in ITEMS:
        assert tl["usual"][item]["usual"] == round(float(row[f"{item}_usual"]), 2), item
        assert tl["usual"][item]["own_entries"] == int(row[f"{item}_n_usual"]), item
    # a's entries start 70 days back (4/1): the workdays 4/1-4/24 are in 5/11's base window.
    assert tl["usual"]["mood"]["own_entries"] == 18
    assert tl["usual"] != timeline_json(client, a.id)["usual"]
    # A week ending on a past workday without an entry: that day is missed, not "not yet".
    week = timeline_at(client, a.id, "range=week&end=2026-06-05")
    assert week["missed"] == ["2026-06-05"] and week["next_end"] == "2026-06-10"
    assert (week["start"], week["prev_end"]) == ("2026-05-30", "2026-05-29")


def test_past_bands_are_cached_per_office_morning_and_day(
    app: Any, client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    engine = app.config["ENGINE"]
    counts, bands = [], []
    for query in ("range=week", "range=week&end=2026-05-11", "range=3m&end=2026-05-11"):
        with counting(engine) as statements:
            bands.append(timeline_at(client, history.client_a.id, query)["usual"])
        counts.append(len(statements))
    # Today's band does not answer for 5/11 (a query of its own), then 5/11's is cached.
    # (The first look is audited: one INSERT more; services/views.py.)
    assert counts[1] == counts[0] - 1 and counts[2] == counts[1] - 1
    assert bands[1] == bands[2] != bands[0]


def test_the_period_links_on_the_page(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    auth.login("sato")
    cid = history.client_a.id
    html = client.get(f"/clients/{cid}?range=week").get_data(as_text=True)
    nav = html.split('<nav class="period-switch"')[1].split("</nav>")[0]
    prev = f'href="/clients/{cid}?range=week&amp;end=2026-06-03#timeline" rel="prev">← 前の期間'
    assert prev in nav
    assert "次の期間" not in nav  # the period ends today
    # A past period: both links, the view kept; the next one back to today has no end.
    html = client.get(f"/clients/{cid}?range=week&end=2026-06-03").get_data(as_text=True)
    nav = html.split('<nav class="period-switch"')[1].split("</nav>")[0]
    assert 'range=week&amp;end=2026-05-27#timeline" rel="prev">' in nav
    assert f'href="/clients/{cid}?range=week#timeline" rel="next">次の期間 →' in nav
    # The range switch keeps the period's end; the band note says which morning it is.
    assert f'href="/clients/{cid}?range=month&amp;end=2026-06-03#timeline"' in html
    assert "この期間の最後の日 2026-06-03 の朝の値です" in html
    # 3 months ending 4/2 start 1/2: the one before ends on the client's start, 1/1; the
    # one after would end 7/2 and is the one ending today.
    html = client.get(f"/clients/{cid}?range=3m&end=2026-04-02").get_data(as_text=True)
    nav = html.split('<nav class="period-switch"')[1].split("</nav>")[0]
    assert 'range=3m&amp;end=2026-01-01#timeline" rel="prev">' in nav
    assert 'range=3m#timeline" rel="next">' in nav
    html = client.get(f"/clients/{cid}?range=3m&end=2026-04-01").get_data(as_text=True)
    nav = html.split('<nav class="period-switch"')[1].split("</nav>")[0]
    assert 'rel="prev"' not in nav and 'rel="next"' in nav  # starts on the client's start


def test_no_earlier_period_before_the_clients_start(
    db: Session, client: FlaskClient, auth: AuthActions, history: World
) -> None:
    a = history.client_a
    a.service_start = date(2026, 5, 20)
    db.commit()
    auth.login("sato")
    tl = timeline_at(client, a.id, "range=week&end=2026-05-26")
    assert tl["start"] == "2026-05-20" and tl["prev_end"] is None
    tl = timeline_at(client, a.id, "range=month")
    assert tl["prev_end"] is None and tl["next_end"] is None
    html = client.get(f"/clients/{a.id}?range=month").get_data(as_text=True)
    assert 'class="period-switch"' not in html
    # The start day itself may end a period; the day before may not.
    assert timeline_at(client, a.id, "end=2026-05-20")["end"] == "2026-05-20"
    resp = client.get(f"/clients/{a.id}/timeline.json?end=2026-05-19")
    assert resp.status_code == 400
    message = "期間の終わりの日付は 2026-05-20 から 2026-06-10 までの日にしてください。"
    assert resp.get_json() == {"errors": {"end": message}}


@pytest.mark.parametrize(
    ("end", "message"),
    [
        ("nonsense", "2026-04-01 の形で指定してください"),
        ("2026-02-30", "2026-04-01 の形で指定してください"),
        ("2026-W14-1", "2026-04-01 の形で指定してください"),
        ("20260401", "2026-04-01 の形で指定してください"),
        ("2026-06-11", "2026-01-01 から 2026-06-10 までの日"),  # tomorrow
        ("2025-12-31", "2026-01-01 から 2026-06-10 までの日"),  # before the start
    ],
)
def test_a_bad_end_is_refused_with_a_message(
    client: FlaskClient, auth: AuthActions, history: World, end: str, message: str
) -> None:
    auth.login("sato")
    cid = history.client_a.id
    resp = client.get(f"/clients/{cid}/timeline.json", query_string={"end": end})
    assert resp.status_code == 400
    assert message in resp.get_json()["errors"]["end"]
    # The page says so and shows the period up to today instead (never a 500).
    resp = client.get(f"/clients/{cid}", query_string={"end": end, "range": "week"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    alert = html.split('<div class="error-summary" role="alert">')[1].split("</div>")[0]
    assert message in alert and "きょうまでの期間を表示しています。" in alert
    assert '<tr data-date="2026-06-10"' in html and '<tr data-date="2026-06-04"' in html


def test_a_past_period_of_another_offices_client_is_not_found(
    client: FlaskClient, auth: AuthActions, history: World
) -> None:
    other = history.other_client.id
    auth.login("sato")
    for url in (f"/clients/{other}", f"/clients/{other}/timeline.json"):
        assert client.get(url, query_string={"end": "2026-05-01"}).status_code == 404
        assert client.get(url, query_string={"end": "bad"}).status_code == 404


# --- missed days follow the signals: from the first day the client could answer, and not
# on the office's closed days


def test_missed_days_start_at_the_card_and_skip_closed_days(
    db: Session, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    # Client a (service start 1/1, weekdays) got a card 14 days ago and never answered;
    # the office was closed on Monday 6/1 and Tuesday 6/2.
    issue_link(db, world.client_a, now=NOW - timedelta(days=14))
    for day in (date(2026, 6, 1), date(2026, 6, 2)):
        db.add(OfficeClosedDay(office_id=world.office.id, day=day))
    db.commit()
    auth.login("sato")
    tl = timeline_json(client, world.client_a.id, "month")
    card_day = (NOW - timedelta(days=14)).date()  # 5/27 in Tokyo too (09:00)
    weekdays = [
        card_day + timedelta(days=i)
        for i in range((TODAY - card_day).days)
        if (card_day + timedelta(days=i)).weekday() < 5
    ]
    want = [d.isoformat() for d in weekdays if d not in (date(2026, 6, 1), date(2026, 6, 2))]
    assert tl["missed"] == want and len(want) == 8
    # The morning job counts the same days: all of them silent.
    entries, clients = load_frames(db, [world.office.id], TODAY)
    closed = load_closed_days(db, [world.office.id], TODAY - timedelta(days=90), TODAY)
    det = detect(entries, clients, [TODAY], closed_days=closed)
    row = det[det["client_id"] == world.client_a.id].iloc[0]
    assert int(row["silent_days"]) == len(tl["missed"])


def test_no_missed_day_before_the_client_can_answer(
    db: Session, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    # No card, no LINE, no answer: no day is missed yet (the signals expect none either).
    auth.login("sato")
    assert timeline_json(client, world.client_a.id, "month")["missed"] == []
    # An answer 10 days ago (without a card: imported) makes the days from then expected.
    add_entry(db, world.client_a, TODAY - timedelta(days=10), 3)
    db.commit()
    missed = timeline_json(client, world.client_a.id, "month")["missed"]
    assert missed and min(missed) > (TODAY - timedelta(days=10)).isoformat()
