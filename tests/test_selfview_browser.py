"""The self-view as a client sees it: a small phone, JavaScript off, after checking in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from checkin.services import demo
from checkin.services.links import issue_link
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW

pytestmark = BROWSER_MARKS


def test_client_checks_in_then_sees_their_weeks(
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
    for name, value in (("mood", 4), ("fatigue", 2), ("sleep_quality", 4)):
        page.locator(f"label[for={name}-{value}]").tap()
    page.fill("#sleep_hours", "7.5")
    page.get_by_role("button", name="おくる").tap()
    page.wait_for_url("**/done**")

    good = page.locator("ul.good-list li")
    expect(good.first).to_be_visible()
    assert all(text.endswith("。") for text in good.all_inner_texts())
    expect(page.locator("table.sv-grid")).to_have_count(3)
    expect(page.locator("table.sv-grid caption")).to_have_text(["きもち", "ねた 時間", "つかれ"])
    # Today's answer is in the pictures, told in words to screen readers.
    today = f"{NOW.month}/{NOW.day}(水)"
    expect(page.locator("table.sv-mood td.today .sr")).to_have_text(f"{today} よい")
    expect(page.locator("table.sv-sleep td.today .sr")).to_have_text(f"{today} 7.5時間")
    # Nothing is wider than the screen; the day cells are large enough to see.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator("table.sv-mood td.today").bounding_box()
    assert box["width"] >= 30 and box["height"] >= 30, box
    page.screenshot(path=str(shots / "client-selfview-phone.png"), full_page=True)

    # The same pictures, any time, from the link on the check-in page.
    page.goto(f"{live_server}/c/{token}")
    page.get_by_role("link", name="これまでの きろくを 見る").tap()
    page.wait_for_url("**/me")
    expect(page.locator("h1")).to_have_text(f"{client.name}さんの これまでの きろく")
    expect(page.locator("table.sv-grid")).to_have_count(3)

    # A hard day: the page starts with where to turn, not with praise.
    page.get_by_role("link", name="きょうの きろくを つける").tap()
    page.locator("label[for=mood-1]").tap()
    page.get_by_role("button", name="おくる").tap()
    page.wait_for_url("**/done**")
    help_box = page.locator(".help-box")
    expect(help_box).to_be_visible()
    assert help_box.bounding_box()["y"] < page.locator("#good-h").bounding_box()["y"]
    expect(good.first).to_contain_text("つらい日も 記録できました。")
    page.screenshot(path=str(shots / "client-selfview-hard-phone.png"), full_page=True)
    ctx.close()

    # bypass_csp lets the test inject axe-core; the page itself runs no script.
    axe_ctx = browser.new_context(viewport=PHONE, bypass_csp=True, locale="ja-JP")
    axe_page = axe_ctx.new_page()
    for path in ("me", "done"):
        axe_page.goto(f"{live_server}/c/{token}/{path}")
        assert axe_violations(axe_page) == [], path
    axe_ctx.close()
