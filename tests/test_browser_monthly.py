"""The monthly cycle in a real browser (issue 14): a supporter records a meeting with its
details and sees it on the duties board (Japanese and English), pages through months and
sees the duties section of the morning list in the month's last week; the employer sends a
「気になること」 that lands on the supporter's alert list at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import Contact, Employer, EmployerNote, EmployerUser, Flag
from checkin.services import support
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, PASSWORD, World

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}
CONCERN = "今週、朝の遅刻が2回ありました。少し疲れた様子です。"


def _login(page: Any, url: str, login: str, button: str = "ログイン") -> None:
    page.goto(url)
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(lambda u: "/login" not in u)


def test_duties_board_meeting_recorded_month_picker_and_english(
    app: Flask, browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    _login(page, f"{live_server}/login", "sato")
    page.get_by_role("link", name="月の義務").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026年6月")
    row = page.locator(f"#duty-{world.client_a.id}")
    expect(row).to_contain_text("まだ")
    expect(row).to_contain_text("未作成")
    expect(page.locator(f"#duty-{world.client_b.id}")).to_have_count(0)  # suzuki's client

    # A face-to-face meeting with its place and the employer present, from the client page.
    row.get_by_role("link", name=world.client_a.name).click()
    form = page.locator("form.contact-form")
    form.get_by_label("種類").select_option("meeting")
    form.get_by_label("日時 (空なら今)").fill("2026-06-09T15:00")
    form.get_by_label("場所", exact=True).fill("職場の会議室")
    form.get_by_label("企業の方", exact=True).check()
    form.get_by_label("企業の方の名前・立場 (出席したとき)").fill("人事 花子")
    form.screenshot(path=str(shots / "client-meeting-form.png"))
    form.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("連絡を記録しました。")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("場所: 職場の会議室")
    expect(page.locator("#contacts")).to_contain_text("出席: 本人・支援員・企業の方 (人事 花子)")
    expect(page.locator("#timeline-table")).to_contain_text("場所: 職場の会議室")

    # A video meeting without its reason: a message, nothing saved.
    form = page.locator("form.contact-form")
    form.get_by_label("種類").select_option("video")
    form.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("対面でできなかった理由を書いてください")).to_be_visible()
    assert db.scalar(select(Contact).where(Contact.kind == "video")) is None

    page.get_by_role("link", name="月の義務").click()
    row = page.locator(f"#duty-{world.client_a.id}")
    expect(row).to_contain_text("済み")
    expect(row).to_contain_text("6/9")
    page.screenshot(path=str(shots / "duties.png"), full_page=True)

    page.get_by_role("link", name="← 前の月").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026年5月")
    expect(page.locator(f"#duty-{world.client_a.id}")).to_contain_text("まだ")
    page.get_by_role("link", name="次の月 →").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026年6月")
    expect(page.get_by_role("link", name="次の月 →")).to_have_count(0)  # no future months
    if Path(__file__).resolve().parent.parent.joinpath("node_modules/axe-core").exists():
        assert axe_violations(page) == []

    # The CSV export downloads with Japanese headers.
    with page.expect_download() as dl:
        page.get_by_role("link", name="CSVで出力").click()
    body = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert body.startswith("月,利用者,担当,この月の支援期間,面談")

    # English (staff pages): the same board.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monthly duties")
    expect(page.locator(f"#duty-{world.client_a.id}")).to_contain_text("Done")
    expect(page.locator(f"#duty-{world.client_a.id}")).to_contain_text("Not started")
    page.screenshot(path=str(shots / "duties-en.png"), full_page=True)

    # The month's last week: the morning list shows the open duties in their own section,
    # after the alerts (none here).
    app.config["CLOCK"] = lambda: datetime(2026, 6, 24, 0, 0, tzinfo=UTC)
    try:
        page.goto(f"{live_server}/alerts")
        duties = page.locator("#duties")
        expect(duties).to_contain_text("This month's duties (one week left)")
        expect(duties).to_contain_text(world.client_c.name)
        page.get_by_role("link", name="日本語").click()
        expect(page.locator("#duties")).to_contain_text("今月の義務 (月末まで1週間)")
        expect(page.locator("#duties")).to_contain_text("支援レポート")
        page.locator("#duties").screenshot(path=str(shots / "alerts-duties.png"))
    finally:
        app.config["CLOCK"] = lambda: NOW
    ctx.close()


def test_employer_concern_reaches_the_supporter_at_once(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(employer)
    db.flush()
    world.client_a.employer_id = employer.id
    db.add(
        EmployerUser(
            employer_id=employer.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.commit()
    support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=employer.id,
        agency_name=None,
        scopes=["trend", "employer_notes"],
        evidence="同意書 2026-05-01",
        now=NOW,
    )
    db.commit()

    hr_ctx = browser.new_context(viewport=PHONE, locale="ja-JP", bypass_csp=True)
    hr = hr_ctx.new_page()
    _login(hr, f"{live_server}/employer/login", "aozora-hr")
    hr.get_by_role("link", name=world.client_a.name).click()
    voice = hr.locator("#voice")
    expect(voice.get_by_role("heading", name="気になること")).to_be_visible()
    # Empty words: the browser asks first; too long is cut by maxlength; the server checks too.
    voice.get_by_label("遅刻").check()
    voice.get_by_label("くわしく (1000文字まで)").fill(CONCERN)
    hr.screenshot(path=str(shots / "employer-concern-phone.png"), full_page=True)
    voice.get_by_role("button", name="支援員に届ける").click()
    expect(hr.get_by_text("支援員に届けました。ありがとうございます。")).to_be_visible()
    expect(hr.locator("#monthly-answer")).to_contain_text(CONCERN)
    note = db.scalar(select(EmployerNote))
    assert note is not None and note.flag_id is not None
    width = hr.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing pushes the phone page sideways
    hr_ctx.close()

    ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    _login(page, f"{live_server}/login", "sato")
    flag = db.get(Flag, note.flag_id)
    assert flag is not None
    card = page.locator(f"#flag-{flag.id}")
    expect(card).to_contain_text("勤め先から")
    expect(card).to_contain_text(CONCERN)
    card.screenshot(path=str(shots / "alerts-employer-concern.png"))
    page.get_by_role("link", name="English").click()
    card = page.locator(f"#flag-{flag.id}")
    expect(card).to_contain_text("From the employer")
    card.screenshot(path=str(shots / "alerts-employer-concern-en.png"))
    page.goto(f"{live_server}/clients/{world.client_a.id}")
    expect(page.locator("#employer-notes")).to_contain_text(CONCERN)
    expect(page.locator("#timeline-table")).to_contain_text(
        re.compile(r"From the employer: Concern")
    )
    ctx.close()
