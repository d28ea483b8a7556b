"""Languages: Japanese first (the source text), English translated and switchable (issue 5).

The English catalogue is checkin/translations/en/LC_MESSAGES/messages.po; ``make messages``
extracts the strings and compiles the .mo (make does it at install).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from checkin.models import (
    Channel,
    CheckIn,
    Client,
    Consent,
    Contact,
    Employer,
    EmployerNote,
    EmployerUser,
    EmploymentEvent,
    Flag,
    FlagStatus,
    Office,
    Outcome,
    RankerModel,
    ServicePeriodOverride,
    StaffUser,
    StageChange,
)
from checkin.services import demo
from checkin.services.checkins import CheckinInput
from checkin.services.errors import ValidationError
from checkin.services.links import issue_link
from tests.conftest import NOW, TODAY, AuthActions, World, csrf_from
from tests.test_employer_view import employer, employer_login  # noqa: F401 (fixture)
from tests.test_timeline import history

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "checkin" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# Kana, kanji, CJK punctuation (、。「」) and full-width forms.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# The English names a Japanese column header of the import file, which stays Japanese.
QUOTES_JAPANESE = {
    "「名前」(name) の列がありません。",
    # What a LINE client sends the bot, which understands Japanese only.
    "リンクの 期限が きれたか、ただしくない リンクです。"
    "LINEで「きろくを みる」と 送ると、あたらしい リンクが とどきます。",
    "LINEで「相談したい」と 送ると、支援員に つたわります。",
    "きょうの きろくは LINEで「記録」と 送って つけてください。"
    "この リンクは %(days)d日間 つかえます。",
}
LINE_WORDS = ["きろくを みる", "相談したい", "記録"]  # quoted on English pages for LINE clients
GOOD = {"mood": "4", "fatigue": "2", "sleep_hours": "6.5", "sleep_quality": "4", "day": "today"}


def catalogue() -> list[tuple[str, tuple[str, ...], bool]]:
    """(msgid, its English string(s): two for a plural, fuzzy) for each message."""
    with PO.open("rb") as f:
        cat = read_po(f)
    out = []
    for m in cat:
        if not m.id:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        strings = (m.string,) if isinstance(m.string, str) else tuple(m.string)
        out.append((msgid, strings, m.fuzzy))
    return out


def test_every_message_has_an_english_translation() -> None:
    messages = catalogue()
    assert len(messages) > 300
    assert any(len(strings) == 2 for _id, strings, _f in messages)  # plurals are checked too
    for msgid, strings, fuzzy in messages:
        assert not fuzzy, msgid
        for msgstr in strings:
            assert msgstr.strip(), f"no English for {msgid!r}"
            # The same placeholders, or the page would raise (or lose a value) in English.
            assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid)), msgid
            assert msgid in QUOTES_JAPANESE or not JAPANESE.search(msgstr), msgstr


def test_every_marked_string_in_the_code_is_in_the_catalogue() -> None:
    # What `make messages` would extract: a string marked but not in the .po would show
    # in Japanese on English pages; one in the .po but gone from the code is left over.
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_nl": (1, 2)}
    found = {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, _comments, _ctx in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords
        )
    }
    known = {msgid for msgid, _s, _f in catalogue()}
    assert found - known == set(), "run `make messages` and translate the new strings"
    assert known - found == set(), "run `make messages` to drop strings no longer used"


def test_the_mo_holds_every_translation_of_the_po() -> None:
    # The .mo is compiled from the .po by `make` (never committed); compared by content, so
    # a Babel that writes other bytes for the same catalogue still passes.
    with PO.open("rb") as f:
        po = read_po(f)
    with MO.open("rb") as f:
        mo = read_mo(f)

    def key(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
        return value if isinstance(value, str) else tuple(value)

    want = {(m.context, key(m.id)): key(m.string) for m in po if m.id and m.string and not m.fuzzy}
    have = {(m.context, key(m.id)): key(m.string) for m in mo if m.id}
    assert have == want, "run `make` (or `make messages`) to compile the .mo"


def english(client: FlaskClient) -> None:
    client.set_cookie("lang", "en", domain="checkin.test")


def assert_no_japanese(html: str, user_data: list[str]) -> None:
    """No Japanese left once the user's own data (names, notes, flag reasons) and the
    language switch's own "日本語" are taken out."""
    html = re.sub(r'<(a|span) lang="ja"[^>]*>日本語</\1>', "", html)
    # What a person types as it is (a Japanese date form shown as an example): marked so.
    html = re.sub(r'<code translate="no" lang="ja">[^<]*</code>', "", html)
    for text in sorted({t for t in user_data if t}, key=len, reverse=True):
        html = html.replace(str(text), "")
    leftovers = sorted({m.group(0) for m in JAPANESE.finditer(html)})
    context = [html[max(0, m.start() - 60) : m.end() + 20] for m in JAPANESE.finditer(html)][:5]
    assert not leftovers, context
    assert '<html lang="en">' in html


