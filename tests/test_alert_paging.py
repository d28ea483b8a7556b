"""The alert list of a large office comes in pages of PER_PAGE, in the list's order (#17)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.models import Client
from checkin.services.flags import alert_list, upsert_candidates
from checkin.signals import FlagCandidate, Reason
from checkin.web.alerts import PER_PAGE
from tests.conftest import NOW, TODAY, AuthActions, World

N = 2 * PER_PAGE + 20
FLAG_ID = re.compile(r'<li class="card flag [^"]*" id="flag-(\d+)"')


def many_flags(db: Session, world: World, n: int = N) -> list[int]:
    clients = [
        Client(office=world.office, name=f"利用者{i:03d}", supporter=world.sato) for i in range(n)
    ]
    db.add_all(clients)
    db.flush()
    severities = ("urgent", "high", "watch")
    cands = [
        FlagCandidate(c.id, "trend", severities[i % 3], float(i % 17), (Reason("x", "理由"),))
        for i, c in enumerate(clients)
    ]
    upsert_candidates(db, world.office, TODAY, cands, now=NOW)
    db.commit()
    return [f.id for f in alert_list(db, world.manager, everyone=True, today=TODAY)]


def ids_on(client: FlaskClient, url: str) -> tuple[list[int], str]:
    resp = client.get(url)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    return [int(i) for i in FLAG_ID.findall(html)], html


def test_pages_follow_the_list_order_with_plain_links(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    order = many_flags(db, world)
    assert len(order) == N
    auth.login("kanri")
    seen: list[int] = []
    url: str | None = "/alerts?all=1&severity="
    pages = 0
    while url is not None:
        ids, html = ids_on(client, url)
        pages += 1
        assert len(ids) <= PER_PAGE
        seen += ids
        assert f"全{N}件中" in html
        nxt = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        if url:
            assert "all=1" in url and "page=" in url and f"次の{PER_PAGE}件" in html
    assert pages == 3
    assert seen == order  # same order as the whole list, nothing twice, nothing left out
    # Back from page 3; a page past the end shows the last page.
    _, html = ids_on(client, "/alerts?all=1&page=3")
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert ids_on(client, "/alerts?all=1&page=99")[0] == order[2 * PER_PAGE :]
    assert ids_on(client, "/alerts?all=1&page=-4")[0] == order[:PER_PAGE]


def test_paging_in_english_and_for_a_supporter(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    order = many_flags(db, world)
    auth.login("sato")  # sato supports every one of these clients
    client.get("/lang/en")
    ids, html = ids_on(client, "/alerts?page=2")
    assert ids == order[PER_PAGE : 2 * PER_PAGE]
    assert f"{PER_PAGE + 1}–{2 * PER_PAGE} of {N} (page 2 of 3)" in html
    assert f"Next {PER_PAGE}" in html and f"Previous {PER_PAGE}" in html


def test_a_flags_link_opens_the_page_it_is_on(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    order = many_flags(db, world)
    last = order[-1]
    auth.login("sato")
    resp = client.get(f"/flags/{last}")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/alerts?page=3#flag-{last}")
    client.get("/logout")
    auth.login("kanri")  # not on the manager's own list: the office's, at its page
    resp = client.get(f"/flags/{order[PER_PAGE]}")
    assert resp.headers["Location"].endswith(f"/alerts?all=1&page=2#flag-{order[PER_PAGE]}")


def test_the_overview_of_a_large_office_is_bounded_and_pages_its_table(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    from checkin.web.admin import OVERVIEW_LIST_CAP, OVERVIEW_PER_PAGE

    more = OVERVIEW_PER_PAGE + 30
    many_flags(db, world, more)  # none with a contact record
    everyone = more + 3  # and the world's three
    auth.login("kanri")
    html = client.get("/overview").get_data(as_text=True)
    table = html.split('id="client-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == OVERVIEW_PER_PAGE + 1  # and the heading row
    no_contact = html.split('id="no-contact"', 1)[1].split("</section>", 1)[0]
    assert no_contact.count("<li><a ") == OVERVIEW_LIST_CAP
    assert f"ほか{everyone - OVERVIEW_LIST_CAP}人" in no_contact
    nxt = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert nxt is not None and nxt.group(1) == "/overview?page=2#clients"
    html = client.get("/overview?page=2").get_data(as_text=True)
    table = html.split('id="client-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == everyone - OVERVIEW_PER_PAGE + 1
    assert f"全{everyone}件中 {OVERVIEW_PER_PAGE + 1}〜{everyone}件目" in html
