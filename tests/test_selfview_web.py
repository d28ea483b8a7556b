"""The client's self-view pages (/c/<token>/me and the thank-you page), through HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from checkin.models import (
    Channel,
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    ContactKind,
    Flag,
    OfficeClosedDay,
)
from checkin.services import demo
from checkin.services.links import issue_link, revoke_links
from tests.conftest import NOW, TODAY, World, csrf_from

GOOD = {"mood": "4", "fatigue": "2", "sleep_hours": "7", "sleep_quality": "4", "day": "today"}


def add_entries(db: Session, client: Client, moods: dict[int, int], sleep: str = "7.5") -> None:
    """Entries ``back`` days before today with the given mood."""
    for back, mood in moods.items():
        db.add(
            CheckIn(
                client_id=client.id,
                local_date=TODAY - timedelta(days=back),
                mood=mood,
                fatigue=2,
                sleep_hours=Decimal(sleep),
                sleep_quality=4,
                channel=Channel.WEB,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.commit()


@pytest.fixture
def token(db: Session, world: World) -> str:
    tok = issue_link(db, world.client_a, now=NOW)
    db.commit()
    return tok


def page(client: FlaskClient, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = app.extensions["checkin.engine"]

    def record(_c: Any, _cur: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_self_view_shows_own_weeks_and_what_went_well(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    add_entries(db, world.client_a, {0: 4, 1: 5, 2: 4, 5: 3, 6: 3})
    add_entries(db, world.client_b, {0: 1, 1: 1, 2: 1})  # someone else's, never shown
    html = page(client, f"/c/{token}/me")
    assert "<script" not in html
    assert f"{world.client_a.name}さんの これまでの きろく" in html
    assert "この1週間、記録する日は 5日とも 記録できました。" in html
    assert "7時間 いじょう 眠れた日が 5日 ありました。" in html
    assert "気分が「よい」いじょうの日が 3日 ありました。" in html
    assert world.client_b.name not in html
    # Three pictures of four weeks, each cell with words for screen readers.
    assert html.count('<table class="sv-grid') == 3
    assert html.count('<th scope="row">今週</th>') == 3
    assert "6/10(水) よい" in html and "6/9(火) とても よい" in html
    assert "6/10(水) 7.5時間" in html and "6/10(水) すこし" in html
    assert "6/8(月) きろく なし" not in html and "6/5(金) ふつう" in html
    assert "6/3(水) きろく なし" in html
    assert html.count('href="#sv-face-') == 5
    # Nothing leads but the check-in button: no help box on an ordinary day.
    assert "urgent-box" not in html and "help-box" not in html
    assert f'href="/c/{token}"' in html
    assert len(html.encode()) < 30_000


def test_a_new_client_sees_a_gentle_word_not_an_empty_report(
    client: FlaskClient, token: str
) -> None:
    html = page(client, f"/c/{token}/me")
    assert "きろくが ふえると、ここに「よかったこと」が でてきます。" in html
    assert "good-list" not in html


def test_the_check_in_page_links_to_the_self_view(client: FlaskClient, token: str) -> None:
    html = page(client, f"/c/{token}")
    assert f'href="/c/{token}/me"' in html
    assert "これまでの きろくを 見る" in html


@pytest.mark.parametrize("path", ["me", "done"])
def test_a_wrong_or_revoked_token_shows_nothing(
    client: FlaskClient, db: Session, world: World, token: str, path: str
) -> None:
    add_entries(db, world.client_a, {0: 4, 1: 4, 2: 4})
    assert client.get(f"/c/{token}x/{path}").status_code == 404
    assert client.get(f"/c/{'A' * 200}/{path}").status_code == 404
    revoke_links(db, world.client_a, now=NOW)
    db.commit()
    resp = client.get(f"/c/{token}/{path}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 410
    assert world.client_a.name not in html and "よかったこと" not in html


def test_an_ended_client_sees_nothing(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    world.client_a.status = ClientStatus.ENDED
    db.commit()
    resp = client.get(f"/c/{token}/me")
    assert resp.status_code == 410  # the card is no longer used: whom to call, nothing else
    assert "よかったこと" not in resp.get_data(as_text=True)


def test_after_checking_in_the_self_view_follows(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    add_entries(db, world.client_a, {1: 4, 2: 4, 5: 4, 6: 4})
    form = page(client, f"/c/{token}")
    resp = client.post(f"/c/{token}", data={**GOOD, "csrf_token": csrf_from(form)})
    html = page(client, resp.headers["Location"])
    assert "ありがとうございました" in html
    assert "この1週間、記録する日は 5日とも 記録できました。" in html
    assert html.index("よかったこと") < html.index('<table class="sv-grid')


def test_asking_to_talk_shows_the_contact_box_once_then_praise(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    add_entries(db, world.client_a, {1: 4, 2: 4, 5: 4})
    form = page(client, f"/c/{token}")
    resp = client.post(
        f"/c/{token}",
        data={**GOOD, "mood": "2", "wants_contact": "1", "csrf_token": csrf_from(form)},
    )
    done = page(client, resp.headers["Location"])
    assert done.count("支援員から 連絡します。") == 1
    assert done.index("0120-279-338") < done.index("よかったこと")
    # The self-view opened later leads with the same box.
    me = page(client, f"/c/{token}/me")
    assert me.count("支援員から 連絡します。") == 1
    assert me.index("urgent-box") < me.index("よかったこと")
    assert "「相談したい」と 伝えることが できました。" in me


def test_a_hard_day_leads_with_help_not_praise(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    add_entries(db, world.client_a, {1: 5, 2: 5, 5: 5})
    form = page(client, f"/c/{token}")
    resp = client.post(f"/c/{token}", data={**GOOD, "mood": "1", "csrf_token": csrf_from(form)})
    done = page(client, resp.headers["Location"])
    assert "urgent-box" not in done  # no contact was asked for: no promise of a call
    assert done.index("help-box") < done.index("よかったこと")
    assert "相談したいと つたえる" in done
    assert "つらい日も 記録できました。" in done


def test_no_flag_score_or_supporter_note_reaches_the_client(
    client: FlaskClient, db: Session, seeded: demo.DemoResult
) -> None:
    flagged = db.scalars(select(Flag).order_by(Flag.score.desc())).first()
    assert flagged is not None and flagged.reasons
    who = flagged.client
    flagged.note = "支援員メモ: 上司との関係を要確認"
    db.add(
        Contact(
            office_id=who.office_id,
            client_id=who.id,
            staff_id=who.supporter_id,
            kind=ContactKind.CALL,
            occurred_at=NOW,
            note="電話メモ: 服薬の相談あり",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.commit()
    tok = issue_link(db, who, now=NOW)
    db.commit()
    html = page(client, f"/c/{tok}/me")
    assert who.name in html and "よかったこと" in html
    flags = db.scalars(select(Flag).where(Flag.client_id == who.id)).all()
    texts = [r["text"] for f in flags for r in f.reasons if r.get("text")]
    assert texts
    for text in texts:
        assert text not in html
    contacts = db.scalars(select(Contact.note).where(Contact.client_id == who.id)).all()
    for note in [flagged.note, *contacts]:
        assert note and note not in html
    for word in ("フラグ", "リスク", "スコア", "アラート", "危険", "注意", "緊急", "score", "flag"):
        assert word not in html, word
    assert not re.search(r"\b0\.\d{2,}\b", html)  # no score-like numbers


def test_one_query_for_the_entries_of_the_period(
    app: Flask, client: FlaskClient, db: Session, world: World, token: str
) -> None:
    add_entries(db, world.client_a, {back: 4 for back in range(40)})
    with statements(app) as seen:
        html = page(client, f"/c/{token}/me")
    assert "この1週間、まいにち 記録できました。" in html
    assert html.count('<span class="sr">') == 3 * 24 and "きろく なし" not in html
    assert len(html.encode()) < 30_000  # every cell of the four weeks filled
    on_checkin = [s for s in seen if re.search(r"\bFROM checkin\b", s)]
    assert len(on_checkin) == 1, on_checkin
    # (+1: how many documents wait for the client to confirm, one count)
    assert len([s for s in seen if s.startswith("SELECT")]) <= 5, seen


def test_a_closed_day_of_the_office_is_not_a_day_to_record(
    client: FlaskClient, db: Session, world: World, token: str
) -> None:
    # Every weekday of the last two weeks recorded but Monday 6/8, when the office was
    # closed: the week counts as fully recorded, as the morning signals count it.
    closed = TODAY - timedelta(days=2)
    assert closed.weekday() == 0
    add_entries(
        db,
        world.client_a,
        {b: 4 for b in range(1, 15) if (TODAY - timedelta(days=b)).weekday() < 5 and b != 2},
    )
    html = page(client, f"/c/{token}/me")
    assert "記録する日は 3日とも 記録できました" not in html
    db.add(OfficeClosedDay(office_id=world.office.id, day=closed))
    db.commit()
    html = page(client, f"/c/{token}/me")
    assert "この1週間、記録する日は 3日とも 記録できました。" in html