def user_data(db: Session) -> list[str]:
    """Text people typed or the signals wrote: stays as it is in every language."""
    data: list[str] = []
    for c in db.scalars(select(Client)):
        data += [c.name, c.name_kana or ""]
    data += [s.name for s in db.scalars(select(StaffUser))]
    data += [o.name for o in db.scalars(select(Office))]
    data += [e.name for e in db.scalars(select(Employer))]
    data += [u.name for u in db.scalars(select(EmployerUser))]
    data += [n for n in db.scalars(select(CheckIn.note)) if n]
    data += [n for n in db.scalars(select(Contact.note)) if n]
    for c in db.scalars(select(Contact)):  # a meeting's place, names and video reason
        data += [c.place or "", c.employer_attendee or "", c.video_reason or ""]
    data += list(db.scalars(select(EmployerNote.text)))  # what the employer side wrote
    for c in db.scalars(select(Consent)):
        data += [c.evidence, c.agency_name or ""]
    for f in db.scalars(select(Flag)):
        data += [r["text"] for r in f.reasons] + [f.note or ""]
        data += [str((r.get("values") or {}).get("detail") or "") for r in f.reasons]
    data += [r for r in db.scalars(select(StageChange.reason)) if r]
    data += [r for r in db.scalars(select(ServicePeriodOverride.reason)) if r]
    for e in db.scalars(select(EmploymentEvent)):
        data += [e.employer_name or "", e.note or ""]
    return data


def test_login_page_in_english(client: FlaskClient, db: Session) -> None:
    english(client)
    html = client.get("/login").get_data(as_text=True)
    assert "Staff login" in html and "Password" in html
    assert_no_japanese(html, [])
    # A wrong password: the flashed message is English too.
    resp = client.post(
        "/login", data={"login": "nobody", "password": "x" * 12, "csrf_token": csrf_from(html)}
    )
    html = resp.get_data(as_text=True)
    assert "The login ID or password is wrong." in html
    assert_no_japanese(html, [])


def test_a_page_behind_login_asks_to_log_in_in_english(client: FlaskClient) -> None:
    english(client)
    resp = client.get("/alerts", follow_redirects=True)
    assert "Please log in." in resp.get_data(as_text=True)


