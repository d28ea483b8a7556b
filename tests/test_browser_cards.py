"""Client cards in a real browser (issue 12): the card page on a desktop (reloaded, printed
as A4 without navigation, many at once) and an old card's page on a 360 px phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from checkin.services.links import issue_link, revoke_links
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, PASSWORD, World

pytestmark = BROWSER_MARKS


def test_card_page_reloads_prints_and_many_at_once(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    world.office.phone = "03-1234-5678"
    db.commit()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#login", "kanri")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server}/clients/{world.client_a.id}")
    page.get_by_role("button", name="記録用カードを作る").click()
    expect(page).to_have_url(f"{live_server}/clients/{world.client_a.id}/card")
    link = page.locator(".client-link").get_attribute("href")
    qr = page.locator(".qr").inner_html()
    expect(page.get_by_role("button", name="印刷する")).to_be_visible()
    expect(page.locator(".print-hint")).to_be_hidden()
    page.screenshot(path=str(shots / "client-card.png"), full_page=True)

    page.reload()
    assert page.locator(".client-link").get_attribute("href") == link
    assert page.locator(".qr").inner_html() == qr

    # Printed: the card alone (no menu, no buttons, no language switch).
    page.emulate_media(media="print")
    for hidden in (".topbar", ".print-row", ".lang-switch", "form"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator(".checkin-card")).to_be_visible()
    page.screenshot(path=str(shots / "client-card-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # Many at once: tick two more, one printed page each.
    page.goto(f"{live_server}/clients/cards")
    page.check(f"#pick-{world.client_a.id}")
    page.check(f"#pick-{world.client_b.id}")
    page.check(f"#pick-{world.client_c.id}")
    page.get_by_role("button", name="選んだ 利用者の カードを 作って 印刷する").click()
    expect(page.locator(".card-page")).to_have_count(3)
    links = [a.get_attribute("href") for a in page.locator(".client-link").all()]
    assert link in links and len(set(links)) == 3  # client A's card did not change
    page.emulate_media(media="print")
    breaks = page.locator(".card-page").evaluate_all(
        "els => els.map(e => getComputedStyle(e).breakAfter)"
    )
    assert breaks == ["page", "page", "auto"]
    page.screenshot(path=str(shots / "client-cards-print.png"), full_page=True)
    state = ctx.storage_state()
    pdf = page.pdf(path=str(shots / "client-cards.pdf"), format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3  # one A4 page per client
    ctx.close()

    # The printed link works on a phone; afterwards the card page says it cannot be shown.
    phone = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    p2 = phone.new_page()
    p2.goto(link)
    expect(p2.locator("h1")).to_contain_text(world.client_a.name)
    phone.close()
    page = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", storage_state=state
    ).new_page()
    page.goto(f"{live_server}/clients/{world.client_a.id}/card")
    expect(page.locator("#card-unavailable")).to_contain_text("もう一度 表示できません")
    expect(page.locator(".client-link")).to_have_count(0)

    # Asking for A's card again in bulk asks first (without JavaScript: a page of buttons).
    page.goto(f"{live_server}/clients/cards")
    page.screenshot(path=str(shots / "client-cards-choose.png"), full_page=True)
    page.check(f"#pick-{world.client_a.id}")
    page.check(f"#pick-{world.client_b.id}")
    page.get_by_role("button", name="選んだ 利用者の カードを 作って 印刷する").click()
    expect(page.locator("#in-use")).to_have_text(re.compile(world.client_a.name))
    page.screenshot(path=str(shots / "client-cards-confirm.png"), full_page=True)
    page.get_by_role("button", name="置きかえて 全員の カードを 作る").click()
    expect(page.locator(".card-page")).to_have_count(2)
    assert link not in [a.get_attribute("href") for a in page.locator(".client-link").all()]


def test_an_old_card_on_a_phone_says_whom_to_call(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    world.office.phone = "03-1234-5678"
    world.office.name = "就労定着支援センター ひだまり"
    token = issue_link(db, world.client_a, now=NOW)
    revoke_links(db, world.client_a, now=NOW)
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
    resp = page.goto(f"{live_server}/c/{token}")
    assert resp is not None and resp.status == 410
    expect(page.locator("h1")).to_have_text("この カードは もう つかいません")
    expect(page.locator(".office-name")).to_have_text(world.office.name)
    call = page.locator("a.office-call")
    expect(call).to_have_attribute("href", "tel:0312345678")
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 200
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "client-old-card-phone.png"), full_page=True)
    # bypass_csp lets the test inject axe-core; the page itself runs no script.
    axe_ctx = browser.new_context(viewport=PHONE, bypass_csp=True, locale="ja-JP")
    axe_page = axe_ctx.new_page()
    axe_page.goto(f"{live_server}/c/{token}")
    assert axe_violations(axe_page) == []
    axe_ctx.close()

    resp = page.goto(f"{live_server}/c/{'x' * 43}/me")
    assert resp is not None and resp.status == 404
    expect(page.locator("h1")).to_have_text("この ページは ありません")
    expect(page.locator("a.office-call")).to_have_count(0)
    page.screenshot(path=str(shots / "client-unknown-link-phone.png"), full_page=True)
    ctx.close()
