"""In the browser: the service manager sees who looked at a client; the administrator
anonymizes an ended client after a confirmation page (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from checkin.models import ClientStatus, Role, StaffUser
from tests.browser_helpers import BROWSER_MARKS, axe_violations
from tests.conftest import NOW, PASSWORD, TODAY, World, _password_hash

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}


def _login(browser: Any, live_server: str, login: str) -> Any:
    page = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True).new_page()
    page.goto(f"{live_server}/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/login" not in u)
    return page


def test_who_looked_and_anonymizing(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    db.add(
        StaffUser(
            office_id=world.office.id,
            login="admin",
            name="事務 一郎",
            role=Role.ADMIN,
            password_hash=_password_hash(),
        )
    )
    a = world.client_a
    a.status = ClientStatus.ENDED
    a.service_end = TODAY - timedelta(days=20)
    db.commit()
    cid = a.id

    sato = _login(browser, live_server, "sato")
    sato.goto(f"{live_server}/clients/{cid}")
    assert "/views" not in sato.content()  # a supporter has no link to who looked

    manager = _login(browser, live_server, "kanri")
    manager.goto(f"{live_server}/clients/{cid}")
    manager.get_by_role("link", name="この人の記録を見た人 (閲覧・出力の記録)").click()
    manager.wait_for_url(lambda u: u.endswith("/views"))
    table = manager.locator("table").inner_text()
    assert "佐藤が 利用者のページを見ました" in table and "管理が 利用者のページを見ました" in table
    assert NOW.astimezone().strftime("%Y") in table
    manager.screenshot(path=str(shots / "client-views.png"), full_page=True)
    assert axe_violations(manager) == []

    admin = _login(browser, live_server, "admin")
    admin.goto(f"{live_server}/clients/{cid}")
    admin.get_by_text("記録の匿名化 (支援終了から5年後、または法令に基づく請求のとき)").click()
    admin.get_by_label("法令に基づく請求の理由 (5年たつ前に匿名化するときだけ)").fill(
        "本人からの削除の請求 (2026-06-01 受付)"
    )
    admin.get_by_role("button", name="匿名化する").click()
    body = admin.locator("main").inner_text()
    assert "田中 健太さんの記録を匿名化します" in body and "本人からの削除の請求" in body
    admin.screenshot(path=str(shots / "client-anonymize-confirm.png"), full_page=True)
    assert axe_violations(admin) == []
    admin.get_by_role("button", name="はい、匿名化します").click()
    admin.wait_for_url(lambda u: u.endswith(f"/clients/{cid}"))
    body = admin.locator("body").inner_text()
    assert "記録を匿名化しました。" in body and "田中" not in body
    assert f"匿名 {cid}" in body