def test_client_check_in_and_done_pages_in_english(
    client: FlaskClient, db: Session, world: World
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    english(client)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert "How do you feel today?" in page and "Very good" in page and ">Send<" in page
    assert "<script" not in page
    assert_no_japanese(page, user_data(db))

    # Bad input: the service's own messages in English, and nothing saved.
    bad = client.post(
        f"/c/{token}", data={**GOOD, "mood": "", "sleep_hours": "30", "csrf_token": csrf_from(page)}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Please choose how you feel today." in html
    assert "Please enter the hours you slept, from 0 to 24." in html
    assert_no_japanese(html, user_data(db))
    assert db.scalars(select(CheckIn)).first() is None

    sent = client.post(
        f"/c/{token}",
        data={
            **GOOD,
            "wants_contact": "1",
            "note": "すこし つかれた",
            "csrf_token": csrf_from(page),
        },
    )
    assert sent.status_code == 303
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in done and "Your supporter will contact you." in done
    assert "Good" in done  # this week's mood, labelled in English
    db.expire_all()
    assert_no_japanese(done, user_data(db))


def test_alert_list_and_client_page_in_english(
    client: FlaskClient, db: Session, seeded: demo.DemoResult
) -> None:
    supporter = next(login for login, _, role in seeded.logins if role == "supporter")
    english(client)
    AuthActions(client).login(supporter, seeded.password)
    html = client.get("/alerts").get_data(as_text=True)
    assert "This morning&#39;s alerts" in html or "This morning's alerts" in html
    assert 'class="card flag' in html and "Record a contact" in html
    data = user_data(db)
    assert_no_japanese(html, data)

    # One alert marked as seen: English has a singular.
    one = db.scalars(select(Flag).where(Flag.status == FlagStatus.OPEN)).first()
    assert one is not None
    done = client.post(
        "/flags/bulk-acknowledge",
        data={"flag_id": str(one.id), "back": "/alerts", "csrf_token": csrf_from(html)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 alert marked as seen." in done

    flag = db.scalars(select(Flag).where(Flag.client_id == seeded.link_client.id)).first()
    client_id = flag.client_id if flag is not None else seeded.link_client.id
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Timeline" in page and "Day by day (table)" in page and "Contacts and meetings" in page
    assert "What happened?" in page
    assert_no_japanese(page, data)


def test_a_past_timeline_period_and_a_bad_end_in_english(
    client: FlaskClient, db: Session, history: Any
) -> None:
    english(client)
    AuthActions(client).login("sato")
    cid = history.client_a.id
    html = client.get(f"/clients/{cid}?range=month&end=2026-05-11").get_data(as_text=True)
    assert "← Previous period" in html and "Next period →" in html
    assert "the morning of 2026-05-11, the last day of this period" in html
    assert_no_japanese(html, user_data(db))
    resp = client.get(f"/clients/{cid}?end=2026-06-11")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "The end of the period must be a day from 2026-01-01 to 2026-06-10." in html
    assert "Showing the period up to today." in html
    assert_no_japanese(html, user_data(db))
    resp = client.get(f"/clients/{cid}/timeline.json?end=x")
    assert resp.get_json() == {
        "errors": {"end": "Please give the end of the period as a date like 2026-04-01."}
    }


def test_employer_home_in_english(
    client: FlaskClient,
    db: Session,
    world: World,
    employer: Employer,  # noqa: F811 (fixture)
) -> None:
    english(client)
    login = client.get("/employer/login").get_data(as_text=True)
    assert "Employer login" in login
    assert_no_japanese(login, [])
    employer_login(client)
    html = client.get("/employer/").get_data(as_text=True)
    assert "Showing only what the employee consented to" in html and "Mood (1-5)" in html
    assert_no_japanese(html, user_data(db))
    refused = client.get("/alerts")  # a staff page: the 403 page says why, in English
    assert refused.status_code == 403
    assert "This page cannot be shown" in refused.get_data(as_text=True)
    assert_no_japanese(refused.get_data(as_text=True), [])


def test_the_switch_is_a_plain_link_that_sets_a_cookie_and_returns(
    client: FlaskClient, db: Session, world: World
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert '<html lang="ja">' in page and "きょうの きもち" in page
    link = re.search(r'<a lang="en" hreflang="en" href="([^"]+)">English</a>', page)
    assert link is not None
    resp = client.get(link.group(1).replace("&amp;", "&"))
    assert resp.status_code == 303 and resp.headers["Location"] == f"/c/{token}"
    assert "lang=en" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert '<html lang="en">' in page and "How do you feel today?" in page

    # And back to Japanese.
    back = re.search(r'<a lang="ja" hreflang="ja" href="([^"]+)">日本語</a>', page)
    assert back is not None
    client.get(back.group(1).replace("&amp;", "&"))
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert '<html lang="ja">' in page and "きょうの きもち" in page
    assert "How do you feel today?" not in page


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("ja,en-US;q=0.8,en;q=0.6", "ja"),
        ("fr-FR,fr;q=0.9", "ja"),  # neither: Japanese
        ("", "ja"),
    ],
)
def test_accept_language_without_a_cookie(client: FlaskClient, header: str, lang: str) -> None:
    resp = client.get("/login", headers={"Accept-Language": header})
    assert {"Accept-Language", "Cookie"} <= set(resp.vary)  # caches keep languages apart
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert ("Staff login" in html) == (lang == "en")


def test_the_cookie_wins_over_accept_language(client: FlaskClient) -> None:
    client.set_cookie("lang", "ja", domain="checkin.test")
    html = client.get("/login", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert '<html lang="ja">' in html and "スタッフ ログイン" in html
    client.set_cookie("lang", "xx", domain="checkin.test")  # unknown: ignored
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_the_switch_never_sends_people_off_site(client: FlaskClient, target: str) -> None:
    resp = client.get("/lang/en", query_string={"next": target})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_an_unknown_language_is_not_found(client: FlaskClient) -> None:
    assert client.get("/lang/fr?next=/login").status_code == 404


def test_error_pages_in_english(client: FlaskClient) -> None:
    english(client)
    resp = client.get("/c/no-such-link")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "This page does not exist" in html and "contact the office" in html
    assert_no_japanese(html, [])


def test_outside_a_request_messages_stay_japanese() -> None:
    # Jobs, the CLI and LINE's texts have no reader's language: the source text is used.
    with pytest.raises(ValidationError) as e:
        CheckinInput.from_form({**GOOD, "mood": ""}, today=TODAY)
    assert str(e.value.errors["mood"]) == "きょうの きもちを えらんでください。"


def test_the_office_pages_of_a_service_manager_in_english(
    client: FlaskClient, db: Session, seeded: demo.DemoResult
) -> None:
    manager = next(login for login, _, role in seeded.logins if role == "service_manager")
    english(client)
    AuthActions(client).login(manager, seeded.password)
    someone = seeded.link_client.id
    data = user_data(db)
    pages = [
        "/alerts?all=1",
        "/overview",
        "/clients",
        "/clients/new",
        f"/clients/{someone}/edit",
        f"/clients/{someone}/audit",
        "/admin/staff",
        "/admin/reassign",
        "/admin/employers",
        "/clients/import",
        "/clients/import/history",
        "/ops/jobs",
    ]
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert_no_japanese(resp.get_data(as_text=True), data)


def test_the_printable_card_and_an_employer_client_page_in_english(
    client: FlaskClient,
    db: Session,
    world: World,
    employer: Employer,  # noqa: F811 (fixture)
) -> None:
    english(client)
    AuthActions(client).login("kanri")
    card = client.post(
        f"/clients/{world.client_a.id}/card",
        data={"csrf_token": AuthActions(client).token()},
        follow_redirects=True,
    )
    assert card.status_code == 200
    assert "Check-in card for" in card.get_data(as_text=True)
    assert_no_japanese(card.get_data(as_text=True), user_data(db))
    client.post("/logout", data={"csrf_token": AuthActions(client).token()})
    employer_login(client)
    html = client.get(f"/employer/clients/{world.client_a.id}").get_data(as_text=True)
    assert "Week by week" in html
    assert_no_japanese(html, user_data(db))


def test_import_problems_in_english(client: FlaskClient, db: Session, world: World) -> None:
    english(client)
    auth = AuthActions(client)
    auth.login("kanri")

    def upload(content: bytes) -> Any:
        return client.post(
            "/clients/import",
            data={
                "csrf_token": auth.token("/clients/import"),
                "file": (io.BytesIO(content), "clients.csv"),
            },
            content_type="multipart/form-data",
        )

    resp = upload("名前,担当,ねこ\n山田 一郎,nobody,x\n".encode())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Unknown columns: ねこ" in html
    resp = upload("名前,担当\n山田 一郎,nobody\n".encode())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "There is no staff member “nobody” at this office." in html
    assert_no_japanese(html, [*user_data(db), "山田 一郎"])
    assert db.scalars(select(Client).where(Client.name == "山田 一郎")).first() is None


# Realistic weeks for the self-view: together they bring out every "went well" rule.
WORKDAYS = [d for d in (TODAY - timedelta(days=b) for b in range(23, -1, -1)) if d.weekday() < 5]


def ago(d: date) -> int:
    return (TODAY - d).days


def steady_weeks() -> list[dict[str, Any]]:
    """Four weeks of workdays, Fridays brighter, lighter tiredness this week, long nights."""
    return [
        {"day": d, "mood": 5 if d.weekday() == 4 else 3, "fatigue": 2 if ago(d) < 7 else 4}
        | {"sleep": "8"}
        for d in WORKDAYS
    ]


def longer_nights() -> list[dict[str, Any]]:
    """Yesterday skipped; nights an hour longer than the week before; Fridays lighter."""
    return [
        {"day": d, "mood": 5 if d.weekday() == 4 else 3, "sleep": "6.5" if ago(d) < 7 else "5.5"}
        | {"fatigue": 2 if d.weekday() == 4 else 3}
        for d in WORKDAYS
        if ago(d) != 1
    ]


def a_hard_day_today() -> list[dict[str, Any]]:
    """Asked to talk five days ago, brighter days this week, and today a hard one."""
    return [
        {"day": d, "mood": 3 if ago(d) >= 7 else 4, "wants_contact": ago(d) == 5}
        for d in WORKDAYS
        if 0 < ago(d) < 14
    ] + [{"day": TODAY, "mood": 1}]


def every_day() -> list[dict[str, Any]]:
    return [{"day": TODAY - timedelta(days=b)} for b in range(7)]


def a_few_old_days() -> list[dict[str, Any]]:
    return [{"day": TODAY - timedelta(days=b)} for b in (9, 13, 20)]


def asked_today() -> list[dict[str, Any]]:
    return [{"day": TODAY - timedelta(days=b)} for b in (1, 2, 5)] + [
        {"day": TODAY, "mood": 2, "wants_contact": True}
    ]


def store(db: Session, client: Client, rows: list[dict[str, Any]]) -> None:
    db.execute(delete(CheckIn).where(CheckIn.client_id == client.id))
    for r in rows:
        db.add(
            CheckIn(
                client_id=client.id,
                local_date=r["day"],
                mood=r.get("mood", 3),
                fatigue=r.get("fatigue", 3),
                sleep_hours=Decimal(r.get("sleep", "6")),
                sleep_quality=3,
                wants_contact=r.get("wants_contact", False),
                channel=Channel.WEB,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.commit()


def good_things(html: str) -> dict[str, str]:
    return dict(re.findall(r'<li class="g-(\w+)">([^<]*)</li>', html))


# Words that would make the list a report card or a warning, in English.
FAULT_WORDS = re.compile(
    r"\b(only|just|didn't|not|never|fewer|less|worse|bad|poor|miss\w*|forg[eo]t\w*|fail\w*"
    r"|lack\w*|risk\w*|warn\w*|careful|worr\w*|scores?|flags?|drop\w*|low\w*)\b",
    re.IGNORECASE,
)

HISTORIES: list[Callable[[], list[dict[str, Any]]]] = [
    steady_weeks,
    longer_nights,
    a_hard_day_today,
    every_day,
    a_few_old_days,
    asked_today,
]


def test_the_self_view_in_english_with_weeks_of_answers(
    client: FlaskClient, db: Session, world: World
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    english(client)
    seen: dict[str, str] = {}
    texts: set[str] = set()
    for make_history in HISTORIES:
        store(db, world.client_a, make_history())
        html = client.get(f"/c/{token}/me").get_data(as_text=True)
        assert "What went well" in html and "The last 4 weeks" in html, make_history.__name__
        assert '<th scope="row">This week</th>' in html and "Tiredness" in html
        assert_no_japanese(html, user_data(db))
        items = good_things(html)
        assert items, make_history.__name__
        for text in items.values():
            assert text.endswith("."), text
            assert not FAULT_WORDS.search(text), text
        seen |= items
        texts |= set(items.values())
        if history is a_hard_day_today:
            # The page starts with where to turn, then the kind word about the hard day.
            assert html.index("Thank you for checking in.") < html.index("What went well")
            assert list(items)[:2] == ["asked", "hard_day"]
        if history is asked_today:
            assert html.index("Your supporter will contact you.") < html.index("What went well")
    assert set(seen) == {
        "asked",
        "week",
        "streak",
        "mood",
        "mood_up",
        "sleep",
        "sleep_up",
        "fatigue",
        "fatigue_up",
        "weekday",
        "hard_day",
        "count",
    }
    # Numbers are placeholders, and English has its singular and plural.
    assert seen["mood"] == "You felt good or very good on 1 day in the last 7 days."
    assert seen["sleep"] == "You got 7 hours of sleep or more on 5 nights."
    assert seen["fatigue"] == "You felt rested or a little tired on 1 day in the last 7 days."
    assert seen["sleep_up"] == "On average, you slept 1 hour longer than in the 7 days before."
    assert seen["fatigue_up"] == (
        "You felt rested or a little tired on 5 more days than in the 7 days before."
    )
    assert seen["weekday"] == "Over the last 4 weeks, Friday was your best day for mood."
    assert (
        seen["count"]
        == "You checked in on 3 days in the last 4 weeks. Keeping it up is what counts."
    )
    assert {
        "You checked in every day in the last 7 days.",
        "You checked in on all 5 of your check-in days in the last 7 days.",
        "You checked in on 4 days in the last 7 days.",
        "You have checked in 18 days in a row.",
    } <= texts

    # Screen readers hear each day in English.
    store(db, world.client_a, steady_weeks())
    html = client.get(f"/c/{token}/me").get_data(as_text=True)
    assert '<span class="sr">Wed 6/10 8 hours</span>' in html
    assert '<span class="sr">Fri 6/5 Very good</span>' in html
    assert '<span class="sr">Sat 6/6: no entry</span>' in html
    assert "Check-ins so far: " in html and "Check in for today" in html


def test_the_done_page_after_weeks_of_answers_in_english(
    client: FlaskClient, db: Session, world: World
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    store(db, world.client_a, [r for r in steady_weeks() if r["day"] != TODAY])
    english(client)
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert "See your check-ins so far" in page
    sent = client.post(
        f"/c/{token}",
        data={**GOOD, "mood": "1", "sleep_hours": "8", "csrf_token": csrf_from(page)},
    )
    assert sent.status_code == 303
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert_no_japanese(done, user_data(db))
    assert done.index("Thank you for checking in.") < done.index("What went well")
    items = good_things(done)
    assert next(iter(items)) == "hard_day"
    assert items["week"] == "You checked in on all 5 of your check-in days in the last 7 days."
    assert not [t for t in items.values() if FAULT_WORDS.search(t)]


def test_client_timeline_outcomes_feedback_and_rankers_in_english(
    client: FlaskClient,
    db: Session,
    history: World,
) -> None:
    # Client a: entries, a missed Friday, a note with 「相談したい」, a high flag, a call.
    a = history.client_a
    english(client)
    auth = AuthActions(client)
    auth.login("sato")
    data = user_data(db)
    page = client.get(f"/clients/{a.id}").get_data(as_text=True)
    assert "Timeline" in page and "1 month" in page and "3 months" in page
    assert "Weekly and monthly averages and answer rates" in page
    assert "5/2026 (days 12–31)" in page and "6/2026 (days 1–10)" in page
    assert "6/8 (Mon)" in page and "Wants to talk" in page and "Phone call" in page
    assert "No entry (expected day)" in page and ">High</span>" in page
    assert "What happened?" in page and 'value="sick_leave"' in page and "Sick leave" in page
    # The chart's words: from the page, in English, with the slot timeline.js fills in.
    labels = json.loads(re.search(r'id="timeline-labels">(.*?)</script>', page, re.S).group(1))
    assert labels["mood"] == "Mood {v}" and labels["weekdays"][2] == "Wed"
    assert labels["hours"] == ["{v} hour", "{v} hours"]  # timeline.js: [0] only for 1
    assert labels["rows"] == {"flag": "Alerts", "contact": "Contacts", "missed": "No entry"}
    assert not JAPANESE.search(json.dumps(labels, ensure_ascii=False))
    assert_no_japanese(page, data)
    week = client.get(f"/clients/{a.id}?range=week").get_data(as_text=True)
    assert "6/4–6/7" in week and "1 day" in week
    assert_no_japanese(week, data)
    tl = client.get(f"/clients/{a.id}/timeline.json").get_json()
    assert tl["range_label"] == "1 month" and tl["items"]["sleep_hours"] == "Sleep hours"
    assert [f["severity_label"] for f in tl["flags"]] == ["High"]
    assert [c["label"] for c in tl["contacts"]] == ["Phone call"]
    assert tl["total"]["label"] == "Whole range"

    # An outcome: bad input in English and nothing saved, then recorded and listed.
    token = auth.token(f"/clients/{a.id}")
    bad = client.post(
        f"/clients/{a.id}/outcomes",
        data={"csrf_token": token, "kind": "", "occurred_on": "2026-06-11"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Please choose what happened (absence, sick leave, crisis, quit the job)." in bad
    assert "A date in the future cannot be recorded." in bad
    assert_no_japanese(bad, data)
    assert db.scalars(select(Outcome)).first() is None
    done = client.post(
        f"/clients/{a.id}/outcomes",
        data={"csrf_token": token, "kind": "absence", "occurred_on": "2026-06-09"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Event recorded." in done and "Absence (recorded by" in done
    assert_no_japanese(done, user_data(db))

    # Feedback on the alert list.
    alerts = client.get("/alerts").get_data(as_text=True)
    assert "This alert was" in alerts and ">Useful<" in alerts and ">Not useful<" in alerts
    assert_no_japanese(alerts, data)
    flag = db.scalars(select(Flag).where(Flag.client_id == a.id)).one()
    fb = client.post(
        f"/flags/{flag.id}/feedback",
        data={"csrf_token": auth.token("/alerts"), "useful": "1", "back": "/alerts"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Recorded as “Useful”." in fb
    assert_no_japanese(fb, data)

    # /ops/jobs with a model in use and a training that stayed on the rules.
    for i, (active, reason) in enumerate([(False, "too few labels"), (True, None)]):
        db.add(
            RankerModel(
                office_id=history.office.id,
                version=f"ranker-en-{i}",
                trained_at=NOW,
                trained_through=TODAY,
                n_positive=3,
                n_negative=40,
                metrics={"test_auc": 0.75, "test_brier": 0.1} if active else None,
                fallback_reason=reason,
                active=active,
            )
        )
    db.commit()
    client.post("/logout", data={"csrf_token": auth.token("/alerts")})
    auth.login("kanri")
    ops = client.get("/ops/jobs").get_data(as_text=True)
    assert (
        "Learned order of the alerts" in ops
        and 'In use: <code translate="no">ranker-en-1</code>' in ops
    )
    assert "Stays on the rules: too few labels" in ops and "Earlier model" not in ops
    assert_no_japanese(ops, user_data(db))
