"""No raw code and no English on a Japanese page (issue 12).

Walks every page a staff member (a supporter and the service manager), an employer and a
client reach from their first page by following links, plus the error pages, and reads the
text a person sees (no tags, scripts or styles; with tooltips, alt texts and placeholders).
Every ASCII word must be on a short allow-list of names (LINE, QR, CSV, ...) or part of the
people's own data (names, notes). Technical identifiers an administrator needs on /ops/jobs
(a process name, a model version, an error from the program) are marked ``translate="no"``
and allowed there only.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from typing import ClassVar
from urllib.parse import urldefrag, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import Employer, EmployerUser, Flag, FlagStatus, Role, Severity, StaffUser
from checkin.services import demo, support
from checkin.services.flags import snooze
from checkin.services.links import issue_link
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, csrf_from
from tests.test_i18n import user_data

# Names a Japanese page may write in Latin letters.
ALLOWED = {
    "checkin",  # the service's name
    "English",  # the language switch
    "LINE",
    "QR",
    "URL",
    "CSV",
    "Excel",
    "AUC",  # a metric's name, as Japanese texts write it
    "ID",  # ログインID
    # file formats and units named on the import pages
    "UTF-8",
    "Shift_JIS",
    "xlsx",
    "MB",
    "PDF",  # the documents' print path
    "A4",
}
URL = re.compile(r"https?://\S+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")  # a person's address: their data
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:/@+-]*")
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
SKIPPED = {"script", "style", "template"}
PER_ENDPOINT = 3  # pages of one kind (e.g. one client's page) to read
TECHNICAL_ALLOWED_ON = ("/ops/jobs", "/overview", "/clients/import")


class VisibleText(HTMLParser):
    """The text of a page as shown, and the text marked as technical (translate="no")."""

    VOID: ClassVar[set[str]] = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # tag, skipped, technical
        self.text: list[str] = []
        self.technical: list[str] = []

    def _state(self) -> tuple[bool, bool]:
        return (
            any(s for _, s, _ in self.stack),
            any(t for _, _, t in self.stack),
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skipped, technical = self._state()
        technical = technical or a.get("translate") == "no"
        hidden = tag == "input" and a.get("type") == "hidden"
        if not skipped and not hidden:
            for name in SHOWN_ATTRIBUTES:
                if a.get(name):
                    (self.technical if technical else self.text).append(a[name] or "")
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.text.append(a["value"] or "")
        if tag not in self.VOID:
            self.stack.append((tag, skipped or tag in SKIPPED or tag == "head", technical))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        skipped, technical = self._state()
        if not skipped:
            (self.technical if technical else self.text).append(data)


def english_words(html: str, data: list[str], path: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = EMAIL.sub(" ", URL.sub(" ", " ".join(parser.text)))  # addresses are data
    for item in sorted({d for d in data if d}, key=len, reverse=True):
        text = text.replace(item, " ")
    if parser.technical and not path.startswith(TECHNICAL_ALLOWED_ON):
        return [f"translate=no on {path}: {parser.technical[:3]}"]
    return sorted({w for w in ASCII_WORD.findall(text) if w.strip(".:/-") not in ALLOWED})


def crawl(client: FlaskClient, starts: list[str], *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """path -> HTML of every page reachable from ``starts`` by links (a few of each kind)."""
    seen: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    todo = list(starts)
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        kind = re.sub(r"\d+", "N", urlsplit(path).path)
        if kinds[kind] >= PER_ENDPOINT:
            continue
        resp = client.get(path)
        if resp.status_code in (301, 302, 303):
            todo.insert(0, urlsplit(resp.headers["Location"]).path)
            continue
        if not resp.content_type.startswith("text/html"):
            continue
        assert resp.status_code == 200, path
        kinds[kind] += 1
        html = resp.get_data(as_text=True)
        seen[path] = html
        for href in re.findall(r'href="([^"]+)"', html):
            target = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/"):
                continue
            if target.startswith(("/static/", "/lang/", "/logout", *skip)):
                continue
            if re.search(r"\.(csv|xlsx|json|pdf)$", parts.path):
                continue
            todo.append(target)
    return seen


def assert_japanese_only(pages: dict[str, str], data: list[str]) -> None:
    found = {
        path: words for path, html in pages.items() if (words := english_words(html, data, path))
    }
    assert not found, "\n".join(f"{p}: {w}" for p, w in found.items())


@pytest.fixture
def office(db: Session, seeded: demo.DemoResult) -> demo.DemoResult:
    """The demo office with an employer who may see one client, a revoked consent, a
    snoozed flag and the client's live link: every kind of audit event a client page has."""
    manager = next(s for s in seeded.office.staff if s.role == Role.SERVICE_MANAGER)
    client = seeded.link_client
    employer = db.scalars(select(Employer).where(Employer.office_id == seeded.office.id)).first()
    if employer is None:
        employer = Employer(office_id=seeded.office.id, name="株式会社あおぞら物流")
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
    support.add_consent(
        db,
        manager,
        client,
        employer_id=employer.id,
        agency_name=None,
        scopes=["trend", "answer_rate", "flags"],
        evidence="同意書 2026-05-01",
        now=NOW,
    )
    old = support.add_consent(
        db,
        manager,
        client,
        employer_id=None,
        agency_name="ハローワーク",
        scopes=["answer_rate"],
        evidence="同意書 2026-04-01",
        now=NOW - timedelta(days=40),
    )
    support.revoke_consent(db, manager, old.id, now=NOW)
    flag = db.scalars(
        select(Flag).where(
            Flag.office_id == seeded.office.id,
            Flag.status == FlagStatus.OPEN,
            Flag.severity != Severity.URGENT,
        )
    ).first()
    assert flag is not None
    staff = flag.client.supporter or manager
    snooze(db, staff, flag.id, TODAY + timedelta(days=2), today=TODAY, now=NOW)
    db.commit()
    return seeded


