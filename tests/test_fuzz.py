"""Property-based fuzzing of the forms people and strangers can post (issue 17): whatever is
sent, the answer is never a 5xx, and input that is refused stores nothing.

Bounded so that CI is stable and quick: a fixed seed (``derandomize``), a few dozen examples
per form, no per-example deadline. The app and its database are the real ones (SQLite, or
PostgreSQL with CHECKIN_TEST_DATABASE_URL); tables are not emptied between examples, so each
example compares the counts before and after itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client, Consent, Contact, Employer, EmployerUser, StaffUser
from checkin.services.links import issue_link
from tests.conftest import NOW, AuthActions, World, csrf_from

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that broke the service from outside, and their neighbours.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "²",
    "①",
    "４",
    "1E-20000",
    "1e309",
    "NaN",
    "-0",
    "99999999999999999999",
    str(2**63),
    str(2**63 - 1),
    "-1",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "令和8年6月1日",
    "\r\n",
    "/%09/evil.example",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\ud7ff\uffff",
    "🙂" * 3,
]


def _long(ch: str, n: int) -> str:
    return ch * n


text_value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.builds(_long, st.sampled_from(["あ", "a", "\x00"]), st.sampled_from([199, 201, 501, 2001])),
)


def fields(**fine: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """A form's fields: mostly a value the form accepts (so that the saving code is
    reached too), else any fuzz value, or the field left out."""

    def one(ok: list[str]) -> st.SearchStrategy[str | None]:
        good = [st.sampled_from(ok)] * 5 if ok else []
        return st.one_of(*good, text_value, st.none())

    return st.fixed_dictionaries({name: one(ok) for name, ok in fine.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def no_nul_stored(db: Session, model: type, *columns: str) -> None:
    db.expire_all()
    for row in db.scalars(select(model)):
        for c in columns:
            assert "\x00" not in (getattr(row, c) or ""), (model.__name__, c)


# The test's client and its CSRF token (or check-in link): set up once per test, not per
# example (a login costs a slow scrypt on purpose).
_once: dict[str, Any] = {}


def once(client: FlaskClient, make: Any) -> str:
    if _once.get("client") is not client:
        _once.update(client=client, value=make())
    value: str = _once["value"]
    return value


def logged_in(client: FlaskClient, auth: AuthActions, login: str) -> str:
    """Log in once per test; the CSRF token."""

    def make() -> str:
        auth.login(login)
        return auth.token("/clients/import" if login == "kanri" else "/alerts")

    return once(client, make)


def accepted(client: FlaskClient, resp: Any, ok_message: str) -> bool:
    """Whether a form that redirects back (303) said it saved: its ok message is flashed."""
    if resp.status_code != 303:
        return False
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    return ok_message in page


@FUZZ
@given(
    data=fields(
        mood=["1", "5"],
        fatigue=["2"],
        sleep_hours=["6.5", "0"],
        sleep_quality=["3"],
        note=["つかれた"],
        day=["today", "yesterday"],
        wants_contact=["1"],
    )
)
def test_fuzz_checkin_form(
    client: FlaskClient, db: Session, world: World, data: dict[str, str]
) -> None:
    def make() -> str:
        token = issue_link(db, world.client_a, now=NOW)
        db.commit()
        return token

    token = once(client, make)  # one link per test
    page = client.get(f"/c/{token}").get_data(as_text=True)
    before = count(db, CheckIn)
    resp = client.post(f"/c/{token}", data={**data, "csrf_token": csrf_from(page)})
    assert resp.status_code < 500, data
    if resp.status_code >= 400:
        assert count(db, CheckIn) == before, data
    no_nul_stored(db, CheckIn, "note")


@FUZZ
@given(data=fields(login=["sato"], password=["correct horse battery"], next=["/alerts"]))
def test_fuzz_login(client: FlaskClient, db: Session, world: World, data: dict[str, str]) -> None:
    page = client.get("/login").get_data(as_text=True)
    staff = count(db, StaffUser)
    resp = client.post("/login", data={**data, "csrf_token": csrf_from(page)})
    assert resp.status_code < 500, data
    location = resp.headers.get("Location", "")
    assert not location.startswith("//") and "evil.example" not in location
    assert count(db, StaffUser) == staff


@FUZZ
@given(
    data=fields(
        name=["田中 一郎"],
        name_kana=["たなか いちろう"],
        supporter_id=["1", "2"],
        backup_supporter_id=["3"],
        employer_id=[""],
        hire_date=["2026-04-01", "令和8年4月1日"],
        service_start=["2026-06-01"],
        service_end=[""],
        stage=["adjustment"],
        reminder_time=["19:00"],
        weekday=["0", "1"],
    )
)
def test_fuzz_client_form(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, data: dict[str, str]
) -> None:
    csrf = logged_in(client, auth, "kanri")
    before = count(db, Client)
    resp = client.post("/clients/new", data={**data, "csrf_token": csrf})
    assert resp.status_code < 500, data
    if resp.status_code != 303:
        assert count(db, Client) == before, data
    no_nul_stored(db, Client, "name", "name_kana")


@FUZZ
@given(
    data=fields(
        kind=["call", "meeting"],
        occurred_at=["2026-06-09T10:00", ""],
        note=["電話した"],
        flag_id=[],
        back=["/alerts"],
    )
)
def test_fuzz_contact_form(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, data: dict[str, str]
) -> None:
    csrf = logged_in(client, auth, "sato")
    before = count(db, Contact)
    url = f"/clients/{world.client_a.id}/contacts"
    resp = client.post(url, data={**data, "csrf_token": csrf})
    assert resp.status_code < 500, data
    if not accepted(client, resp, "連絡を記録しました"):
        assert count(db, Contact) == before, data
    no_nul_stored(db, Contact, "note")


@FUZZ
@given(
    data=fields(
        recipient=["agency"],
        agency_name=["ハローワーク"],
        scope=["trend", "flags"],
        evidence=["同意書 No.12"],
    )
)
def test_fuzz_consent_form(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, data: dict[str, str]
) -> None:
    csrf = logged_in(client, auth, "kanri")
    before = count(db, Consent)
    url = f"/clients/{world.client_a.id}/consents"
    resp = client.post(url, data={**data, "csrf_token": csrf})
    assert resp.status_code < 500, data
    if not accepted(client, resp, "同意を記録しました"):
        assert count(db, Consent) == before, data
    no_nul_stored(db, Consent, "agency_name", "evidence")


STAFF_FORMS = {
    "/admin/staff": (
        StaffUser,
        {
            "login": ["newbie"],
            "name": ["新人"],
            "password": ["correct horse battery"],
            "role": ["supporter"],
            "email": ["", "a@example.com"],
        },
    ),
    "/admin/employers": (
        Employer,
        {
            "name": ["ひかり食品"],
            "contact_name": ["人事 花子"],
            "contact_email": ["hr@example.com"],
            "contact_phone": ["03-1234-5678"],
        },
    ),
    "/admin/employers/{e}/users": (
        EmployerUser,
        {"login": ["hikari"], "name": ["人事"], "password": ["correct horse battery"]},
    ),
}


@pytest.mark.parametrize("url", list(STAFF_FORMS))
@FUZZ
@given(data=st.data())
def test_fuzz_staff_and_employer_forms(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, url: str, data: Any
) -> None:
    model, fine = STAFF_FORMS[url]
    employer = db.scalar(select(Employer).where(Employer.name == "ふくろう物流"))
    if employer is None:
        employer = Employer(office_id=world.office.id, name="ふくろう物流")
        db.add(employer)
        db.commit()
    csrf = logged_in(client, auth, "kanri")
    form = data.draw(fields(**fine))
    before = count(db, model)
    resp = client.post(url.format(e=employer.id), data={**form, "csrf_token": csrf})
    assert resp.status_code < 500, form
    if resp.status_code != 303:
        assert count(db, model) == before, form
    no_nul_stored(db, model, *(k for k in fine if hasattr(model, k) and k != "password"))
