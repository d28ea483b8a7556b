"""Outcome labels and flag feedback as a supporter uses them, in a real browser (#4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import FlagFeedback, Outcome, OutcomeKind
from checkin.services import demo
from tests.browser_helpers import AXE, BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import TODAY

pytestmark = BROWSER_MARKS


def test_supporter_records_an_outcome_and_marks_a_flag_useful_on_a_phone(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    supporter = next(login for login, _, role in seeded.logins if role == "supporter")
    ctx = browser.new_context(viewport=PHONE, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    page.goto(f"{live_server}/alerts")
    page.fill("#login", supporter)
    page.fill("#password", seeded.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/alerts")

    assert axe_violations(page) == []  # the list with the feedback buttons
    first = page.locator("li.flag").first
    first.locator("form.feedback").get_by_role("button", name="役に立った", exact=True).click()
    page.wait_for_load_state()
    assert "「役に立った」と記録しました" in page.content()
    db.expire_all()
    assert db.scalars(select(FlagFeedback)).one().useful is True

    page.locator("li.flag").first.locator(".client-name").click()
    page.wait_for_load_state()
    section = page.locator("#outcomes")
    section.get_by_text("休職", exact=True).click()  # the radio's label
    section.locator("#o-note").fill("主治医の判断で2週間の休職")
    section.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert "出来事を記録しました" in page.content()
    page.locator("#outcomes").screenshot(path=str(shots / "client-outcome-phone.png"))
    # axe on the outcome section only (the rest of the page is checked elsewhere)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run('#outcomes')")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    db.expire_all()
    outcome = db.scalars(select(Outcome)).one()
    assert (outcome.kind, outcome.occurred_on) == (OutcomeKind.SICK_LEAVE, TODAY)
    assert outcome.note == "主治医の判断で2週間の休職"
    ctx.close()
