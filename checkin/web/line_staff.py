"""Staff side of LINE: a link code on the client's page, unlinking, and the notices on the
alert list (push quota, who could not be reminded). The LINE channel itself lives in
``checkin.bot``, which never imports ``checkin.web``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from checkin.bot import line_state
from checkin.bot.linking import account_of, issue_code, live_code, unlink
from checkin.models import Client, Role
from checkin.web import confirm, get_db, now
from checkin.web.auth import current_staff, staff_required
from checkin.web.clients import own_client as _own_client
from checkin.web.confirm import confirmed
from checkin.web.qr import qr_svg

bp = Blueprint("line_staff", __name__)


def _local(at: datetime, client: Client) -> str:
    return at.astimezone(ZoneInfo(client.office.timezone)).strftime("%Y-%m-%d %H:%M")


def new_code_context(client: Client) -> dict[str, Any]:
    """Issue a link code for ``client`` and what a page needs to show it (once: only its
    hash is stored). The caller commits."""
    code, row = issue_code(get_db(), client, now=now(), actor=current_staff())
    basic_id = line_state().basic_id
    friend_url = chat_url = None
    if basic_id:
        # LINE's URL scheme: add the account / open its chat with the code already typed.
        friend_url = f"https://line.me/R/ti/p/{quote(basic_id)}"
        chat_url = f"https://line.me/R/oaMessage/{quote(basic_id)}/?{quote(code)}"
    return {
        "code": code,
        "expires_at": _local(row.expires_at, client),
        "friend_url": friend_url,
        "chat_url": chat_url,
        "qr": qr_svg(chat_url, _("LINEで番号を送るためのQRコード")) if chat_url else None,
    }


@bp.post("/clients/<int:client_id>/line/code")
@staff_required()
def new_code(client_id: int) -> str:
    client = _own_client(client_id)
    context = new_code_context(client)
    get_db().commit()
    return render_template("line/code.html", client=client, **context)


@bp.route("/clients/<int:client_id>/line/unlink", methods=["GET", "POST"])
@staff_required()
def unlink_line(client_id: int) -> Any:
    client = _own_client(client_id)
    db = get_db()
    if not confirmed():
        return confirm.ask(
            title=_("LINE連携の解除"),
            message=_(
                "%(name)sさんのLINE連携を解除します。%(name)sさんは、LINEから記録できなくなり、"
                "LINEのお知らせも届かなくなります。",
                name=client.name,
            ),
            details=[_("もう一度つなぐには、新しいLINE連携コードを渡してください。")],
            yes=_("はい、解除します"),
            back=url_for("clients.client_detail", client_id=client.id),
        )
    done = unlink(db, client, now=now(), actor=current_staff())
    db.commit()
    flash(_("LINEの連携を解除しました。") if done else _("LINEは連携されていません。"), "ok")
    return redirect(url_for("clients.client_detail", client_id=client.id), code=303)


@bp.app_context_processor
def line_helpers() -> dict[str, Any]:
    def line_status(client: Client) -> dict[str, Any]:
        db = get_db()
        code = live_code(db, client, now=now())
        return {
            "account": account_of(db, client),
            "code": code,
            "code_expires": _local(code.expires_at, client) if code else None,
        }

    def line_notice() -> Any:
        from checkin.bot.reminders import office_notice

        if not getattr(current_user, "is_authenticated", False):
            return None
        staff = current_staff()
        everyone = request.args.get("all") == "1" and staff.role in (
            Role.ADMIN,
            Role.SERVICE_MANAGER,
        )
        return office_notice(
            get_db(),
            staff,
            now=now(),
            monthly_limit=line_state().monthly_push_limit,
            everyone=everyone,
        )

    return {"line_status": line_status, "line_notice": line_notice}
