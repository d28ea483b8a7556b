"""Pages tested as a person would: Playwright driving Debian's chromium against a live server.

Screenshots go to CHECKIN_SCREENSHOT_DIR (``make screenshots`` points it at docs/screenshots).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Contact, Flag, FlagStatus
from checkin.services import demo
from checkin.services.links import issue_link
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW

pytestmark = BROWSER_MARKS


def test_client_checks_in_on_a_phone(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    client = seeded.link_client
    token = issue_link(db, client, now=NOW)
    db.commit()
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
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*" + re.escape(client.name)))
    # Nothing is wider than the screen, and every choice is a comfortable tap target.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for name in ("mood", "fatigue", "sleep_quality"):
        box = page.locator(f"label[for={name}-3]").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (name, box)
    page.screenshot(path=str(shots / "client-checkin-phone.png"), full_page=True)
    axe_ctx = browser.new_context(viewport=PHONE, bypass_csp=True, locale="ja-JP")
    axe_page = axe_ctx.new_page()
    axe_page.goto(f"{live_server}/c/{token}")
    assert axe_violations(axe_page) == []
    axe_ctx.close()

    # Forgetting a choice: a clear message, the other answers kept, nothing saved.
    page.locator("label[for=mood-2]").tap()
    page.locator("label[for=fatigue-4]").tap()
    page.fill("#sleep_hours", "5.5")
    page.get_by_role("button", name="おくる").tap()
    expect(page.locator(".error-summary")).to_contain_text("よく ねむれたかを えらんでください")
    expect(page.locator("#mood-2")).to_be_checked()
    assert (
        db.scalar(
            select(CheckIn).where(CheckIn.client_id == client.id, CheckIn.local_date == NOW.date())
        )
        is None
    )

    page.locator("label[for=sleep_quality-2]").tap()
    page.fill("#note", "きょうは すこし しんどい")
    page.locator("label[for=wants_contact]").tap()
    page.get_by_role("button", name="おくる").tap()
    page.wait_for_url("**/done**")
    expect(page.locator("body")).to_contain_text("支援員から 連絡します")
    page.screenshot(path=str(shots / "client-done-phone.png"), full_page=True)
    ctx.close()

    db.expire_all()
    entry = db.scalars(
        select(CheckIn).where(CheckIn.client_id == client.id).order_by(CheckIn.local_date.desc())
    ).first()
    assert entry is not None
    assert (entry.mood, entry.fatigue, float(entry.sleep_hours or 0), entry.sleep_quality) == (
        2,
        4,
        5.5,
        2,
    )
    assert entry.wants_contact and entry.note == "きょうは すこし しんどい"
    flag = db.scalars(select(Flag).where(Flag.client_id == client.id, Flag.kind == "contact"))
    assert flag.one().status == FlagStatus.OPEN


def test_supporter_triages_the_morning_list(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    supporter = next(login for login, _, role in seeded.logins if role == "supporter")
    # bypass_csp lets the test inject axe-core; the app itself never runs inline scripts.
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    page = ctx.new_page()
    page.goto(f"{live_server}/alerts")
    page.fill("#login", supporter)
    page.fill("#password", seeded.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/alerts")
    cards = page.locator("li.flag")
    expect(cards.first).to_be_visible()
    # Most urgent first.
    ranks = {"urgent": 0, "high": 1, "watch": 2}
    sev = [ranks[c.get_attribute("class").split("sev-")[1].split()[0]] for c in cards.all()]
    assert sev == sorted(sev)
    assert all(c.locator("ul.reasons li").count() >= 1 for c in cards.all())
    assert all(c.locator(".strip ol.sr li").count() == 14 for c in cards.all())
    assert all(c.locator(".strip-grid tr").count() == 4 for c in cards.all())
    page.screenshot(path=str(shots / "alerts.png"), full_page=True)
    assert axe_violations(page) == []

    first = cards.first
    name = first.locator(".client-name").inner_text()
    # Record the call that answered the flag, from the list itself.
    first.locator(".quick-contact summary").click()
    first.locator(".quick-contact input[name=note]").fill("昼休みに電話。週末は休めたとのこと")
    first.locator(".quick-contact").get_by_role("button", name="記録する").click()
    expect(page.locator("body")).to_contain_text("連絡を記録しました")
    db.expire_all()
    note = "昼休みに電話。週末は休めたとのこと"
    call = db.scalars(select(Contact).where(Contact.note == note)).one()
    assert call.kind.value == "call"
    assert call.flag_id is not None
    first = page.locator("li.flag").first
    first.locator("form[action*='/flags/'] input[name=note]").fill("電話して様子を聞いた")
    first.get_by_role("button", name="対応済み").click()
    expect(page.locator("body")).to_contain_text("対応済みにしました")
    db.expire_all()
    handled = db.scalars(select(Flag).where(Flag.note == "電話して様子を聞いた")).one()
    assert handled.status == FlagStatus.RESOLVED and handled.client.name == name

    page.goto(f"{live_server}/clients/{handled.client_id}")
    expect(page.locator("h1")).to_contain_text(name)
    page.screenshot(path=str(shots / "client-detail.png"), full_page=True)
    ctx.close()


def test_the_check_in_page_keeps_working_after_midnight(
    browser: Any, live_server: str, app: Flask, db: Session, seeded: demo.DemoResult
) -> None:
    # A form opened late and sent after midnight is saved for the new day, not lost.
    token = issue_link(db, seeded.link_client, now=NOW)
    db.commit()
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server}/c/{token}")
    app.config["CLOCK"] = lambda: NOW + timedelta(days=1)
    for name, v in (("mood", 3), ("fatigue", 3), ("sleep_quality", 3)):
        page.locator(f"label[for={name}-{v}]").click()
    page.fill("#sleep_hours", "7")
    page.get_by_role("button", name="おくる").click()
    page.wait_for_url("**/done**")
    db.expire_all()
    days = db.scalars(
        select(CheckIn.local_date)
        .where(CheckIn.client_id == seeded.link_client.id)
        .order_by(CheckIn.local_date.desc())
    ).first()
    assert days == (NOW + timedelta(days=1)).date()
    ctx.close()


def test_service_manager_sees_the_office_overview(
    browser: Any, live_server: str, seeded: demo.DemoResult, shots: Path
) -> None:
    manager = next(login for login, _, role in seeded.logins if role == "service_manager")
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    page = ctx.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#login", manager)
    page.fill("#password", seeded.password)
    page.get_by_role("button", name="ログイン").click()
    # The first screen is the office-wide list: every open flag of the office.
    page.wait_for_url("**/alerts?all=1")
    assert page.locator("li.flag").count() >= 1
    assert "対応が必要なアラートはありません" not in page.locator("main").inner_text()
    page.get_by_role("link", name="事業所", exact=True).click()
    page.wait_for_url("**/overview")
    expect(page.locator("#clients tbody tr")).to_have_count(30)
    expect(page.locator("#supporters tbody tr")).to_have_count(3)
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    assert axe_violations(page) == []
    ctx.close()