def people_data(db: Session) -> list[str]:
    """What people typed (names, notes, logins): shown as it is in every language."""
    logins = [*db.scalars(select(StaffUser.login)), *db.scalars(select(EmployerUser.login))]
    return user_data(db) + logins


def test_staff_pages_speak_japanese(
    client: FlaskClient, db: Session, office: demo.DemoResult
) -> None:
    data = people_data(db)
    logins = {role: login for login, _, role in office.logins}
    for role in ("service_manager", "supporter"):
        AuthActions(client).login(logins[role], office.password)
        pages = crawl(
            client,
            ["/", "/alerts?all=1", f"/clients/{office.link_client.id}/audit"],
            skip=("/employer",),
        )
        assert len(pages) >= (12 if role == "service_manager" else 6), sorted(pages)
        assert_japanese_only(pages, data)
        client.post("/logout", data={"csrf_token": AuthActions(client).token("/clients")})


def test_employer_and_client_pages_speak_japanese(
    client: FlaskClient, db: Session, office: demo.DemoResult
) -> None:
    data = people_data(db)
    page = client.get("/employer/login").get_data(as_text=True)
    assert_japanese_only({"/employer/login": page}, data)
    client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    pages = crawl(client, ["/employer/"])
    assert f"/employer/clients/{office.link_client.id}" in pages
    assert_japanese_only(pages, data)
    client.post("/logout", data={"csrf_token": csrf_from(pages["/employer/"])})

    token = issue_link(db, office.link_client, now=NOW)
    db.commit()
    form = client.get(f"/c/{token}").get_data(as_text=True)
    resp = client.post(
        f"/c/{token}",
        data={
            "mood": "1",
            "fatigue": "5",
            "sleep_quality": "1",
            "sleep_hours": "4",
            "wants_contact": "1",
            "day": "today",
            "csrf_token": csrf_from(form),
        },
    )
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    done = urlsplit(resp.headers["Location"])
    pages = crawl(client, [f"{done.path}?{done.query}", f"/c/{token}"])
    assert any("/me" in p for p in pages) and len(pages) >= 3, sorted(pages)
    assert_japanese_only(pages, data)


def test_error_pages_speak_japanese(
    client: FlaskClient, db: Session, office: demo.DemoResult
) -> None:
    data = people_data(db)
    someone = office.link_client.id
    pages = {}
    for path, status in (
        ("/no-such-page", 404),
        ("/c/not-a-token", 404),
        ("/admin/staff/1/leave", 405),  # a form's address opened directly
    ):
        resp = client.get(path)
        assert resp.status_code == status, path
        pages[path] = resp.get_data(as_text=True)
    assert "POST" in client.get("/admin/staff/1/leave").headers["Allow"]
    supporter = next(login for login, _, role in office.logins if role == "supporter")
    AuthActions(client).login(supporter, office.password)
    resp = client.get("/ops/jobs")
    assert resp.status_code == 403
    pages["/ops/jobs (403)"] = resp.get_data(as_text=True)
    resp = client.post(f"/clients/{someone}/contacts", data={})  # no CSRF token
    assert resp.status_code == 400
    pages["csrf (400)"] = resp.get_data(as_text=True)
    assert_japanese_only(pages, data)
    assert "Method Not Allowed" not in pages["/admin/staff/1/leave"]
