"""The support plan and the handover in a real browser: a supporter writes the plan, the
service manager approves it, the client agrees on a 360 px phone; the supporter records the
handover decision, the client's written consent and the receiver, makes and finalises the
package and records what was handed over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import ClientDocument, DisclosureLog, DocKind, DocStatus
from checkin.services.links import issue_link
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, PASSWORD, World

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}


def _login(page: Any, url: str, login: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/login" not in u)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_plan_written_approved_and_agreed_on_a_phone(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    _login(page, live_server, "sato")
    page.goto(f"{live_server}/clients/{world.client_a.id}")
    page.get_by_role("link", name="支援計画を作る").click()
    page.fill("#start", "2026-06-01")
    page.fill("#end", "2026-11-30")
    page.get_by_role("button", name="作って 書きはじめる").click()
    expect(page.locator("#long_goal")).to_be_visible()
    page.fill("#long_goal", "いまの職場で 無理なく 働き続ける")
    page.fill("#short_goals", "朝 7時に 起きる\n困ったときに 上司に 相談する")
    page.fill("#policy", "本人のペースを 大切にする")
    page.fill("#content", "月2回の面談")
    page.fill("#frequency", "月2回")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("保存しました。")).to_be_visible()
    expect(page.get_by_text("2026年6月1日 〜 2026年11月30日")).to_be_visible()
    # A supporter sees no approve button; sending before approval is refused.
    expect(page.get_by_role("button", name="承認する")).to_have_count(0)
    page.get_by_role("button", name="本人に確認をお願いする").click()
    expect(page.get_by_text("サービス管理責任者の承認がまだです。")).to_be_visible()
    doc = db.scalars(select(ClientDocument)).one()
    ctx.close()

    mctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    manager = mctx.new_page()
    _login(manager, live_server, "kanri")
    manager.goto(f"{live_server}/documents/{doc.id}")
    manager.get_by_role("button", name="承認する").click()
    expect(manager.get_by_text("承認しました。")).to_be_visible()
    manager.get_by_role("button", name="本人に確認をお願いする").click()
    expect(manager.get_by_text("本人に 確認を お願いしました。")).to_be_visible()
    manager.screenshot(path=str(shots / "plan-staff.png"), full_page=True)
    manager.goto(f"{live_server}/clients/{world.client_a.id}#plan")
    expect(manager.get_by_text("見直し期限 2026-12-01")).to_be_visible()
    mctx.close()

    cctx = browser.new_context(
        viewport=PHONE, locale="ja-JP", is_mobile=True, has_touch=True, bypass_csp=True
    )
    phone = cctx.new_page()
    phone.goto(f"{live_server}/c/{token}/docs")
    phone.get_by_role("link", name="しえんの けいかく").click()
    expect(phone.get_by_role("heading", name="ながい もくひょう")).to_be_visible()
    expect(phone.get_by_text("いまの職場で 無理なく 働き続ける")).to_be_visible()
    _no_sideways_scroll(phone)
    assert axe_violations(phone) == []
    phone.screenshot(path=str(shots / "plan-client-phone.png"), full_page=True)
    phone.get_by_role("button", name="確認しました").click()
    expect(phone.get_by_text("かくにん しました。ありがとう ございます。")).to_be_visible()
    cctx.close()
    db.refresh(doc)
    assert doc.status == DocStatus.CONFIRMED and doc.approved_by_id == world.manager.id


def test_handover_recorded_with_consent_and_disclosure(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    _login(page, live_server, "sato")
    page.goto(f"{live_server}/clients/{world.client_a.id}")
    page.get_by_role("link", name="引継ぎのページ").click()
    page.get_by_role("radio", name="関係機関へ引き継ぐ").check()
    page.select_option("#agency_kind", "center")
    page.get_by_role("button", name="方針を記録する").click()
    expect(page.get_by_text("引継ぎの方針を記録しました。")).to_be_visible()
    # The receiver without the consent: saved, but the package cannot be made.
    page.fill("#receiver_name", "みなと障害者就業・生活支援センター")
    page.fill("#receiver_person", "山田 花子")
    page.fill("#meeting_on", "2026-06-20")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("引継ぎの記録を保存しました。")).to_be_visible()
    expect(page.get_by_role("button", name="引継ぎ資料を作る")).to_be_disabled()
    # Half a consent is refused with a message.
    page.fill("#consent_by", "田中 健太 (本人)")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("本人の同意は、署名した人・日付・証拠")).to_be_visible()
    page.fill("#consent_by", "田中 健太 (本人)")
    page.fill("#consent_on", "2026-06-05")
    page.fill("#consent_evidence", "引継ぎ同意書 No.12 (事務室の鍵付き棚)")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("同意あり")).to_be_visible()
    page.get_by_role("button", name="引継ぎ資料を作る").click()
    expect(page.get_by_role("heading", name="いまの支援計画")).to_be_visible()
    page.get_by_role("link", name="編集する").click()
    page.fill("#notes", "朝の声かけで 調子が わかります。")
    page.get_by_role("button", name="保存する").click()
    page.get_by_role("button", name="確定する").click()
    expect(page.get_by_text("確定", exact=True).first).to_be_visible()
    pkg = db.scalars(select(ClientDocument).where(ClientDocument.kind == DocKind.HANDOVER)).one()
    page.goto(f"{live_server}/documents/{pkg.id}/print")
    expect(page.get_by_role("heading", name="引継ぎ資料")).to_be_visible()
    page.screenshot(path=str(shots / "handover-package-print.png"), full_page=True)
    page.goto(f"{live_server}/clients/{world.client_a.id}/handover")
    page.get_by_label("日々の記録の傾向", exact=True).uncheck()
    page.fill("#method", "ケース会議で手渡し")
    page.get_by_role("button", name="渡したことを記録する").click()
    expect(page.get_by_text("渡した記録を残しました。")).to_be_visible()
    expect(page.locator("table").get_by_text("ケース会議で手渡し")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "handover-page.png"), full_page=True)
    ctx.close()
    log = db.scalars(select(DisclosureLog)).one()
    keys = [i["key"] for i in log.items]  # every item offered but the unticked trend
    assert keys == ["receiver", "plan", "reports", "contacts", "resource_map", "private", "notes"]
