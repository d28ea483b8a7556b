"""The first run in a real browser: the administrator opens the setup link printed by
``checkin create-office``, sets a password and the office settings (desktop width)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Office, OfficeClosedDay
from checkin.services.office import create_office
from tests.browser_helpers import BROWSER_MARKS, axe_violations
from tests.conftest import NOW

pytestmark = BROWSER_MARKS


def test_setup_link_then_office_settings(
    browser: Any, live_server: str, db: Session, shots: Path
) -> None:
    link = create_office(
        db, "ひまわり就労定着支援センター", admin_login="kanrisha", admin_name="管理 太郎", now=NOW
    )
    db.commit()
    office_id = link.staff.office_id
    # bypass_csp lets the test inject axe-core; the app itself never runs inline scripts.
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    page = ctx.new_page()
    page.goto(f"{live_server}{link.path}")
    expect(page.get_by_role("heading", name="パスワードの設定")).to_be_visible()
    page.fill("#password", "short")
    page.fill("#password2", "short")
    page.evaluate(
        "document.querySelectorAll('input[minlength]').forEach(e => e.removeAttribute('minlength'))"
    )
    page.get_by_role("button", name="設定してログイン").click()
    expect(page.locator(".error").first).to_contain_text("10文字以上")
    page.screenshot(path=str(shots / "setup-password.png"))
    page.fill("#password", "himawari-setup-1")
    page.fill("#password2", "himawari-setup-1")
    page.get_by_role("button", name="設定してログイン").click()

    expect(page.get_by_role("heading", name="事業所の設定")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("パスワードを設定しました")
    expect(page.get_by_role("link", name="設定")).to_be_visible()  # in the navigation
    page.fill("#phone", "03-1234-5678")
    page.check("#ow-5")  # open on Saturdays too
    page.fill("#opens_at", "09:00")
    page.fill("#closes_at", "18:00")
    page.select_option("#morning_hour", "6")
    page.check("#md-initials")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_contain_text("事業所の設定を保存しました")

    page.fill("#closed_day", "2026-08-13")
    page.fill("#closed_note", "お盆休み")
    page.get_by_role("button", name="休みの日を追加").click()
    expect(page.locator("#closed-days")).to_contain_text("2026年8月13日 (木)")
    expect(page.locator("#closed-days")).to_contain_text("お盆休み")

    # a bad value is explained next to its field, nothing saved
    page.select_option("#escalation_hour", "5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#escalation_hour-error")).to_contain_text("朝のアラートの時刻より後")
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "office-settings.png"), full_page=True)

    db.expire_all()
    office = db.get(Office, office_id)
    assert office is not None
    assert (office.phone, office.open_weekdays, office.morning_hour) == (
        "03-1234-5678",
        "012345",
        6,
    )
    assert office.escalation_hour == 10  # the bad change was not saved
    assert db.scalar(select(OfficeClosedDay.note)) == "お盆休み"
    ctx.close()
