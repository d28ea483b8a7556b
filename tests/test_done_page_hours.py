"""After 「相談したい」 the done page promises what will happen: while the office is open, that
the supporter will call; outside its hours, when the office will see it and where to call now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.models import OfficeClosedDay
from checkin.services.links import issue_link
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, World, csrf_from

SUNDAY = date(2026, 6, 14)
ANSWERS = {"mood": "2", "fatigue": "4", "sleep_hours": "5", "sleep_quality": "2", "day": "today"}


def tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


@pytest.fixture
def token(db: Session, world: World) -> str:
    tok = issue_link(db, world.client_a, now=NOW)
    db.commit()
    return tok


def ask_to_talk(app: Flask, client: FlaskClient, token: str, at: datetime) -> str:
    app.config["CLOCK"] = lambda: at
    form = client.get(f"/c/{token}").get_data(as_text=True)
    resp = client.post(
        f"/c/{token}", data={**ANSWERS, "wants_contact": "1", "csrf_token": csrf_from(form)}
    )
    assert resp.status_code == 303
    done = client.get(resp.headers["Location"])
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    start = html.index('class="urgent-box"')
    return html[start : html.index("</div>", start)]


def test_while_open_the_supporter_will_call(
    app: Flask, client: FlaskClient, db: Session, world: World, token: str
) -> None:
    box = ask_to_talk(app, client, token, tokyo(SUNDAY + timedelta(days=1), 17, 59))
    assert "支援員から 連絡します。" in box and "すこし まってください。" in box
    assert "しまっています" not in box and "0120-279-338" in box


def test_on_sunday_night_monday_morning_and_the_office_phone(
    app: Flask, client: FlaskClient, db: Session, world: World, token: str
) -> None:
    world.office.phone = "03-1234-5678"
    db.commit()
    box = ask_to_talk(app, client, token, tokyo(SUNDAY, 21, 30))
    assert "じむしょは いま しまっています。" in box
    assert "あした 月曜日の 9時 から みます。" in box
    assert "すこし まってください" not in box
    assert 'じむしょの 電話 (あいている 時間):<br><a href="tel:0312345678">03-1234-5678</a>' in box
    assert 'href="tel:119"' in box and 'href="tel:0120279338"' in box  # crisis numbers stay


def test_the_office_hours_closed_days_and_zone_decide(
    app: Flask, client: FlaskClient, db: Session, world: World, token: str
) -> None:
    world.office.opens_at = time(10)
    world.office.closes_at = time(16)
    db.add(OfficeClosedDay(office_id=world.office.id, day=SUNDAY + timedelta(days=1)))
    db.commit()
    # Monday is a holiday: Tuesday at 10, a date two days ahead.
    box = ask_to_talk(app, client, token, tokyo(SUNDAY, 21, 30))
    assert "6月16日 火曜日の 10時 から みます。" in box
    # Tuesday 09:30: before opening, today.
    box = ask_to_talk(app, client, token, tokyo(SUNDAY + timedelta(days=2), 9, 30))
    assert "きょう 10時 から みます。" in box
    # The same instant in an office in London (Tuesday 01:30 there): still before opening.
    world.office.timezone = "Europe/London"
    db.commit()
    box = ask_to_talk(app, client, token, tokyo(SUNDAY + timedelta(days=2), 9, 30))
    assert "きょう 10時 から みます。" in box
    # Tuesday 16:00 in London is after closing: Wednesday.
    london_1600 = datetime(2026, 6, 16, 15, 0, tzinfo=UTC)  # BST = UTC+1
    box = ask_to_talk(app, client, token, london_1600)
    assert "あした 水曜日の 10時 から みます。" in box


def test_in_english_the_same_promise(
    app: Flask, client: FlaskClient, db: Session, world: World, token: str
) -> None:
    client.set_cookie("lang", "en", domain="checkin.test")
    box = ask_to_talk(app, client, token, tokyo(SUNDAY, 21, 30))
    assert "The office is closed now." in box
    assert "tomorrow, Monday, from 9:00" in box


@pytest.mark.browser
@pytest.mark.skipif(BROWSER_MARKS[1].args[0], reason=BROWSER_MARKS[1].kwargs["reason"])
def test_a_phone_at_night_sees_when_the_office_will_look_and_where_to_call(
    app: Flask,
    browser: Any,
    live_server: str,
    db: Session,
    world: World,
    token: str,
    shots: Path,
) -> None:
    world.office.phone = "03-1234-5678"
    db.commit()
    app.config["CLOCK"] = lambda: tokyo(SUNDAY, 21, 30)
    ctx = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
        java_script_enabled=False,
    )
    page = ctx.new_page()
    page.goto(f"{live_server}/c/{token}")
    page.locator("label[for=mood-2]").tap()
    page.locator("label[for=fatigue-4]").tap()
    page.fill("#sleep_hours", "5")
    page.locator("label[for=sleep_quality-2]").tap()
    page.locator("label[for=wants_contact]").tap()
    page.get_by_role("button", name="おくる").tap()
    page.wait_for_url("**/done**")
    box = page.locator(".urgent-box")
    text = box.inner_text()
    assert "じむしょは いま しまっています。" in text
    assert "あした 月曜日の 9時 から みます。" in text
    assert "すこし まって" not in text
    phone = box.get_by_role("link", name="03-1234-5678")
    assert phone.get_attribute("href") == "tel:0312345678"
    tap = phone.bounding_box()
    assert tap is not None and tap["x"] + tap["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "client-done-closed-phone.png"), full_page=True)
    url = page.url
    ctx.close()
    axe_ctx = browser.new_context(viewport=PHONE, bypass_csp=True, locale="ja-JP")
    axe_page = axe_ctx.new_page()
    axe_page.goto(url)
    assert axe_violations(axe_page) == []
    axe_ctx.close()
