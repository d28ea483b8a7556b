"""Staff pages about clients: the office's list, one client, and their check-in link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from checkin.models import Client, Flag
from checkin.services.checkins import entries_for
from checkin.services.links import active_link, revoke_links
from checkin.timeutil import local_date
from checkin.web import get_db, now
from checkin.web.auth import current_staff, staff_required

bp = Blueprint("clients", __name__)


def _own_client(client_id: int) -> Client:
    client = get_db().get(Client, client_id)
    if client is None or client.office_id != current_staff().office_id:
        abort(404)  # another office's client does not exist for this user
    return client


@bp.get("/clients")
@staff_required()
def client_list() -> str:
    staff = current_staff()
    mine_only = request.args.get("mine") == "1"
    q = (
        select(Client)
        .where(Client.office_id == staff.office_id)
        .options(joinedload(Client.supporter))
        .order_by(Client.name_kana, Client.name)
    )
    if mine_only:
        q = q.where(Client.supporter_id == staff.id)
    return render_template(
        "clients/list.html", clients=get_db().scalars(q).all(), mine_only=mine_only
    )


@bp.get("/clients/<int:client_id>")
@staff_required()
def client_detail(client_id: int) -> str:
    client = _own_client(client_id)
    db = get_db()
    today = local_date(now(), client.office.timezone)
    days = [today - timedelta(days=i) for i in range(0, 28)]
    entries = entries_for(db, [client.id], days[-1], today)[client.id]
    flags = db.scalars(
        select(Flag).where(Flag.client_id == client.id).order_by(Flag.id.desc()).limit(20)
    ).all()
    return render_template(
        "clients/detail.html",
        client=client,
        days=days,
        entries=entries,
        flags=flags,
        link=active_link(db, client),
    )


@bp.post("/clients/<int:client_id>/link/revoke")
@staff_required()
def revoke_link(client_id: int) -> Any:
    client = _own_client(client_id)
    db = get_db()
    n = revoke_links(db, client, now=now(), actor=current_staff())
    db.commit()
    flash("リンクを無効にしました。" if n else "有効なリンクはありません。", "ok")
    return redirect(url_for("clients.client_detail", client_id=client.id), code=303)
