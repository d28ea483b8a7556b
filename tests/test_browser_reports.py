"""The monthly support report in real browsers (issue 14): a supporter drafts this month's
report from the records, edits, saves and sends it; the client opens the link on their
check-in page at 360 px, reads it, unticks one item and confirms; the employer with the
`reports` consent sees only the items left shared; the staff pages also in English.
Screenshots: docs/screenshots/document-*.png (CHECKIN_SCREENSHOT_DIR)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    Channel,
    CheckIn,
    ClientDocument,
    Contact,
    ContactKind,
    DocStatus,
    Employer,
    EmployerUser,
    LineAccount,
)
from checkin.services import support
from checkin.services.links import issue_link
from checkin.services.selfview_links import make_selfview_token
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, PASSWORD, TODAY, World

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}
GOAL = "朝の 準備を 前の晩に して、遅刻を しない"
SUPPORT = "面談で 記録を 一緒に 見ました。木曜の 疲れの 話を しました。"
SHARED = "通院日は 毎月 第2水曜日 (午後休み) です。"
NEXT_EMPLOYER = "作業の 指示は 紙でも 渡して いただく。"


def _setup(db: Session, world: World) -> tuple[str, int]:
    client = world.client_a
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(employer)
    db.flush()
    client.employer_id = employer.id
    db.add(
        EmployerUser(
            employer_id=employer.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    for back in range(1, 70):
        day = TODAY - timedelta(days=back)
        if day.weekday() < 5:
            db.add(
                CheckIn(
                    client_id=client.id,
                    local_date=day,
                    mood=4 if back % 4 else 3,
                    fatigue=2,
                    sleep_hours=Decimal("7"),
                    sleep_quality=3,
                    channel=Channel.WEB,
                )
            )
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=client.id,
            staff_id=world.sato.id,
            kind=ContactKind.MEETING,
            occurred_at=NOW - timedelta(days=5),
        )
    )
    support.add_consent(
        db,
        world.sato,
        client,
        employer_id=employer.id,
        agency_name=None,
        scopes=["reports"],
        evidence="同意書 2026-05-01",
        now=NOW,
    )
    token = issue_link(db, client, now=NOW - timedelta(days=80))
    db.commit()
    return token, client.id


def _login(page: Any, url: str, login: str) -> None:
    page.goto(url)
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda u: "/login" not in u)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_draft_edit_send_confirm_on_a_phone_and_the_employer_view(
    browser: Any, live_server: str, app: Flask, db: Session, world: World, shots: Path
) -> None:
    token, client_id = _setup(db, world)
    account = LineAccount(
        line_user_id="U" + "c" * 32, client_id=client_id, first_seen_at=NOW, linked_at=NOW
    )
    db.add(account)
    db.commit()
    signed = make_selfview_token(app.secret_key or "", world.client_a, account, now=NOW)

    # --- the supporter drafts this month's report from the client page ---
    staff_ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    staff = staff_ctx.new_page()
    _login(staff, f"{live_server}/login", "sato")
    staff.goto(f"{live_server}/clients/{client_id}#reports")
    section = staff.locator("#reports")
    expect(section.get_by_role("heading", name="支援レポート")).to_be_visible()
    section.screenshot(path=str(shots / "document-report-months.png"))
    row = section.locator("tr", has_text="2026年6月")
    row.get_by_role("button", name="記録から下書きを作る").click()
    expect(staff).to_have_url(f"{live_server}/documents/1/edit")
    expect(staff.get_by_text("記録から 下書きを 作りました")).to_be_visible()
    expect(staff.locator(".generated")).to_contain_text("記録を お願いしていた")
    expect(staff.locator(".generated")).to_contain_text("6月5日 面談 (会って)")
    staff.fill("#goal", GOAL)
    staff.fill("#support", SUPPORT)
    staff.fill("#next_office", "来月も 月初めに 面談を します。")
    staff.fill("#next_client", "寝る前の 30分は スマホを 見ない。")
    staff.fill("#next_employer", NEXT_EMPLOYER)
    staff.fill("#shared", SHARED)
    staff.screenshot(path=str(shots / "document-report-edit.png"), full_page=True)
    staff.get_by_role("button", name="保存する").click()
    expect(staff.get_by_text("保存しました。")).to_be_visible()
    expect(staff.locator("article.doc")).to_contain_text(GOAL)
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="本人に確認をお願いする").click()
    expect(staff.get_by_text("本人に 確認を お願いしました。")).to_be_visible()
    staff.screenshot(path=str(shots / "document-report-view.png"), full_page=True)

    # --- the client, on their phone: LINE's signed self-view link, then the check-in page ---
    phone_ctx = browser.new_context(viewport=PHONE, locale="ja-JP", is_mobile=True, bypass_csp=True)
    phone = phone_ctx.new_page()
    phone.goto(f"{live_server}/me/{signed}")
    expect(phone.get_by_role("link", name="よんで かくにん する もの (1)")).to_have_attribute(
        "href", f"/me/{signed}/docs"
    )
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(shots / "document-line-selfview-link.png"))
    phone.goto(f"{live_server}/c/{token}")
    link = phone.get_by_role("link", name="よんで かくにん する もの (1)")
    expect(link).to_be_visible()
    phone.screenshot(path=str(shots / "document-client-checkin-link.png"))
    link.click()
    expect(phone.get_by_role("heading", name="よんで かくにん する もの")).to_be_visible()
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(shots / "document-client-list-phone.png"), full_page=True)
    phone.get_by_role("link", name="こんげつの ふりかえり (2026年6月)").click()
    expect(phone.get_by_role("heading", name="こんげつの ふりかえり")).to_be_visible()
    expect(phone.locator("article")).to_contain_text(GOAL)
    expect(phone.locator("article")).to_contain_text("記録を お願いしていた")
    _no_sideways_scroll(phone)
    assert axe_violations(phone) == []
    phone.screenshot(path=str(shots / "document-client-report-phone.png"), full_page=True)
    box = phone.get_by_label("「会社と 共有すること」を 会社に 見せて よい")
    expect(box).to_be_checked()
    box.uncheck()
    phone.get_by_role("button", name="確認しました").click()
    expect(phone.get_by_text("かくにん しました。ありがとう ございます。")).to_be_visible()
    expect(phone.get_by_text("会社には 見せません")).to_be_visible()
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(shots / "document-client-confirmed-phone.png"), full_page=True)
    db.expire_all()
    doc = db.scalars(select(ClientDocument)).one()
    assert doc.status == DocStatus.CONFIRMED and doc.private_items == ["shared"]
    assert doc.confirmed_channel == "web"
    # nothing awaits any more
    phone.goto(f"{live_server}/c/{token}")
    expect(phone.get_by_text("よんで かくにん する もの")).to_have_count(0)

    # --- the employer, with the reports consent: only the items left shared ---
    hr_ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    hr = hr_ctx.new_page()
    _login(hr, f"{live_server}/employer/login", "aozora-hr")
    hr.goto(f"{live_server}/employer/clients/{client_id}")
    hr.get_by_role("link", name="支援レポート (2026年6月)").click()
    body = hr.locator("article")
    expect(body).to_contain_text(GOAL)
    expect(body).to_contain_text(NEXT_EMPLOYER)
    expect(body).not_to_contain_text(SHARED)
    expect(body).not_to_contain_text("記録を お願いしていた")  # the check-in summary
    hr.screenshot(path=str(shots / "document-employer-report.png"), full_page=True)

    # --- the print page of the confirmed report (A4) ---
    staff.goto(f"{live_server}/documents/{doc.id}/print")
    expect(staff.locator("body")).to_contain_text("本人確認")
    expect(staff.locator("body")).to_contain_text("(本人が 企業に見せないとした項目)")
    staff.screenshot(path=str(shots / "document-report-print.png"), full_page=True)

    # --- the staff pages in English ---
    staff.goto(f"{live_server}/lang/en?next=/documents/{doc.id}")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Support report")
    expect(staff.get_by_text("Confirmed by the client").first).to_be_visible()
    staff.screenshot(path=str(shots / "document-report-view-en.png"), full_page=True)
    staff.goto(f"{live_server}/clients/{client_id}#reports")
    expect(staff.locator("#reports")).to_contain_text("Draft from the records")
    staff.locator("#reports").screenshot(path=str(shots / "document-report-months-en.png"))
    staff.goto(f"{live_server}/reports?month=2026-06")
    staff.screenshot(path=str(shots / "document-report-board-en.png"), full_page=True)
    for ctx in (staff_ctx, phone_ctx, hr_ctx):
        ctx.close()


def test_a_bad_month_in_the_browser_saves_nothing(
    browser: Any, live_server: str, db: Session, world: World
) -> None:
    _setup(db, world)
    ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    _login(page, f"{live_server}/login", "sato")
    page.goto(f"{live_server}/clients/{world.client_a.id}#reports")
    # A browser's month picker cannot send 2026-13; a typed or forged form can.
    page.evaluate(
        "document.getElementById('report-month').setAttribute('type', 'text');"
        "document.getElementById('report-month').value = '2026-13';"
    )
    page.get_by_role("button", name="この月の下書きを作る").click()
    expect(page.get_by_text("月は 1 から 12 までです。")).to_be_visible()
    assert db.scalars(select(ClientDocument)).all() == []
    assert date(2026, 6, 1) <= TODAY
    ctx.close()
