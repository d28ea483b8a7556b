"""The client's check-in card: made by a POST, shown and printed by a GET that can be
reloaded without changing the link (see ``checkin.services.links``), for one client or for
many at once (one printed page each).

Any staff member of the office may make and print cards, as before.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from checkin.bot import line_state
from checkin.bot.linking import account_of
from checkin.models import Client, ClientStatus
from checkin.services.links import (
    CARD_WINDOW,
    Card,
    CardState,
    card_of,
    cards_of,
    issue_card,
    issue_cards,
)
from checkin.web import form_id, get_db, now, public_url
from checkin.web.auth import current_staff, staff_required
from checkin.web.qr import qr_svg

bp = Blueprint("cards", __name__)

MAX_CARDS = 500  # one batch; a bigger office prints in several


def _secret() -> str:
    return str(current_app.secret_key or "")


def _own(client_id: int) -> Client:
    client = get_db().get(Client, client_id)
    if client is None or client.office_id != current_staff().office_id:
        abort(404)
    return client


def _no_store(html: str, status: int = 200) -> Any:
    # The page carries a client's secret link: never kept in a browser's or proxy's cache.
    return html, status, {"Cache-Control": "no-store"}


def _printable(card: Card) -> dict[str, Any]:
    url = public_url("client_form.checkin", token=card.token)
    return {"card": card, "url": url, "qr": qr_svg(url, _("記録用リンクのQRコード"))}


def _line_offer(client: Client) -> bool:
    """LINE is connected and this client has no LINE yet: offer a LINE code beside the card."""
    return line_state().messenger is not None and account_of(get_db(), client) is None


# --- one client ------------------------------------------------------------------------


@bp.get("/clients/<int:client_id>/card")
@staff_required()
def card_page(client_id: int) -> Any:
    """The client's card: printable (and the same at every reload) until the client first
    uses the link or CARD_WINDOW has passed; otherwise says why and offers a new one."""
    client = _own(client_id)
    card = card_of(get_db(), client, secret_key=_secret(), now=now())
    context: dict[str, Any] = {"card": card}
    if card.state == CardState.PRINTABLE:
        context = _printable(card)
    html = render_template(
        "cards/card.html",
        client=client,
        CardState=CardState,
        window_days=CARD_WINDOW.days,
        line_offer=_line_offer(client),
        **context,
    )
    get_db().rollback()
    return _no_store(html)


@bp.post("/clients/<int:client_id>/card")
@staff_required()
def issue(client_id: int) -> Any:
    """Make a new card. When the client already has a live link, the old link stops working:
    that is asked first (a page with a second button), unless ``confirm`` was sent."""
    db = get_db()
    client = _own(client_id)
    if client.status != ClientStatus.ACTIVE:
        flash(_("支援中の利用者だけにリンクを渡せます。"), "error")
        return redirect(url_for("cards.card_page", client_id=client.id), code=303)
    card = card_of(db, client, secret_key=_secret(), now=now())
    if card.state != CardState.NONE and request.form.get("confirm") != "1":
        html = render_template("cards/confirm_one.html", client=client, card=card)
        db.rollback()
        return html
    issue_card(db, client, secret_key=_secret(), now=now(), actor=current_staff())
    db.commit()
    return redirect(url_for("cards.card_page", client_id=client.id), code=303)


# --- many clients at once ----------------------------------------------------------------


def encode_ids(ids: list[int]) -> str:
    """Client ids for a URL, consecutive runs as ranges ("3-40,52"): an import's clients
    have consecutive ids, so hundreds of them fit in a short address."""
    ids = sorted(set(ids))
    parts: list[str] = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(parts)


def decode_ids(text: str | None) -> list[int] | None:
    """The ids of :func:`encode_ids`, or None when the text is not such a list."""
    ids: list[int] = []
    try:
        for part in (text or "").split(","):
            lo, _sep, hi = part.partition("-")
            first, last = form_id(lo), form_id(hi or lo)
            if first < 1 or last < first or len(ids) + last - first + 1 > MAX_CARDS:
                return None
            ids.extend(range(first, last + 1))
    except ValueError:
        return None
    return ids


def _office_clients(ids: list[int] | None = None, *, active_only: bool = False) -> list[Client]:
    q = (
        select(Client)
        .where(Client.office_id == current_staff().office_id)
        .options(joinedload(Client.supporter))
        .order_by(Client.name_kana, Client.name, Client.id)
    )
    if ids is not None:
        q = q.where(Client.id.in_(ids))
    if active_only:
        q = q.where(Client.status == ClientStatus.ACTIVE)
    return list(get_db().scalars(q))


@bp.get("/clients/cards")
@staff_required()
def choose() -> Any:
    """Choose clients to make and print cards for (``?ids=`` ticks some, e.g. after an
    import)."""
    picked = set(decode_ids(request.args.get("ids")) or [])
    mine_only = request.args.get("mine") == "1"
    clients = _office_clients(active_only=True)
    if mine_only:
        clients = [c for c in clients if c.supporter_id == current_staff().id]
    cards = cards_of(get_db(), clients, secret_key=_secret(), now=now())
    html = render_template(
        "cards/choose.html",
        cards=cards,
        picked=picked,
        mine_only=mine_only,
        CardState=CardState,
        window_days=CARD_WINDOW.days,
    )
    get_db().rollback()
    return _no_store(html)


@bp.post("/clients/cards")
@staff_required()
def issue_many() -> Any:
    """Make cards for the ticked clients (or every client without a link), keeping every
    card that can still be printed; replacing a link that is in use is asked first."""
    db = get_db()
    if request.form.get("which") == "missing":
        clients = _office_clients(active_only=True)
    else:
        try:
            ids = [form_id(v) for v in request.form.getlist("client_id")]
        except ValueError:
            abort(400)
        clients = _office_clients(ids, active_only=True) if ids else []
    cards = cards_of(db, clients, secret_key=_secret(), now=now())
    if request.form.get("which") == "missing":
        cards = [c for c in cards if c.state == CardState.NONE]
    if not cards:
        flash(
            _("カードを作る利用者を選んでください。")
            if request.form.get("which") != "missing"
            else _("リンクのない利用者はいません。"),
            "error",
        )
        return redirect(url_for("cards.choose"), code=303)
    if len(cards) > MAX_CARDS:
        flash(_("一度に作れるのは %(num)d 人までです。", num=MAX_CARDS), "error")
        return redirect(url_for("cards.choose"), code=303)
    in_use = [c for c in cards if c.state in (CardState.USED, CardState.EXPIRED)]
    decision = request.form.get("replace")
    if in_use and decision not in ("yes", "no"):
        html = render_template(
            "cards/confirm_many.html", cards=cards, in_use=in_use, CardState=CardState
        )
        db.rollback()
        return html
    made = issue_cards(
        db, cards, secret_key=_secret(), now=now(), actor=current_staff(), replace=decision == "yes"
    )
    db.commit()
    if not made:
        flash(_("印刷できるカードはありません。"), "error")
        return redirect(url_for("cards.choose"), code=303)
    return redirect(
        url_for("cards.print_many", ids=encode_ids([c.client.id for c in made])), code=303
    )


@bp.get("/clients/cards/print")
@staff_required()
def print_many() -> Any:
    """One printed page per client; reloading shows the same links. A client whose card can
    no longer be shown is listed on screen (not printed) with the reason."""
    ids = decode_ids(request.args.get("ids"))
    if ids is None:
        flash(_("印刷する利用者が分かりません。もう一度選んでください。"), "error")
        return redirect(url_for("cards.choose"), code=303)
    clients = _office_clients(ids)
    cards = cards_of(get_db(), clients, secret_key=_secret(), now=now())
    printable = [_printable(c) for c in cards if c.state == CardState.PRINTABLE]
    missing = [c for c in cards if c.state != CardState.PRINTABLE]
    html = render_template(
        "cards/print_many.html",
        printable=printable,
        missing=missing,
        CardState=CardState,
        window_days=CARD_WINDOW.days,
        count_text=ngettext("%(num)d人分のカード", "%(num)d人分のカード", len(printable)),
    )
    get_db().rollback()
    return _no_store(html)
