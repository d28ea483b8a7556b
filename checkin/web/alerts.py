"""The supporters' morning alert list (/alerts) and acting on a flag."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from checkin.models import Role
from checkin.services.checkins import entries_for
from checkin.services.errors import NotFound, ValidationError
from checkin.services.flags import act_on_flag
from checkin.services.flags import alert_list as list_flags
from checkin.timeutil import local_date
from checkin.web import get_db, now
from checkin.web.auth import current_staff, local_path, staff_required

bp = Blueprint("alerts", __name__)

STRIP_DAYS = 14


@bp.get("/alerts")
@staff_required()
def alert_list() -> str:
    staff = current_staff()
    db = get_db()
    everyone = request.args.get("all") == "1" and staff.role in (
        Role.ADMIN,
        Role.SERVICE_MANAGER,
    )
    flags = list_flags(db, staff, everyone=everyone)
    today = local_date(now(), staff.office.timezone)
    days = [today - timedelta(days=i) for i in range(STRIP_DAYS, 0, -1)]
    entries = entries_for(db, sorted({f.client_id for f in flags}), days[0], days[-1])
    return render_template(
        "alerts.html",
        flags=flags,
        days=days,
        entries=entries,
        everyone=everyone,
        can_see_all=staff.role in (Role.ADMIN, Role.SERVICE_MANAGER),
        today=today,
    )


@bp.post("/flags/<int:flag_id>/<action>")
@staff_required()
def act(flag_id: int, action: str) -> Any:
    db = get_db()
    try:
        act_on_flag(db, current_staff(), flag_id, action, request.form.get("note"), now=now())
    except NotFound:
        abort(404)
    except ValidationError as e:
        db.rollback()
        for msg in e.errors.values():
            flash(msg, "error")
        return redirect(url_for("alerts.alert_list"), code=303)
    db.commit()
    flash("確認済みにしました。" if action == "acknowledge" else "対応済みにしました。", "ok")
    return redirect(local_path(request.form.get("back"), url_for("alerts.alert_list")), code=303)
