"""Outcome labels and flag feedback as a supporter uses them, in a real browser (#4)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
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
    before = set(db.scalars(select(FlagFeedback.id)))  # the demo's history has verdicts
    first = page.locator("li.flag").first
    first.locator("form.feedback").get_by_role("button", name="役に立った", exact=True).click()
    expect(page.locator("main")).to_contain_text("「役に立った」と記録しました")
    db.expire_all()
    [new] = [fb for fb in db.scalars(select(FlagFeedback)) if fb.id not in before]
    assert new.useful is True

    page.locator("li.flag").first.locator(".client-name").click()
    page.wait_for_url("**/clients/**")
    section = page.locator("#outcomes")
    section.locator("label[for=o-kind-sick_leave]").click()  # the radio's label
    section.locator("#o-note").fill("主治医の判断で2週間の休職")
    section.get_by_role("button", name="記録する").click()
    expect(page.locator("main")).to_contain_text("出来事を記録しました")
    page.locator("#outcomes").screenshot(path=str(shots / "client-outcome-phone.png"))
    # axe on the outcome section only (the rest of the page is checked elsewhere)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run('#outcomes')")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    db.expire_all()
    outcome = db.scalars(select(Outcome).where(Outcome.note == "主治医の判断で2週間の休職")).one()
    assert (outcome.kind, outcome.occurred_on) == (OutcomeKind.SICK_LEAVE, TODAY)

    # it was an absence, the day before: correct it (no JavaScript needed: details + form)
    item = page.locator(f"#outcome-{outcome.id}")
    item.get_by_text("訂正・削除").click()
    item.locator(f"label[for=o{outcome.id}-kind-absence]").click()
    item.locator(f"#o{outcome.id}-date").fill((TODAY - timedelta(days=1)).isoformat())
    item.locator(f"#o{outcome.id}-note").fill("体調不良で欠勤")
    item.get_by_role("button", name="訂正する").click()
    expect(page.locator("main")).to_contain_text("記録を訂正しました")
    item = page.locator(f"#outcome-{outcome.id}")
    item.get_by_text("訂正・削除").click()  # open again, to show the forms
    page.locator("#outcomes").screenshot(path=str(shots / "client-outcome-correct-phone.png"))
    page.add_script_tag(path=str(AXE))  # a new page load
    result = page.evaluate("async () => await axe.run('#outcomes')")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    db.expire_all()
    fixed = db.get(Outcome, outcome.id)
    assert fixed is not None
    assert (fixed.kind, fixed.occurred_on, fixed.note) == (
        OutcomeKind.ABSENCE,
        TODAY - timedelta(days=1),
        "体調不良で欠勤",
    )
    # and delete it after all
    item.get_by_role("button", name="この記録を削除する").click()
    expect(page.locator("main")).to_contain_text("記録を削除しました")
    expect(page.locator(f"#outcome-{outcome.id}")).to_have_count(0)
    db.expire_all()
    gone = db.get(Outcome, outcome.id)
    assert gone is not None and gone.deleted_at is not None
    ctx.close()
