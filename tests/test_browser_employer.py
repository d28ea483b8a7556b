"""The consent and employer view, as people would use them (issue 5).

A supporter records a consent in the browser; the employer, logged in in another browser,
then sees that employee's summary and nothing more. The closed-employment employee and the
one without a consent answer 403 with a message (never an empty page), and revoking the
consent cuts the employer off on their very next request.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import AuditEvent, Channel, CheckIn, Consent, Disclosure, Employer, EmployerUser
from tests.browser_helpers import BROWSER_MARKS, axe_violations
from tests.conftest import PASSWORD, TODAY, World

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}
SECRET_NOTE = "職場には言わないでほしいメモ"


def _employer_with_staff(db: Session, world: World) -> Employer:
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(employer)
    db.flush()
    for c in (world.client_a, world.client_b, world.client_c):
        c.employer_id = employer.id
    world.client_b.disclosure = Disclosure.CLOSED
    db.add(
        EmployerUser(
            employer_id=employer.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    for back in range(1, 22):
        for c in (world.client_a, world.client_b, world.client_c):
            db.add(
                CheckIn(
                    client_id=c.id,
                    local_date=TODAY - timedelta(days=back),
                    mood=4 if back % 3 else 2,
                    fatigue=2,
                    sleep_hours=7.0,
                    note=SECRET_NOTE,
                    channel=Channel.WEB,
                )
            )
    db.commit()
    return employer


def _login(page: Any, url: str, login: str) -> None:
    page.goto(url)
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/login" not in u)


def test_consent_recorded_shown_to_the_employer_and_revoked(
    browser: Any, live_server: str, db: Session, world: World, shots: Path
) -> None:
    employer = _employer_with_staff(db, world)
    a, b, c = world.client_a, world.client_b, world.client_c

    # The employer, before any consent: nobody to show, and each employee page is a 403.
    hr_ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    hr = hr_ctx.new_page()
    _login(hr, f"{live_server}/employer/login", "aozora-hr")
    expect(hr.locator("main")).to_contain_text("表示できる方はいません")
    assert a.name not in hr.content()
    response = hr.goto(f"{live_server}/employer/clients/{a.id}")
    assert response is not None and response.status == 403
    expect(hr.locator("h1")).not_to_be_empty()

    # The supporter records client A's consent (trend and answer rate, not notes).
    staff_ctx = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    staff = staff_ctx.new_page()
    _login(staff, f"{live_server}/login", world.sato.login)
    staff.goto(f"{live_server}/clients/{a.id}")
    consents = staff.locator("#consents")
    consents.locator("summary", has_text="同意を記録する").click()
    consents.locator("#recipient").select_option(str(employer.id))
    consents.locator("label[for=scope-trend]").click()
    consents.locator("label[for=scope-answer_rate]").click()
    consents.locator("#evidence").fill("同意書 No.12 (2026-06-01 署名)")
    consents.get_by_role("button", name="同意を記録").click()
    expect(staff.locator("#consents")).to_contain_text("同意書 No.12")
    db.expire_all()
    consent = db.scalars(select(Consent).where(Consent.client_id == a.id)).one()
    assert sorted(consent.scopes) == ["answer_rate", "trend"]
    assert consent.revoked_at is None

    # The employer now sees client A, with the consented summaries only.
    hr.goto(f"{live_server}/employer/")
    expect(hr.locator("main")).to_contain_text(a.name)
    home = hr.content()
    assert b.name not in home and c.name not in home
    response = hr.goto(f"{live_server}/employer/clients/{a.id}")
    assert response is not None and response.status == 200
    expect(hr.locator("main")).to_contain_text(a.name)
    assert SECRET_NOTE not in hr.content()  # notes were not consented
    hr.screenshot(path=str(shots / "employer-client.png"), full_page=True)
    assert axe_violations(hr) == []

    # Closed employment and no consent: 403 with a message, not an empty page.
    for other in (b, c):
        response = hr.goto(f"{live_server}/employer/clients/{other.id}")
        assert response is not None and response.status == 403, other.name
        assert other.name not in hr.content()
        expect(hr.locator("h1")).not_to_be_empty()
        expect(hr.locator(".lead")).to_have_text(re.compile(r"\S.{4,}"))
        csv = hr.request.get(f"{live_server}/employer/clients/{other.id}/summary.csv")
        assert csv.status == 403
    hr.goto(f"{live_server}/employer/clients/{c.id}")
    hr.screenshot(path=str(shots / "employer-forbidden.png"), full_page=True)

    # The supporter revokes; the employer's next request is refused.
    hr.goto(f"{live_server}/employer/clients/{a.id}")
    expect(hr.locator("main")).to_contain_text(a.name)
    staff.goto(f"{live_server}/clients/{a.id}")
    staff.locator("#consents").get_by_role("button", name="取り消す").click()
    staff.get_by_role("button", name="はい、取り消します").click()  # the confirmation step
    staff.wait_for_url(f"**/clients/{a.id}**")
    expect(staff.locator("#consents")).to_contain_text("取消")
    response = hr.reload()
    assert response is not None and response.status == 403
    assert a.name not in hr.content()
    hr.goto(f"{live_server}/employer/")
    expect(hr.locator("main")).to_contain_text("表示できる方はいません")
    assert a.name not in hr.content()

    # Staff can read who saw what: the employer's views are in client A's audit log.
    staff.goto(f"{live_server}/clients/{a.id}/audit")
    expect(staff.locator("main")).to_contain_text(re.compile("人事 花子|aozora-hr"))
    db.expire_all()
    views = db.scalars(
        select(AuditEvent).where(AuditEvent.client_id == a.id, AuditEvent.action == "employer.view")
    ).all()
    assert len(views) >= 2
    hr_ctx.close()
    staff_ctx.close()
