"""A client list saved by Japanese Excel, imported in a real browser (issue 12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import Client
from tests.browser_helpers import BROWSER_MARKS
from tests.conftest import PASSWORD, World
from tests.test_transfer import japanese_excel_workbook

pytestmark = BROWSER_MARKS


def test_an_excel_list_with_a_mangled_weekday_is_refused_then_imported(
    browser: Any, live_server: str, db: Session, world: World, shots: Path, tmp_path: Path
) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#login", "kanri")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    before = db.scalar(select(func.count()).select_from(Client))

    bad = tmp_path / "名簿.xlsx"
    bad.write_bytes(japanese_excel_workbook(1234))
    page.goto(f"{live_server}/clients/import")
    page.screenshot(path=str(shots / "import-form.png"), full_page=True)
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="内容を確かめる").click()
    row = page.locator("tr.row-bad")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("曜日が数値 1234 になっています")
    # As read: the refused weekdays are not shown as if they were Monday to Friday.
    expect(row.locator("td").nth(2)).to_have_text("担当 鈴木・模索期・クローズ就労")
    expect(page.get_by_role("button", name="3人を取り込む")).to_have_count(0)
    page.screenshot(path=str(shots / "import-excel-refused.png"), full_page=True)
    assert db.scalar(select(func.count()).select_from(Client)) == before

    good = tmp_path / "名簿-直した.xlsx"
    good.write_bytes(japanese_excel_workbook("月水金"))
    page.goto(f"{live_server}/clients/import")
    page.set_input_files("#file", str(good))
    page.get_by_role("button", name="内容を確かめる").click()
    expect(page.locator("table")).to_contain_text("担当 鈴木・模索期・クローズ就労・月水金")
    page.screenshot(path=str(shots / "import-excel-preview.png"), full_page=True)
    page.get_by_role("button", name="3人を取り込む").click()
    page.wait_for_url("**/clients/import/*")
    expect(page.locator("#import-actions")).to_be_visible()
    expect(page.locator("main")).to_contain_text("3人を取り込みました")
    expect(page.locator("table")).to_contain_text("東 夏")
    page.screenshot(path=str(shots / "import-excel-done.png"), full_page=True)
    assert db.scalar(select(func.count()).select_from(Client)) == before + 3
    ctx.close()
