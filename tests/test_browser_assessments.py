"""The periodic checks in a real browser (issue 16): the client fills theirs on a 360 px
phone without JavaScript, the employer (with the consent scope) fills theirs, and the
supporter sees the three sides' radar chart, the biggest disagreements and the comparison
with the previous round. Screenshots of the charts go to CHECKIN_SCREENSHOT_DIR."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    Channel,
    CheckIn,
    ClientDocument,
    Disclosure,
    DocStatus,
    Employer,
    EmployerUser,
)
from checkin.services import assessment_docs, support
from checkin.services.assessment_items import STABILITY
from checkin.services.links import issue_link
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, PASSWORD, TODAY, World

pytestmark = BROWSER_MARKS
DESKTOP = {"width": 1280, "height": 900}


def _setup(db: Session, world: World) -> str:
    client = world.client_a
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(employer)
    db.flush()
    client.employer_id = employer.id
    client.disclosure = Disclosure.OPEN
    db.add(
        EmployerUser(
            employer_id=employer.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    support.add_consent(
        db,
        world.sato,
        client,
        employer_id=employer.id,
        agency_name=None,
        scopes=["trend", "assessment"],
        evidence="同意書",
        now=NOW - timedelta(days=90),
    )
    token = issue_link(db, client, now=NOW - timedelta(days=90))
    for back in range(28):  # short nights in the check-ins
        db.add(
            CheckIn(
                client_id=client.id,
                local_date=TODAY - timedelta(days=back),
                mood=3,
                fatigue=3,
                sleep_hours=Decimal("5") if back % 3 else Decimal("7"),
                sleep_quality=3,
                channel=Channel.WEB,
            )
        )
    # the previous round, two months ago, from the supporter and the client
    before = {"answers": {i.key: 3 for i in STABILITY.items}, "notes": {}}
    for side in ("staff", "client"):
        assessment_docs.write(
            db,
            client,
            STABILITY.kind,
            side,
            before,
            today=TODAY - timedelta(days=60),
            now=NOW - timedelta(days=60),
            by=world.sato if side == "staff" else None,
        )
    db.commit()
    return token


def _login(page: Any, url: str, login: str) -> None:
    page.goto(url)
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/login" not in u)


def _choose(page: Any, key: str, value: str, tap: bool = False) -> None:
    label = page.locator(f'label[for="a-{key}-{value}"]')
    label.tap() if tap else label.click()


def test_three_sides_fill_and_the_supporter_compares(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    token = _setup(db, world)
    client = world.client_a

    # The client, on a small phone, without JavaScript: one area per screen.
    ctx = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
        java_script_enabled=False,
    )
    phone = ctx.new_page()
    phone.goto(f"{live_server}/c/{token}/me")
    phone.get_by_role("link", name="しごとと くらしの チェック").tap()
    expect(phone.locator("h1")).to_have_text("しごとと くらしの チェック")
    phone.get_by_role("link", name="はじめる").tap()
    high = {"outlook": "4", "health": "4", "conduct": "4", "satisfaction": "3", "evaluation": "4"}
    for step, area in enumerate(STABILITY.areas, start=1):
        expect(phone.locator("legend").first).to_have_text(str(area.client_title))
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for n, item in enumerate(area.items):
            if area.key == "support":
                _choose(phone, item.key, "na", tap=True)  # 「わからない」
            elif n != 1:  # one item left blank in each area
                _choose(phone, item.key, high[area.key], tap=True)
        if step == 2:
            box = phone.locator('label[for="a-health.sleep-4"]').bounding_box()
            assert box["height"] >= 44
            phone.screenshot(path=str(shots / "assessment-client-phone.png"), full_page=True)
        phone.get_by_role("button", name="つぎへ").tap()
    expect(phone.locator("h2")).to_have_text("これで おくりますか")
    phone.get_by_role("button", name="おくる").tap()
    expect(phone.locator(".note-ok")).to_contain_text("おくりました")
    ctx.close()

    # axe-core on the client's check page (with scripts, which axe needs)
    axe_ctx = browser.new_context(viewport=PHONE, bypass_csp=True, locale="ja-JP")
    axe_page = axe_ctx.new_page()
    for step in (1, 2, len(STABILITY.areas) + 1):
        axe_page.goto(f"{live_server}/c/{token}/check/{step}")
        assert axe_violations(axe_page) == [], step
    axe_page.goto(f"{live_server}/c/{token}/check")
    assert axe_violations(axe_page) == []
    axe_ctx.close()

    # The employer, with the consent scope: sees the boss's view and conduct quite otherwise.
    hr_ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    hr = hr_ctx.new_page()
    _login(hr, f"{live_server}/employer/login", "aozora-hr")
    hr.goto(f"{live_server}/employer/clients/{client.id}")
    hr.get_by_role("link", name="安定した就労と生活のチェックに答える").click()
    low = {"outlook": "3", "health": "3", "conduct": "2", "satisfaction": "3", "evaluation": "1"}
    for area in STABILITY.areas:
        for item in area.items:
            _choose(
                hr, item.key, high.get(area.key, "3") if area.key == "support" else low[area.key]
            )
    hr.get_by_role("button", name="保存して送る").click()
    expect(hr.locator(".flash-ok")).to_contain_text("送りました")
    hr_ctx.close()

    # The supporter: their own answers, then the comparison page.
    st_ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    st = st_ctx.new_page()
    _login(st, f"{live_server}/login", "sato")
    st.goto(f"{live_server}/clients/{client.id}")
    expect(st.locator("#checks")).to_contain_text("安定した就労と生活のチェック")
    st.goto(f"{live_server}/clients/{client.id}/checks/stability/fill")
    for area in STABILITY.areas:
        for item in area.items:
            _choose(st, item.key, "3")
    _choose(st, "health.sleep", "2")
    st.fill("#note-health", "面談で 睡眠の記録を 一緒に見た")
    st.get_by_role("button", name="保存して送る").click()
    expect(st.locator("h2").first).to_contain_text("立場ごとの見方")
    radar = st.locator("svg.radar").first
    expect(radar).to_be_visible()
    # the numbers are in a table for screen readers; the chart itself is hidden from them
    assert radar.get_attribute("aria-hidden") == "true"
    expect(st.locator("table.radar-numbers").first).to_contain_text("回答なし")  # client: support
    gaps = st.locator("ul.gaps li")
    expect(gaps.first).to_contain_text("上司が")  # client 4 vs employer 1: the biggest gap
    expect(gaps.first).to_contain_text("差 3")
    expect(st.locator("#health")).to_contain_text("睡眠は「安定」と答えていますが")
    st.locator("section.card").nth(0).screenshot(path=str(shots / "assessment-sides-radar.png"))
    prev = st.locator("section.card", has_text="前回との比較")
    expect(prev.locator("svg.radar")).to_be_visible()
    prev.screenshot(path=str(shots / "assessment-previous-radar.png"))
    st.goto(f"{live_server}/clients/{client.id}")
    st.locator("#checks").screenshot(path=str(shots / "assessment-trend.png"))
    # On a phone, nothing of these pages scrolls sideways.
    st.set_viewport_size(PHONE)
    for path in ("", "/checks/stability", "/checks/stability/fill", "/resource-map"):
        st.goto(f"{live_server}/clients/{client.id}{path}")
        width = st.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    st_ctx.close()

    db.expire_all()
    sheets = db.scalars(
        select(ClientDocument).where(
            ClientDocument.client_id == client.id, ClientDocument.period == TODAY.isoformat()
        )
    ).all()
    assert sorted(str(d.side) for d in sheets) == ["client", "employer", "staff"]
    assert all(d.status == DocStatus.CONFIRMED for d in sheets)
    client_sheet = next(d for d in sheets if d.side == "client")
    assert client_sheet.body["answers"]["support.accommodation"] == "na"
    assert "outlook.career_goals" not in client_sheet.body["answers"]
    assert re.match(r"\d{4}-\d{2}-\d{2}", client_sheet.period)
