"""The alert card in chromium, desktop and phone: the answer behind a same-day 「相談したい」,
a fatigue-driven flag's reasons in two lines and the statistics behind 「くわしく」, the 14-day
strip of mood, fatigue and sleep (through today's answer) with its legend, no sideways scroll.

Screenshots go to CHECKIN_SCREENSHOT_DIR (alert-card.png, alert-card-phone.png)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn, Client
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.links import issue_link
from checkin.services.morning import run_office_morning
from tests.browser_helpers import BROWSER_MARKS, PHONE, axe_violations
from tests.conftest import NOW, PASSWORD, TODAY, World

pytestmark = BROWSER_MARKS


def history(db: Session, client: Client, tired_days: int, missed: int | None = None) -> None:
    """Six weeks of usual weekday answers, then ``tired_days`` answers of heavy fatigue and
    short sleep (mood as usual) up to yesterday; no answer ``missed`` days ago."""
    issue_link(db, client, now=NOW - timedelta(days=60))
    days = [TODAY - timedelta(days=i) for i in range(50, 0, -1) if i != missed]
    days = [d for d in days if d.weekday() < 5]
    for i, d in enumerate(days):
        tired = i >= len(days) - tired_days
        db.add(
            CheckIn(
                client_id=client.id,
                local_date=d,
                mood=4 if i % 3 else 3,
                fatigue=5 if tired else 2,
                sleep_hours=Decimal("4.5") if tired else Decimal("7.0"),
                sleep_quality=2 if tired else 4,
                channel=Channel.WEB,
            )
        )
    db.commit()


def test_the_alert_card_shows_why_it_fired(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    history(db, world.client_c, tired_days=5)
    missed = next(i for i in range(2, 9) if (TODAY - timedelta(days=i)).weekday() < 5)
    history(db, world.client_a, tired_days=0, missed=missed)
    run_office_morning(db, world.office, TODAY, now=NOW)
    answer = CheckinInput(
        mood=2,
        fatigue=4,
        sleep_hours=Decimal("5.5"),
        sleep_quality=2,
        note="仕事で ミスが 続いて、ねむれません",
        wants_contact=True,
    )
    record_checkin(db, world.client_a, answer, channel=Channel.WEB, now=NOW)
    db.commit()
    for name, viewport in (
        ("alert-card.png", {"width": 1280, "height": 900}),
        ("alert-card-phone.png", PHONE),
    ):
        ctx = browser.new_context(viewport=viewport, locale="ja-JP", bypass_csp=True)
        page = ctx.new_page()
        page.goto(f"{live_server}/alerts")
        page.fill("#login", "sato")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url("**/alerts")
        contact = page.locator("li.flag.sev-urgent").first
        assert "の回答" in contact.locator(".answer-behind").inner_text()
        assert "ミスが 続いて" in contact.locator(".answer-note").inner_text()
        # the strip ends with today's answer (mood 2, fatigue 4, 5.5 h), a missed weekday and
        # the weekend look different, and the legend says what the rows mean
        strip = contact.locator(".strip")
        assert strip.locator("th.today").inner_text() == str(TODAY.day)
        assert strip.locator("tr").nth(1).locator("td").last.inner_text() == "2"
        assert strip.locator("tr").nth(3).locator("td").last.inner_text() == "5.5"
        assert strip.locator("td.miss").count() == 1 and strip.locator("td.off").count() == 4
        legend = strip.locator(".strip-legend")
        assert legend.is_visible() and "疲れ 5=とても疲れている" in legend.inner_text()
        assert "(今日): 気分 2/5、疲れ 4/5、睡眠 5.5時間" in strip.locator("ol.sr").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        trend = page.locator("li.flag:not(.sev-urgent)", has_text="疲れ").first
        # fatigue 5 and short sleep are the dark cells of the fatigue-driven flag
        assert trend.locator(".strip tr").nth(2).locator("td.hard").count() == 5
        assert trend.locator("ul.reasons > li").count() <= 2
        # the two lines say why (the rule) and what changed (fatigue), in plain numbers
        assert "疲れが本人のふだんより強い日が" in trend.locator("ul.reasons").inner_text()
        assert "累積" not in trend.locator("ul.reasons").inner_text()
        more = trend.locator("details.why-more")
        assert not more.locator("li.stat").first.is_visible()
        more.locator("summary").click()
        assert more.locator("li.stat").first.is_visible()
        page.screenshot(path=str(shots / name), full_page=True)
        assert axe_violations(page) == []
        ctx.close()
