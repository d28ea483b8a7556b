"""Phones (issue 12): at 360 px nothing scrolls sideways, Japanese written with spaces breaks
only at its spaces, the choices are readable and the crisis numbers are big call buttons.
Measured in Debian's chromium; screenshots go to CHECKIN_SCREENSHOT_DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from checkin.models import Flag, FlagStatus
from checkin.services import demo
from checkin.services.links import issue_link
from jobs.registry import JOBS
from jobs.scheduler import SchedulerApp
from tests.browser_helpers import BROWSER_MARKS, PHONE
from tests.conftest import NOW

pytestmark = BROWSER_MARKS

NO_SIDEWAYS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# The words of one label, each as the boxes of its characters' lines: a word broken inside
# (「わ/るい」) has lines at two heights. Returns [[word, [line tops...]], ...].
WORD_LINES = r"""label => {
  const out = [];
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.textContent.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = [...new Set([...range.getClientRects()].map(r => Math.round(r.top)))];
      out.push([m[0], tops]);
    }
  }
  return out;
}"""


def _phone(browser: Any) -> Any:
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ja-JP"
    )


def test_staff_pages_fit_a_phone(
    browser: Any,
    live_server: str,
    db: Session,
    seeded: demo.DemoResult,
    shots: Path,
    factory: sessionmaker[Session],
) -> None:
    # /ops/jobs with real runs and counts on it (the morning's signals and escalations).
    morning = [spec for spec in JOBS if spec.id in ("morning-signals", "flag-escalation")]
    SchedulerApp(factory, jobs=morning, clock=lambda: NOW, holder="phone-test:1").run_due()
    manager = next(login for login, _, role in seeded.logins if role == "service_manager")
    someone = seeded.link_client.id
    ctx = _phone(browser)
    page = ctx.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#login", manager)
    page.fill("#password", seeded.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/alerts**")
    pages = {
        "alerts": "/alerts?all=1",
        "overview": "/overview",
        "clients": "/clients",
        "client": f"/clients/{someone}",
        "audit": f"/clients/{someone}/audit",
        "staff": "/admin/staff",
        "employers": "/admin/employers",
        "import": "/clients/import",
        "history-import": "/clients/import/history",
        "jobs": "/ops/jobs",
    }
    for name, path in pages.items():
        page.goto(f"{live_server}{path}")
        page.screenshot(path=str(shots / f"phone-staff-{name}.png"))  # the first screen
        assert page.evaluate(NO_SIDEWAYS), (
            path,
            page.evaluate("document.documentElement.scrollWidth"),
        )
        # Every menu entry is on one line (no 「アラー/ト」).
        for link in page.locator(".topbar nav a").all():
            box = link.bounding_box()
            assert box["height"] < 1.8 * 17, (path, link.inner_text(), box)
    ctx.close()


def test_client_choices_and_crisis_buttons_on_a_phone(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    client = seeded.link_client
    token = issue_link(db, client, now=NOW)
    db.commit()
    ctx = _phone(browser)
    page = ctx.new_page()
    page.goto(f"{live_server}/c/{token}")
    assert page.evaluate(NO_SIDEWAYS)
    for name in ("mood", "fatigue", "sleep_quality"):
        for value in range(1, 6):
            label = page.locator(f"label[for={name}-{value}]")
            size = label.evaluate("l => parseFloat(getComputedStyle(l).fontSize)")
            assert size >= 16, (name, value, size)
            # Each word on one line: a label breaks at its spaces or not at all.
            for word, tops in label.evaluate(WORD_LINES):
                assert len(tops) == 1, (name, value, word, tops)
    # 「とても わるい」 reads on one line, or breaks only at its space.
    worst = page.locator("label[for=mood-1]")
    assert "とても わるい" in worst.inner_text().replace("\n", " ")
    words = dict((w, tops) for w, tops in worst.evaluate(WORD_LINES))
    assert set(words) == {"とても", "わるい"} and all(len(t) == 1 for t in words.values())

    def crisis_buttons() -> list[Any]:
        buttons = page.locator("a.call[href^='tel:']").all()
        assert {b.get_attribute("href") for b in buttons} >= {"tel:119", "tel:0120279338"}
        for b in buttons:
            box = b.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 120, (b.inner_text(), box)
        return buttons

    crisis_buttons()  # on the check-in page itself
    page.screenshot(path=str(shots / "phone-client-checkin.png"), full_page=True)

    for name, value in (("mood", 1), ("fatigue", 5), ("sleep_quality", 1)):
        page.locator(f"label[for={name}-{value}]").tap()
    page.fill("#sleep_hours", "4")
    page.locator("label[for=wants_contact]").tap()
    page.get_by_role("button", name="おくる").tap()
    page.wait_for_url("**/done**")
    assert page.evaluate(NO_SIDEWAYS)
    assert len(crisis_buttons()) >= 2
    page.screenshot(path=str(shots / "phone-client-done.png"), full_page=True)
    ctx.close()
    urgent = db.query(Flag).filter(Flag.client_id == client.id, Flag.status == FlagStatus.OPEN)
    assert urgent.count() >= 1
