"""A new office starts on a Monday morning, in a real browser (issue 7's walk-through)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client, StaffUser
from tests.browser_helpers import BROWSER_MARKS, PHONE
from tests.conftest import PASSWORD, TODAY, World

pytestmark = BROWSER_MARKS


def test_a_new_office_sets_itself_up(
    browser: Any,
    live_server: str,
    db: Session,
    world: World,
    shots: Path,
    tmp_path: Path,
) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#login", "kanri")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: "/login" not in url)
    body = page.locator("body")

    # Two supporters.
    for login, name in (("yamada", "山田 一郎"), ("kimura", "木村 花")):
        page.goto(f"{live_server}/admin/staff")
        page.fill("#name", name)
        page.fill("#login", login)
        page.fill("#password", "first password 1")
        page.get_by_role("button", name="登録").click()
        expect(body).to_contain_text("職員を登録しました")
    yamada = db.scalars(select(StaffUser).where(StaffUser.login == "yamada")).one()

    # Five clients by hand.
    for i in range(5):
        page.goto(f"{live_server}/clients/new")
        page.fill("#name", f"手入力 {i}")
        page.select_option("#supporter_id", label="山田 一郎")
        page.fill("#hire_date", "2026-01-05")
        page.get_by_role("button", name="保存").click()
        expect(body).to_contain_text("保存しました")

    # Thirty more from a spreadsheet, with a preview first.
    csv_path = tmp_path / "clients.csv"
    rows = [
        "名前,ふりがな,担当,副担当,企業,入社日,支援開始日,支援終了日,段階,開示,曜日,リマインド,方法"
    ]
    rows += [
        f"取込 {i},,{'yamada' if i % 2 else 'kimura'},,,2025-1{i % 3}-01,,,,,01234,,"
        for i in range(30)
    ]
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.goto(f"{live_server}/clients/import")
    page.set_input_files("#file", str(csv_path))
    page.get_by_role("button", name="内容を確かめる").click()
    expect(body).to_contain_text("30行、問題はありません")
    page.screenshot(path=str(shots / "import-preview.png"), full_page=True)
    page.get_by_role("button", name="30人を取り込む").click()
    expect(body).to_contain_text("30人を取り込みました")

    # A year of their past entries.
    imported = db.scalars(select(Client).where(Client.name.like("取込 %"))).all()
    assert len(imported) == 30
    history = tmp_path / "history.csv"
    lines = ["client_id,date,mood,fatigue,sleep_hours,sleep_quality,wants_contact,note"]
    for c in imported:
        for back in range(365, 0, -1):
            d = TODAY - timedelta(days=back)
            if d.weekday() < 5 and (back + c.id) % 7:
                lines.append(f"{c.id},{d},{3 + (back + c.id) % 2},2,6.5,3,false,")
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(f"{live_server}/clients/import/history")
    page.set_input_files("#file", str(history))
    page.get_by_role("button", name="内容を確かめる").click()
    expect(page.locator("p.flash")).to_contain_text("30人")
    expect(page.locator("p.flash")).to_contain_text("問題はありません")
    page.get_by_role("button", name="件を取り込む").click()
    # The page streams its progress; wait for the last line, as a person would.
    page.locator("ol.progress li", has_text="件の記録を取り込みました").wait_for(timeout=60_000)
    assert db.scalar(select(func.count()).select_from(CheckIn)) == len(lines) - 1

    # Print a client's card; the link on it works on a phone.
    target = imported[0]
    page.goto(f"{live_server}/clients/{target.id}")
    page.get_by_role("button", name="記録用カードを作る").click()
    expect(page.locator(".qr svg")).to_have_count(1)
    page.screenshot(path=str(shots / "client-card.png"), full_page=True)
    link = page.locator(".client-link").get_attribute("href")
    assert link is not None
    phone = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    p2 = phone.new_page()
    p2.goto(link)
    expect(p2.locator("h1")).to_contain_text(target.name)
    for name in ("mood", "fatigue", "sleep_quality"):
        p2.locator(f"label[for={name}-4]").click()
    p2.fill("#sleep_hours", "7")
    p2.get_by_role("button", name="おくる").click()
    p2.wait_for_url("**/done**")
    phone.close()

    # A supporter leaves: deactivate, then hand their clients to the colleague.
    page.goto(f"{live_server}/admin/staff")
    page.locator("#staff-yamada").get_by_role("button", name="停止する").click()
    expect(page.locator("h1")).to_have_text("アカウントの停止")  # asks first, says to whom
    expect(page.locator("main")).to_contain_text("山田 一郎さん")
    page.get_by_role("button", name="はい、停止します").click()
    page.wait_for_url("**/admin/reassign**")
    expect(body).to_contain_text("山田 一郎さんの担当")
    page.select_option("#supporter_id", label="木村 花")
    page.get_by_role("button", name="担当を変える").click()
    expect(body).to_contain_text("人の担当を変えました")
    ctx.close()
    db.expire_all()
    left = db.scalar(
        select(func.count()).select_from(Client).where(Client.supporter_id == yamada.id)
    )
    assert left == 0
