"""The language switch in a real browser: English from the browser's own language, back to
Japanese with one click, remembered on the next pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from checkin.services import demo
from checkin.services.links import issue_link
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW
from tests.test_timeline_browser import chart_drawn, demo_client

pytestmark = BROWSER_MARKS


def test_an_english_browser_gets_english_and_can_switch_to_japanese(
    browser: Any, live_server: str, seeded: demo.DemoResult, shots: Path
) -> None:
    supporter = next(login for login, _, role in seeded.logins if role == "supporter")
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", bypass_csp=True
    )
    page = ctx.new_page()
    page.goto(f"{live_server}/alerts")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#login", supporter)
    page.fill("#password", seeded.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/alerts")
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*This morning's alerts"))
    expect(page.locator("li.flag .badge").first).to_have_text(re.compile("^(Urgent|High|Watch)$"))
    page.screenshot(path=str(shots / "alerts-en.png"), full_page=True)
    assert axe_violations(page) == []

    page.get_by_role("link", name="日本語").click()
    page.wait_for_url("**/alerts")
    expect(page.locator("html")).to_have_attribute("lang", "ja")  # the URL was already /alerts
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*けさのアラート"))
    # The choice is remembered (a cookie), over the browser's English.
    page.get_by_role("link", name="利用者").click()
    expect(page.locator("h1")).to_have_text("利用者")
    ctx.close()


def test_a_client_switches_language_on_the_phone_without_javascript(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    token = issue_link(db, seeded.link_client, now=NOW)
    db.commit()
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server}/c/{token}")
    expect(page.locator("legend").first).to_have_text("きょうの きもち")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**/c/{token}")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the same URL, reloaded
    expect(page.locator("legend").first).to_have_text("How do you feel today?")
    # The longer English labels still fit a small phone, as comfortable tap targets.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for name in ("mood", "fatigue", "sleep_quality"):
        for v in range(1, 6):
            box = page.locator(f"label[for={name}-{v}]").bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, (name, v, box)
    page.screenshot(path=str(shots / "client-checkin-phone-en.png"), full_page=True)
    for name in ("mood", "fatigue", "sleep_quality"):
        page.locator(f"label[for={name}-3]").click()
    page.fill("#sleep_hours", "7")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/done**")
    expect(page.locator("h1")).to_have_text("Thank you")
    ctx.close()


def test_the_self_view_in_english_fits_a_small_phone(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    token = issue_link(db, seeded.link_client, now=NOW)
    db.commit()
    ctx = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        java_script_enabled=False,
    )
    page = ctx.new_page()
    page.goto(f"{live_server}/c/{token}/me")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#good-h")).to_have_text("What went well")
    expect(page.locator("table.sv-grid caption")).to_have_text(
        ["Mood", "Hours of sleep", "Tiredness"]
    )
    expect(page.locator("table.sv-grid tbody th").first).to_have_text("This week")
    # Nothing is wider than the screen, and no label spills out of its cell.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    spills = page.evaluate(
        """[...document.querySelectorAll('table.sv-grid th, table.sv-grid td, .good-list li,'
            + ' .sv-legend, h1, h2')].filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent.trim())"""
    )
    assert spills == []
    for table in page.locator("table.sv-grid").all():
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.screenshot(path=str(shots / "client-selfview-phone-en.png"), full_page=True)
    ctx.close()

    axe_ctx = browser.new_context(viewport=PHONE, bypass_csp=True, locale="en-US")
    axe_page = axe_ctx.new_page()
    axe_page.goto(f"{live_server}/c/{token}/me")
    assert axe_violations(axe_page) == []
    axe_ctx.close()


def test_the_client_timeline_in_english_fits_on_desktop_and_phone(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    client = demo_client(db)
    assert client.supporter is not None
    errors: list[str] = []
    for viewport, name in (
        ({"width": 1280, "height": 900}, "timeline-en"),
        (PHONE, "timeline-phone-en"),
    ):
        ctx = browser.new_context(viewport=viewport, locale="en-US", device_scale_factor=2)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server}/login")
        page.fill("#login", client.supporter.login)
        page.fill("#password", seeded.password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/alerts**")
        page.goto(
            f"{live_server}/clients/{client.id}" + ("?range=week" if viewport == PHONE else "")
        )
        chart_drawn(page)
        titles = page.locator("#timeline-chart .tl-panel-title").all_inner_texts()
        assert titles[0] == "Events" and titles[1] == "Mood (5 is good)", titles
        expect(page.locator("#timeline-legend")).to_have_text(re.compile(r"^\s*Usual range"))
        # Hovering a day reads it out in English.
        plot = page.locator("#timeline-chart .u-over").nth(1)
        plot.scroll_into_view_if_needed()
        box = plot.bounding_box()
        # Sleep hours in English: "1 hour", "6.5 hours" (never "6.5 hour"), on an answered day.
        for frac in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            page.mouse.move(box["x"] + box["width"] * frac, box["y"] + box["height"] / 2)
            readout = page.locator("#timeline-readout").inner_text()
            if "Sleep" in readout:
                break
        assert re.search(r"Sleep (1 hour|\d+(\.\d+)? hours|-)( ·|$)", readout), readout
        page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
        expect(page.locator("#timeline-readout")).to_have_text(re.compile(r"^6/10 \(Wed\) · "))
        # The event rows' names (drawn left of the plot) are not cut at the canvas's edge.
        edge = page.evaluate(
            """() => { const c = document.querySelector('#timeline-chart canvas');
                const d = c.getContext('2d').getImageData(0, 0, 3, c.height).data;
                let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
        )
        assert edge == 0
        # Nothing wider than the screen, and no word box wider than its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('#timeline .tl-panel-title, '
                    + '#timeline-legend li, .range-switch a, .period-switch a, #outcomes label, '
                    + '#outcomes button')]
                .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
        )
        assert clipped == []
        page.locator("#timeline").screenshot(path=str(shots / f"{name}.png"))
        if viewport == PHONE:
            page.locator("#outcomes").screenshot(path=str(shots / "outcomes-phone-en.png"))
        assert errors == []
        ctx.close()
