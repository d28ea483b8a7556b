"""A manager stops an employer account in the browser (issue 17): the page asks first, the
employer's open session ends on its next page, and 「再開する」 brings the account back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import Employer, EmployerUser
from tests.browser_helpers import BROWSER_MARKS, axe_violations
from tests.conftest import PASSWORD, World

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}


def _login(page: Any, url: str, login: str) -> None:
    page.goto(url)
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/login" not in u)


def test_a_manager_stops_and_restarts_an_employer_account(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(employer)
    db.flush()
    user = EmployerUser(
        employer_id=employer.id,
        login="aozora-hr",
        name="人事 花子",
        password_hash=generate_password_hash(PASSWORD),
    )
    db.add(user)
    db.commit()

    hr = browser.new_context(viewport=DESKTOP, locale="ja-JP").new_page()
    _login(hr, f"{live_server}/employer/login", "aozora-hr")
    assert hr.url.endswith("/employer/")

    page = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True).new_page()
    _login(page, f"{live_server}/login", "kanri")
    page.goto(f"{live_server}/admin/employers")
    page.get_by_text("企業の方のアカウント (1)").click()
    row = page.locator("#employer-user-aozora-hr")
    assert "利用中" in row.inner_text()
    page.screenshot(path=str(shots / "employer-accounts.png"), full_page=True)
    assert axe_violations(page) == []

    row.get_by_role("button", name="停止する").click()
    assert "人事 花子" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "employer-account-stop-confirm.png"), full_page=True)
    page.get_by_role("button", name="はい、停止します").click()
    page.wait_for_url(lambda u: u.endswith("/admin/employers"))
    assert "人事 花子さんのアカウントを停止しました。" in page.inner_text("body")

    hr.goto(f"{live_server}/employer/")
    assert "/login" in hr.url  # the open session ended

    page.get_by_text("企業の方のアカウント (1)").click()
    page.locator("#employer-user-aozora-hr").get_by_role("button", name="再開する").click()
    page.wait_for_url(lambda u: u.endswith("/admin/employers"))
    assert "ログインできます" in page.inner_text("body")
    _login(hr, f"{live_server}/employer/login", "aozora-hr")
    assert hr.url.endswith("/employer/")

    # A password set by the office: the person chooses their own at the next login.
    page.get_by_text("企業の方のアカウント (1)").click()
    row = page.locator("#employer-user-aozora-hr")
    row.get_by_text("パスワードを設定しなおす").click()
    row.get_by_label("新しいパスワード (10文字以上)").fill("office chosen password")
    page.screenshot(path=str(shots / "employer-account-reset.png"), full_page=True)
    row.get_by_role("button", name="変更").click()
    page.wait_for_url(lambda u: u.endswith("/admin/employers"))
    assert "次のログインで、本人が新しいパスワードを決めます。" in page.inner_text("body")
    hr.goto(f"{live_server}/employer/")
    assert "/login" in hr.url
