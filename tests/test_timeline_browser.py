"""The client timeline in a real browser: the chart draws, ranges switch, axe passes, and the
page still carries the data without JavaScript."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import Client, Contact, Flag
from checkin.services import demo
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations

pytestmark = BROWSER_MARKS


def demo_client(db: Session) -> Client:
    """The demo client with an open flag and the most contact records."""
    flagged = select(Flag.client_id).where(Flag.status == "open")
    cid = db.scalars(
        select(Contact.client_id)
        .where(Contact.client_id.in_(flagged))
        .group_by(Contact.client_id)
        .order_by(func.count().desc(), Contact.client_id)
        .limit(1)
    ).one()
    client = db.get(Client, cid)
    assert client is not None and client.supporter is not None
    return client


def login(page: Any, live_server: str, who: str, password: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#login", who)
    page.fill("#password", password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/alerts**")


def chart_drawn(page: Any) -> None:
    expect(page.locator("#timeline-chart.drawn canvas")).to_have_count(4)  # events + 3 series
    box = page.locator("#timeline-chart canvas").first.bounding_box()
    assert box and box["width"] > 200
    # Something was painted: the canvas is not blank.
    painted = page.evaluate(
        """() => [...document.querySelectorAll('#timeline-chart canvas')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
            return n; })"""
    )
    assert all(n > 500 for n in painted), painted


def test_the_timeline_draws_switches_range_and_passes_axe(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    client = demo_client(db)
    assert client.supporter is not None
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    login(page, live_server, client.supporter.login, seeded.password)
    page.goto(f"{live_server}/clients/{client.id}")
    chart_drawn(page)
    # With the chart drawn, the daily table folds away (still one click away) and the
    # legend shows.
    expect(page.locator("#timeline-table")).not_to_have_attribute("open", re.compile(".*"))
    expect(page.locator("#timeline-legend")).to_be_visible()
    expect(page.locator(".range-switch [aria-current=page]")).to_have_text("1か月")
    # Hovering a day reads it out in words.
    plot = page.locator("#timeline-chart .u-over").nth(1)  # the mood panel's plotting area
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    expect(page.locator("#timeline-readout")).to_contain_text("6/10")
    page.locator("#timeline").screenshot(path=str(shots / "timeline.png"))

    page.get_by_role("link", name="3か月").click()
    page.wait_for_url("**range=3m**")
    chart_drawn(page)
    expect(page.locator(".range-switch [aria-current=page]")).to_have_text("3か月")
    expect(page.locator("#timeline-table tbody tr")).to_have_count(91)
    assert axe_violations(page) == []
    page.locator("#timeline").screenshot(path=str(shots / "timeline-3months.png"))
    # Grayscale: the series still differ by line style and point shape.
    page.evaluate("document.documentElement.style.filter = 'grayscale(1)'")
    page.locator("#timeline").screenshot(path=str(shots / "timeline-grayscale.png"))
    assert errors == []

    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    p2 = phone.new_page()
    login(p2, live_server, client.supporter.login, seeded.password)
    p2.goto(f"{live_server}/clients/{client.id}?range=week")
    chart_drawn(p2)
    # Nothing wider than the phone: no sideways scrolling of the page.
    assert p2.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    p2.locator("#timeline").screenshot(path=str(shots / "timeline-phone.png"))
    ctx.close()
    phone.close()


def test_without_javascript_the_data_is_a_table(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult
) -> None:
    client = demo_client(db)
    assert client.supporter is not None
    ctx = browser.new_context(viewport=PHONE, locale="ja-JP", java_script_enabled=False)
    page = ctx.new_page()
    login(page, live_server, client.supporter.login, seeded.password)
    page.goto(f"{live_server}/clients/{client.id}?range=week")
    table = page.locator("#timeline-table table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(7)
    expect(page.locator("#timeline-chart")).to_have_text(re.compile(r"^\s*グラフを表示できません"))
    expect(page.locator(".timeline-notes")).to_be_visible()
    ctx.close()


def test_paging_back_and_forth_without_scripts_and_with_the_chart(
    browser: Any, live_server: str, db: Session, seeded: demo.DemoResult, shots: Path
) -> None:
    client = demo_client(db)
    assert client.supporter is not None
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, client.supporter.login, seeded.password)
    page.goto(f"{live_server}/clients/{client.id}?range=week")
    chart_drawn(page)
    expect(page.get_by_role("link", name="次の期間 →")).to_have_count(0)  # ends today
    first = page.locator("#timeline-table tbody tr").last.get_attribute("data-date")
    page.get_by_role("link", name="← 前の期間").click()
    page.wait_for_url("**end=**")
    chart_drawn(page)
    # The week before: the view is kept, and its last day is the day before the first.
    assert "range=week" in page.url
    expect(page.locator(".range-switch [aria-current=page]")).to_have_text("1週間")
    rows = page.locator("#timeline-table tbody tr")
    expect(rows).to_have_count(7)
    last = rows.first.get_attribute("data-date")
    assert first and last and date.fromisoformat(last) == date.fromisoformat(first) - timedelta(1)
    expect(page.get_by_role("link", name="次の期間 →")).to_be_visible()
    assert axe_violations(page) == []
    page.locator("#timeline").screenshot(path=str(shots / "timeline-previous.png"))
    page.get_by_role("link", name="次の期間 →").click()
    page.wait_for_url("**range=week#timeline")
    chart_drawn(page)
    expect(page.get_by_role("link", name="次の期間 →")).to_have_count(0)
    assert errors == []

    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    p2 = phone.new_page()
    login(p2, live_server, client.supporter.login, seeded.password)
    p2.goto(f"{live_server}/clients/{client.id}?range=month")
    p2.get_by_role("link", name="← 前の期間").click()
    p2.wait_for_url("**end=**")
    chart_drawn(p2)
    assert p2.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    p2.locator("#timeline").screenshot(path=str(shots / "timeline-previous-phone.png"))
    ctx.close()
    phone.close()
