"""The client's personal check-in page (/c/<token>): Japanese, phone-first, no JavaScript."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from checkin.models import Channel, CheckIn, Client
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.errors import ValidationError
from checkin.services.hours import Reach, office_reach
from checkin.services.links import TokenState, look_up_token
from checkin.services.selfview import Lead, load_selfview
from checkin.services.selfview_links import MAX_AGE, client_for_selfview_token
from checkin.timeutil import local_date
from checkin.web import get_db, now

bp = Blueprint("client_form", __name__)

MOOD = [
    (1, _l("とても わるい")),
    (2, _l("わるい")),
    (3, _l("ふつう")),
    (4, _l("よい")),
    (5, _l("とても よい")),
]
FATIGUE = [
    (1, _l("つかれて いない")),
    (2, _l("すこし")),
    (3, _l("つかれた")),
    (4, _l("かなり")),
    (5, _l("とても つかれた")),
]
SLEEP_QUALITY = [
    (1, _l("ねむれ なかった")),
    (2, _l("あまり")),
    (3, _l("ふつう")),
    (4, _l("よく ねむれた")),
    (5, _l("とても よく")),
]
CHOICES = {"mood": MOOD, "fatigue": FATIGUE, "sleep_quality": SLEEP_QUALITY}


def _client_or_404(token: str) -> Client:
    """The client of a live token; otherwise a page telling the client what to do: a card
    that is no longer used (replaced, revoked, service ended: 410) or paused (403) names the
    office and its phone; an unknown token gets the general words (404)."""
    found = look_up_token(get_db(), token, now=now())
    if found.state == TokenState.LIVE and found.client is not None:
        return found.client
    get_db().rollback()
    status = {TokenState.UNKNOWN: 404, TokenState.PAUSED: 403}.get(found.state, 410)
    office = found.client.office if found.client is not None else None
    phone = office.phone if office is not None else None
    html = render_template(
        "checkin/link_gone.html",
        state=found.state.value,
        office=office,
        phone=phone,
        tel=_tel(phone) if phone else None,
    )
    abort(Response(html, status, {"Cache-Control": "no-store"}))


def _tel(phone: str) -> str:
    """A ``tel:`` address from a phone number as the office typed it (０３-1234-5678)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit() or ch == "+")


def _last_entries(client: Client, n: int) -> list[CheckIn]:
    return list(
        get_db().scalars(
            select(CheckIn)
            .where(CheckIn.client_id == client.id)
            .order_by(CheckIn.local_date.desc())
            .limit(n)
        )
    )


@bp.route("/c/<token>", methods=["GET", "POST"])
def checkin(token: str) -> Any:
    db = get_db()
    client = _client_or_404(token)
    today = local_date(now(), client.office.timezone)
    recent = _last_entries(client, 2)
    todays = next((e for e in recent if e.local_date == today), None)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = CheckinInput.from_form(request.form, today=today)
            result = record_checkin(db, client, data, channel=Channel.WEB, now=now())
        except ValidationError as e:
            db.rollback()
            errors = e.errors
        else:
            db.commit()
            return redirect(
                url_for(
                    "client_form.done",
                    token=token,
                    d=result.checkin.local_date.isoformat(),
                    u="1" if result.urgent_flags else None,
                ),
                code=303,
            )
        values: dict[str, Any] = request.form.to_dict()
    else:
        db.commit()  # last_used_at
        source = todays or (recent[0] if recent else None)
        values = {"day": "today"}
        if todays is not None:
            values.update(
                mood=str(todays.mood),
                fatigue=str(todays.fatigue),
                sleep_quality=str(todays.sleep_quality or ""),
                note=todays.note or "",
                wants_contact="1" if todays.wants_contact else "",
            )
        if source is not None and source.sleep_hours is not None:
            values["sleep_hours"] = f"{source.sleep_hours.normalize():f}"
    return render_template(
        "checkin/form.html",
        client=client,
        today=today,
        yesterday=today - timedelta(days=1),
        already=todays is not None,
        values=values,
        errors=errors,
        choices=CHOICES,
    ), (400 if errors else 200)


@bp.get("/c/<token>/done")
def done(token: str) -> str:
    return _render_selfview("checkin/done.html", token, urgent=request.args.get("u") == "1")


def _reach(client: Client, asked: bool) -> Reach | None:
    """After 「相談したい」: is the office open now, and if not, when it will look."""
    return office_reach(get_db(), client.office, now()) if asked else None


@bp.get("/c/<token>/me")
def me(token: str) -> str:
    """これまでの きろく: the client's own last weeks, reachable any time with their link."""
    return _render_selfview("checkin/me.html", token, urgent=False)


def _render_selfview(template: str, token: str, *, urgent: bool) -> str:
    client = _client_or_404(token)
    html = _selfview_html(template, client, token=token, urgent=urgent)
    get_db().commit()  # last_used_at; after rendering, so that nothing is loaded twice
    return html


def _selfview_html(template: str, client: Client, **context: Any) -> str:
    """The self-view pages (after checking in, from the web link or from LINE's link)."""
    view = load_selfview(get_db(), client, local_date(now(), client.office.timezone))
    asked = bool(context.get("urgent")) or view.lead == Lead.TALK
    return render_template(
        template,
        client=client,
        view=view,
        reach=_reach(client, asked),
        Lead=Lead,
        labels={name: dict(options) for name, options in CHOICES.items()},
        **context,
    )


def signed_client_or_404(signed: str) -> Client:
    """The active client of a live signed LINE link (the self-view and the documents it
    opens); otherwise the page saying how to get a new link, with 404."""
    client = client_for_selfview_token(get_db(), current_app.secret_key or "", signed, now=now())
    if client is None:  # also when the client is no longer active
        html = render_template(
            "error.html",
            title=_("この リンクは つかえません"),
            message=_(
                "リンクの 期限が きれたか、ただしくない リンクです。"
                "LINEで「きろくを みる」と 送ると、あたらしい リンクが とどきます。"
            ),
        )
        abort(Response(html, 404, {"Cache-Control": "private, no-store"}))
    return client


@bp.get("/me/<signed>")
def line_me(signed: str) -> Any:
    """これまでの きろく for a LINE client, from the signed link the bot sent (7 days).

    Shows the self-view and nothing else: no check-in, no link to one. A wrong, changed or
    expired link, or a client no longer active, gets a plain page saying how to get a new
    one, with 404."""
    db = get_db()
    client = signed_client_or_404(signed)
    html = _selfview_html(
        "checkin/me.html",
        client,
        token=None,
        urgent=False,
        link_days=MAX_AGE.days,
        docs_url=url_for("documents.line_list", signed=signed),
    )
    db.rollback()  # nothing to save: the link is checked, never stored
    return html, 200, {"Cache-Control": "private, no-store"}
