"""Issue 12's walk-through: a real office starts from an empty install, in a real browser.

`checkin create-office` on an empty database prints a setup link; the administrator opens
it, sets a password, fills the office settings, adds two staff, imports 30 clients from an
.xlsx saved the way Japanese Excel saves one (Japanese labels, slash and 令和 dates, real
date cells, 「月火水木金」), prints all their cards in one go, a client checks in with a
card on a phone, and a reload of the card page leaves the link working.
The screenshots go to docs/screenshots/ with `make screenshots`.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import Workbook
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.cli import main
from checkin.models import CheckIn, CheckinLink, Client, Office, StaffUser, Stage
from tests.browser_helpers import BROWSER_MARKS, PHONE

pytestmark = BROWSER_MARKS

ADMIN_PASSWORD = "mirai-admin-2026"
STAGES = ["模索期", "調整期", "安定期", "自走期"]
DISCLOSURES = ["オープン", "クローズ", "オープン就労"]
WEEKDAYS = ["月火水木金", "月水金", "平日", "月〜木"]


def japanese_client_list() -> bytes:
    """30 clients as a Japanese office keeps them in Excel."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "利用者"
    ws.append(["名前", "ふりがな", "担当", "入社日", "支援開始日", "段階", "開示", "曜日"])
    for i in range(30):
        hire: Any = [datetime(2025, 10, 1 + i % 28), f"2025/10/{1 + i % 28}"][i % 2]
        start: Any = ["令和8年4月1日", datetime(2026, 4, 1), "2026/4/1"][i % 3]
        ws.append(
            [
                f"利用者 {i + 1:02d}",
                None,
                ["青木 一郎", "kimura"][i % 2],  # a supporter by name or by login
                hire,
                start,
                STAGES[i % 4],
                DISCLOSURES[i % 3],
                WEEKDAYS[i % 4],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_real_office_starts_from_an_empty_install(
    browser: Any, live_server: str, database_url: str, db: Session, shots: Path, tmp_path: Path
) -> None:
    # The documented first-run step, on the empty database the tests start from.
    result = CliRunner().invoke(
        main,
        [
            "create-office",
            "就労定着支援センターみらい",
            "--admin",
            "mirai",
            "--admin-name",
            "森 花子",
        ],
        env={"CHECKIN_DATABASE_URL": database_url, "CHECKIN_PUBLIC_BASE_URL": live_server},
    )
    assert result.exit_code == 0, result.output
    m = re.search(re.escape(live_server) + r"(/setup/\S+)", result.output)
    assert m, result.output
    setup_path = m.group(1)

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server}{setup_path}")
    page.fill("#password", ADMIN_PASSWORD)
    page.fill("#password2", ADMIN_PASSWORD)
    page.screenshot(path=str(shots / "first-office-setup.png"), full_page=True)
    page.get_by_role("button", name="設定してログイン").click()
    expect(page.get_by_role("heading", name="事業所の設定")).to_be_visible()

    # The office settings: phone and opening hours, which clients see.
    page.fill("#phone", "03-1234-5678")
    page.fill("#opens_at", "09:00")
    page.fill("#closes_at", "18:00")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("保存しました")
    page.screenshot(path=str(shots / "first-office-settings.png"), full_page=True)

    # Two supporters.
    body = page.locator("body")
    for login, name in (("aoki", "青木 一郎"), ("kimura", "木村 花")):
        page.goto(f"{live_server}/admin/staff")
        page.fill("#name", name)
        page.fill("#login", login)
        page.fill("#password", "first password 1")
        page.get_by_role("button", name="登録").click()
        expect(body).to_contain_text("職員を登録しました")

    # 30 clients from the office's own Excel list, previewed first.
    xlsx = tmp_path / "利用者一覧.xlsx"
    xlsx.write_bytes(japanese_client_list())
    page.goto(f"{live_server}/clients/import")
    page.set_input_files("#file", str(xlsx))
    page.get_by_role("button", name="内容を確かめる").click()
    expect(page.get_by_role("button", name="30人を取り込む")).to_be_visible()
    page.screenshot(path=str(shots / "first-office-import-preview.png"), full_page=True)
    page.get_by_role("button", name="30人を取り込む").click()
    expect(page.locator("main")).to_contain_text("30人を取り込みました")

    db.expire_all()
    office = db.scalars(select(Office)).one()
    imported = db.scalars(select(Client).where(Client.office_id == office.id)).all()
    assert len(imported) == 30
    by_name = {c.name: c for c in imported}
    first = by_name["利用者 01"]
    assert first.stage == Stage.EXPLORATION and first.checkin_weekdays == "01234"
    assert by_name["利用者 02"].checkin_weekdays == "024"  # 月水金
    assert by_name["利用者 04"].checkin_weekdays == "0123"  # 月〜木
    assert {str(c.service_start) for c in imported} == {"2026-04-01"}
    aoki = db.scalars(select(StaffUser).where(StaffUser.login == "aoki")).one()
    assert first.supporter_id == aoki.id  # named 「青木 一郎」 in the file

    # All 30 cards in one go, from the import's result page.
    page.get_by_role("link", name="この人たちのカードを印刷する").click()
    page.get_by_role("button", name="選んだ 利用者の カードを 作って 印刷する").click()
    expect(page.locator(".card-page")).to_have_count(30)
    print_url = page.url
    page.screenshot(path=str(shots / "first-office-cards.png"))
    links = page.locator(".client-link").evaluate_all("els => els.map(e => e.href)")
    assert len(set(links)) == 30
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(CheckinLink)) == 30

    # A client checks in with their card, on a phone without JavaScript.
    phone = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ja-JP")
    p2 = phone.new_page()
    p2.goto(links[0])
    expect(p2.locator("h1")).to_contain_text("利用者")
    for name in ("mood", "fatigue", "sleep_quality"):
        p2.locator(f"label[for={name}-4]").click()
    p2.fill("#sleep_hours", "7")
    p2.get_by_role("button", name="おくる").click()
    p2.wait_for_url("**/done**")
    p2.screenshot(path=str(shots / "first-office-client-done-phone.png"), full_page=True)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 1

    # Reloading the printed cards changes no link: the 29 cards not used yet show the same
    # links, the used one is no longer shown (its link is in the client's hands) and still
    # works.
    page.goto(print_url)
    expect(page.locator(".card-page")).to_have_count(29)
    expect(page.locator("#cards-missing")).to_contain_text(first.name)
    page.screenshot(path=str(shots / "first-office-cards-reloaded.png"))
    again = page.locator(".client-link").evaluate_all("els => els.map(e => e.href)")
    assert again == links[1:]
    for link in (links[0], links[29]):
        resp = p2.goto(link)
        assert resp is not None and resp.status == 200
    resp = p2.goto(links[29])
    assert resp is not None and resp.status == 200
    expect(p2.get_by_role("button", name="おくる")).to_be_visible()
    phone.close()
    ctx.close()
