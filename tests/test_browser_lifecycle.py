"""The retention page and the client's period / stage / employment sections in a real browser
(issue 15), on the demo office."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Client, ClientStatus, Stage, StageChange
from checkin.services import demo, retention_rate
from tests.browser_helpers import AXE, BROWSER_MARKS, PHONE, axe_violations

pytestmark = BROWSER_MARKS


def _login(page: Any, live_server: str, login: str, password: str, path: str) -> None:
    page.goto(f"{live_server}{path}")
    page.fill("#login", login)
    page.fill("#password", password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"**{path}")


def _axe(page: Any, selector: str) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"async () => await axe.run('{selector}')")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_the_manager_checks_the_retention_rate_and_a_past_client(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    r = retention_rate.office_retention(db, seeded.office.id, 2026)
    ctx = browser.new_context(
        viewport={"width": 1200, "height": 900},
        locale="ja-JP",
        accept_downloads=True,
        bypass_csp=True,
    )
    page = ctx.new_page()
    _login(page, live_server, "kanri", seeded.password, "/overview")
    expect(page.locator("#clients")).to_contain_text("か月")
    page.get_by_role("link", name="就労定着率 (2026年度)").click()
    page.wait_for_url("**/retention?fy=2026")
    expect(page.locator("#rate-value")).to_contain_text(f"({r.numerator}人 / {r.denominator}人)")
    expect(page.locator("#fee-band")).to_contain_text("単位")
    expect(page.locator("#retention-list")).to_contain_text("→ 2026-04-15 に新しい仕事")
    assert page.locator("#retention-list tbody tr").count() == r.denominator
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "retention.png"), full_page=True)
    with page.expect_download() as dl:
        page.get_by_role("link", name="一覧をExcelで").click()
    assert dl.value.suggested_filename == "retention-2026.xlsx"

    page.locator("#retention-list").get_by_role("link", name="原田 涼").click()
    page.wait_for_url("**/clients/**")
    expect(page.locator("#employment")).to_contain_text("転職 (新しい仕事の初日)")
    expect(page.locator("#period")).to_contain_text("終了")
    page.locator("#employment").screenshot(path=str(shots / "client-employment.png"))
    ctx.close()


def test_a_supporter_changes_the_stage_with_a_reason_on_a_phone(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    supporter = next(login for login, _, role in seeded.logins if role == "supporter")
    client = db.scalars(
        select(Client)
        .join(Client.supporter)
        .where(Client.stage == Stage.STABILITY)
        .where(Client.status == ClientStatus.ACTIVE)
        .order_by(Client.id)
    ).first()
    assert client is not None
    ctx = browser.new_context(viewport=PHONE, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    _login(page, live_server, supporter, seeded.password, "/alerts")
    page.goto(f"{live_server}/clients/{client.id}")
    expect(page.locator("#period-left")).to_contain_text("残り")
    expect(page.locator("#stage-numbers")).to_contain_text("最近3か月")
    page.locator("#period").screenshot(path=str(shots / "client-period-phone.png"))
    stage = page.locator("#stage")
    stage.locator("#s-stage").select_option("self_driving")
    stage.get_by_role("button", name="段階を変更する").click()  # no reason: the browser asks
    assert page.locator("#s-reason:invalid").count() == 1
    stage.locator("#s-reason").fill("本人と話し、困ったときに連絡をもらう形にした")
    stage.get_by_role("button", name="段階を変更する").click()
    expect(page.locator("main")).to_contain_text("支援の段階を変更しました。")
    expect(page.locator("#stage-now")).to_have_text("自走期")
    expect(page.locator("#stage-history")).to_contain_text("安定期 → 自走期")
    page.locator("#stage").screenshot(path=str(shots / "client-stage-phone.png"))
    assert _axe(page, "#stage") == [] and _axe(page, "#period") == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    db.expire_all()
    mine = select(StageChange).where(
        StageChange.client_id == client.id, StageChange.to_stage == Stage.SELF_DRIVING
    )
    [change] = db.scalars(mine).all()
    assert change.reason == "本人と話し、困ったときに連絡をもらう形にした"
    ctx.close()
