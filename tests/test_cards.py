"""The client's check-in card (issue 12): shown again with the same link until first use or
14 days, cards for many clients at once, and what an old or revoked link tells the client."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import CheckinLink, Client, ClientStatus
from checkin.services.links import CARD_WINDOW, hash_token, issue_link, revoke_links
from checkin.web.cards import decode_ids, encode_ids
from tests.conftest import NOW, AuthActions, World, csrf_from

LINK_RE = re.compile(r'class="client-link" href="https?://[^/"]+(/c/[^"]+)"')
QR_RE = re.compile(r"<svg.*?</svg>", re.S)


def issue(client: FlaskClient, auth: AuthActions, who: Client, **data: str) -> Any:
    page = f"/clients/{who.id}"
    return client.post(f"{page}/card", data={**data, "csrf_token": auth.token(page)})


def card(client: FlaskClient, who: Client) -> str:
    resp = client.get(f"/clients/{who.id}/card")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.get_data(as_text=True)


def links_on(html: str) -> list[str]:
    return LINK_RE.findall(html)


def live_link(db: Session, who: Client) -> CheckinLink:
    db.expire_all()
    return db.scalars(
        select(CheckinLink).where(CheckinLink.client_id == who.id, CheckinLink.revoked_at.is_(None))
    ).one()


def at(app: Flask, when: Any) -> None:
    app.config["CLOCK"] = lambda: when


def test_issuing_redirects_to_a_card_that_reloads_with_the_same_link(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    resp = issue(client, auth, world.client_a)
    assert resp.status_code == 303 and resp.location.endswith(f"/clients/{world.client_a.id}/card")
    first, second = card(client, world.client_a), card(client, world.client_a)
    [path] = links_on(first)
    assert links_on(second) == [path]
    assert QR_RE.findall(first) == QR_RE.findall(second) and len(QR_RE.findall(first)) == 1
    assert "印刷する" in first and "print.js" in first
    # Only the hash and a sealed copy are stored, never the token itself.
    link = live_link(db, world.client_a)
    token = path.removeprefix("/c/")
    assert link.token_hash == hash_token(token)
    assert link.card_token and token not in link.card_token
    # The reloaded card's link works.
    assert client.get(path).status_code == 200


def test_the_card_cannot_be_shown_again_after_first_use(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    issue(client, auth, world.client_a)
    [path] = links_on(card(client, world.client_a))
    assert client.get(path).status_code == 200  # the client opens the link
    assert live_link(db, world.client_a).card_token is None  # cleared at first use
    html = card(client, world.client_a)
    assert links_on(html) == [] and path not in html and "<svg" not in html
    assert "もう一度 表示できません" in html and "新しいカードを作る" in html
    assert client.get(path).status_code == 200  # the link itself still works


def test_the_card_cannot_be_shown_again_after_14_days(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    issue(client, auth, world.client_a)
    [path] = links_on(card(client, world.client_a))
    at(app, NOW + CARD_WINDOW - timedelta(minutes=1))
    assert links_on(card(client, world.client_a)) == [path]
    at(app, NOW + CARD_WINDOW)
    html = card(client, world.client_a)
    assert links_on(html) == [] and "14日 たったため" in html
    assert client.get(path).status_code == 200  # never used, still a working link


def test_a_card_sealed_with_another_key_is_not_shown(
    app: Flask, client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    issue(client, auth, world.client_a)
    app.secret_key = "another-secret"
    auth.login("sato")
    html = card(client, world.client_a)
    assert links_on(html) == [] and "もう一度 表示できません" in html


def test_a_new_card_over_a_live_link_asks_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    issue(client, auth, world.client_a)
    [path] = links_on(card(client, world.client_a))
    client.get(path)  # used
    asked = issue(client, auth, world.client_a)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "使えなくなります" in html and 'name="confirm"' in html
    assert client.get(path).status_code == 200  # nothing changed yet
    done = client.post(
        f"/clients/{world.client_a.id}/card",
        data={"confirm": "1", "csrf_token": csrf_from(html)},
    )
    assert done.status_code == 303
    [new] = links_on(card(client, world.client_a))
    assert new != path
    assert client.get(path).status_code == 410 and client.get(new).status_code == 200


def test_the_card_page_without_a_link_and_for_a_paused_client(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    html = card(client, world.client_a)
    assert "有効なリンクはありません" in html and "新しいカードを作る" in html
    assert issue(client, auth, world.client_a).status_code == 303  # no question without a link
    world.client_a.status = ClientStatus.PAUSED
    db.commit()
    html = card(client, world.client_a)
    assert links_on(html) == [] and "支援中では ないため" in html
    assert issue(client, auth, world.client_a, confirm="1").status_code == 303
    assert "支援中の利用者だけ" in card(client, world.client_a)
    assert client.get(f"/clients/{world.other_client.id}/card").status_code == 404


# --- many clients at once -------------------------------------------------------------


@pytest.mark.parametrize("ids", [[1], [3, 4, 5, 9], [2, 3, 7, 8, 9, 10, 12], list(range(1, 501))])
def test_client_ids_fit_in_a_short_address(ids: list[int]) -> None:
    assert decode_ids(encode_ids(ids)) == ids
    assert len(encode_ids(list(range(1000, 1500)))) == len("1000-1499")


@pytest.mark.parametrize("bad", ["", "x", "3-1", "0", "1-501", "1,,2", "-3"])
def test_bad_id_lists_are_refused(bad: str) -> None:
    assert decode_ids(bad) is None


def add_clients(db: Session, world: World, n: int) -> list[Client]:
    new = [
        Client(
            office=world.office,
            name=f"新人 {i}",
            supporter_id=world.sato.id,
            service_start=date(2026, 6, 1),
        )
        for i in range(n)
    ]
    db.add_all(new)
    db.commit()
    return new


def bulk(client: FlaskClient, auth: AuthActions, data: dict[str, Any]) -> Any:
    return client.post("/clients/cards", data={**data, "csrf_token": auth.token("/clients/cards")})


def test_cards_for_many_clients_one_page_each_reloadable(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    new = add_clients(db, world, 6)
    auth.login("kanri")
    resp = bulk(client, auth, {"client_id": [str(c.id) for c in new]})
    assert resp.status_code == 303 and "/clients/cards/print?ids=" in resp.location
    page = client.get(resp.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    paths = links_on(html)
    assert len(paths) == 6 == len(set(paths)) == html.count('class="card-page"')
    assert html.count("<svg") == 6
    for c in new:
        assert c.name in html
    # Reloading shows the same links, and every one of them works for its own client.
    assert links_on(client.get(resp.location).get_data(as_text=True)) == paths
    for path in paths:
        assert client.get(path).status_code == 200
    # Once used, the page no longer shows those cards and says why.
    html = client.get(resp.location).get_data(as_text=True)
    assert links_on(html) == [] and 'id="cards-missing"' in html


def test_printable_cards_are_kept_and_missing_ones_made(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    new = add_clients(db, world, 3)
    auth.login("kanri")
    issue(client, auth, new[0])
    [kept] = links_on(card(client, new[0]))
    # "every client without a link": the world's three clients and two of the new ones.
    resp = bulk(client, auth, {"which": "missing"})
    assert resp.status_code == 303
    paths = links_on(client.get(resp.location).get_data(as_text=True))
    assert len(paths) == 5 and kept not in paths
    # Ticking all of them afterwards changes no link: the same cards are printed again.
    everyone = [world.client_a, world.client_b, world.client_c, *new]
    again = bulk(client, auth, {"client_id": [str(c.id) for c in everyone]})
    assert set(links_on(client.get(again.location).get_data(as_text=True))) == {*paths, kept}
    assert bulk(client, auth, {"which": "missing"}).status_code == 303
    assert "リンクのない利用者はいません" in client.get("/clients/cards").get_data(as_text=True)


def test_replacing_a_used_link_in_bulk_asks_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    used = issue_link(db, world.client_a, now=NOW)
    db.commit()
    client.get(f"/c/{used}")
    ids = [str(world.client_a.id), str(world.client_b.id)]
    asked = bulk(client, auth, {"client_id": ids})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="in-use"' in html
    assert world.client_a.name in html.split('id="in-use"')[1].split("</ul>")[0]
    assert world.client_b.name not in html.split('id="in-use"')[1].split("</ul>")[0]
    db.expire_all()
    assert (
        db.scalars(select(CheckinLink).where(CheckinLink.client_id == world.client_b.id)).all()
        == []
    )
    assert client.get(f"/c/{used}").status_code == 200
    # Keep the used link: only client B gets a card.
    token = csrf_from(html)
    kept = client.post(
        "/clients/cards", data={"client_id": ids, "replace": "no", "csrf_token": token}
    )
    paths = links_on(client.get(kept.location).get_data(as_text=True))
    assert len(paths) == 1 and client.get(f"/c/{used}").status_code == 200
    # Replace it: the old card stops working, B's card stays the same.
    replaced = client.post(
        "/clients/cards", data={"client_id": ids, "replace": "yes", "csrf_token": token}
    )
    both = links_on(client.get(replaced.location).get_data(as_text=True))
    assert len(both) == 2 and paths[0] in both
    assert client.get(f"/c/{used}").status_code == 410
    assert all(client.get(p).status_code == 200 for p in both)


def test_bulk_takes_only_own_active_clients(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    world.client_c.status = ClientStatus.ENDED
    db.commit()
    auth.login("sato")
    ids = [str(world.other_client.id), str(world.client_c.id), str(world.client_b.id)]
    resp = bulk(client, auth, {"client_id": ids})
    html = client.get(resp.location).get_data(as_text=True)
    assert len(links_on(html)) == 1 and world.client_b.name in html
    assert world.other_client.name not in html
    assert bulk(client, auth, {}).status_code == 303
    assert bulk(client, auth, {"client_id": ["x"]}).status_code == 400
    bad = client.get("/clients/cards/print?ids=zz", follow_redirects=True)
    assert bad.status_code == 200 and "もう一度選んでください" in bad.get_data(as_text=True)


def test_after_an_import_the_new_clients_are_ticked_for_cards(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    from tests.test_transfer import GOOD_ROWS, rows_csv, upload

    auth.login("kanri")
    html = upload(client, auth, rows_csv(*GOOD_ROWS[:4])).get_data(as_text=True)
    payload = re.search(r'name="payload" value="([^"]+)"', html)
    assert payload
    resp = client.post(
        "/clients/import/confirm",
        data={"csrf_token": csrf_from(html), "filename": "c.csv", "payload": payload.group(1)},
    )
    # The import's result page lists the new clients and leads to their cards, ticked.
    assert resp.status_code == 303 and "/clients/import/" in resp.location
    done = client.get(resp.location).get_data(as_text=True)
    assert "4人を取り込みました" in done
    cards = re.search(r'href="(/clients/cards\?ids=[^"]+)"', done)
    assert cards, "no link to the imported clients' cards"
    page = client.get(cards.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert page.count(" checked>") == 4


# --- what an old card tells the client ---------------------------------------------------


@pytest.mark.parametrize("path", ["", "/me", "/done"])
def test_a_revoked_link_says_whom_to_call(
    client: FlaskClient, db: Session, world: World, path: str
) -> None:
    world.office.phone = "０３-1234-5678"
    token = issue_link(db, world.client_a, now=NOW)
    revoke_links(db, world.client_a, now=NOW)
    db.commit()
    resp = client.get(f"/c/{token}{path}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 410
    assert "この カードは もう つかいません" in html and world.office.name in html
    assert 'href="tel:0312345678"' in html and "０３-1234-5678" in html
    assert world.client_a.name not in html and "よかったこと" not in html


def test_a_replaced_link_and_an_ended_service_are_gone_too(
    client: FlaskClient, db: Session, world: World
) -> None:
    old = issue_link(db, world.client_a, now=NOW)
    issue_link(db, world.client_a, now=NOW)
    ended = issue_link(db, world.client_b, now=NOW)
    world.client_b.status = ClientStatus.ENDED
    db.commit()
    for token in (old, ended):
        resp = client.get(f"/c/{token}")
        assert resp.status_code == 410 and world.office.name in resp.get_data(as_text=True)
    # No phone on record: the office's name and "call your supporter", no tel: button.
    assert "tel:" not in client.get(f"/c/{old}").get_data(as_text=True)


def test_a_paused_client_is_told_to_call_the_office(
    client: FlaskClient, db: Session, world: World
) -> None:
    world.office.phone = "03-1234-5678"
    token = issue_link(db, world.client_a, now=NOW)
    world.client_a.status = ClientStatus.PAUSED
    db.commit()
    resp = client.get(f"/c/{token}")
    assert resp.status_code == 403
    assert "お休み" in resp.get_data(as_text=True) and "tel:0312345678" in resp.get_data(
        as_text=True
    )


@pytest.mark.parametrize("path", ["", "/me"])
def test_an_unknown_link_gets_the_general_words_only(
    client: FlaskClient, db: Session, world: World, path: str
) -> None:
    world.office.phone = "03-1234-5678"
    issue_link(db, world.client_a, now=NOW)
    db.commit()
    resp = client.get(f"/c/{'x' * 43}{path}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "事業所に 連絡して ください" in html
    assert world.office.name not in html and "tel:" not in html
