"""The supporters' morning alert list (/alerts) and acting on a flag."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from checkin.models import CheckIn, Flag, FlagStatus, Role, Severity, StaffUser, Stage
from checkin.services.checkins import entries_for
from checkin.services.delivery import deliveries
from checkin.services.flags import (
    MAX_SNOOZE_DAYS,
    AlertFilter,
    act_on_flag,
    alert_count,
    alert_position,
    get_flag,
    hand_over,
    snooze,
)
from checkin.services.flags import alert_list as list_flags
from checkin.services.outcomes import feedback_for, flag_feedback
from checkin.services.staff import office_staff
from checkin.timeutil import local_date
from checkin.web import form_id, form_ids, get_db, now, safe_next, saving
from checkin.web.auth import current_staff, staff_required
from checkin.web.clients import record_view
from checkin.web.paging import page_of, paginate

bp = Blueprint("alerts", __name__)

STRIP_DAYS = 14
PER_PAGE = 25  # flags per page of the alert list (about 6 kB each with its forms)


def mail_on() -> bool:
    """Mail is on when ``CHECKIN_SMTP_HOST`` is set: the scheduler reads the same variable
    (``jobs.mail.load_mail_settings``); the app sees it as ``SMTP_HOST``."""
    return bool(str(current_app.config.get("SMTP_HOST") or "").strip())


def _filters(staff: StaffUser) -> AlertFilter:
    args = request.args
    severity = args.get("severity")
    stage = args.get("stage")
    supporter = args.get("supporter", type=form_id)
    return AlertFilter(
        severity=Severity(severity) if severity in {s.value for s in Severity} else None,
        stage=stage if stage in {s.value for s in Stage} else None,
        supporter_id=supporter if staff.role in (Role.ADMIN, Role.SERVICE_MANAGER) else None,
        show_snoozed=args.get("snoozed") == "1",
    )


@bp.get("/alerts")
@staff_required()
def alert_list() -> str:
    staff = current_staff()
    db = get_db()
    manager = staff.role in (Role.ADMIN, Role.SERVICE_MANAGER)
    everyone = request.args.get("all") == "1" and manager
    today = local_date(now(), staff.office.timezone)
    filters = _filters(staff)
    # One page of the list, in its order: an office of 1,000 clients has hundreds of flags.
    total = alert_count(db, staff, everyone=everyone, today=today, filters=filters)
    paging = paginate(total, PER_PAGE, "alerts.alert_list")
    flags = list_flags(
        db,
        staff,
        everyone=everyone,
        today=today,
        filters=filters,
        limit=PER_PAGE,
        offset=paging.offset,
    )
    days = [today - timedelta(days=i) for i in range(STRIP_DAYS, 0, -1)]
    # through today: the strip ends today when today has an answer (else yesterday), and a
    # flag raised by today's answer shows it
    entries = entries_for(db, sorted({f.client_id for f in flags}), days[0], today)
    return render_template(
        "alerts.html",
        flags=flags,
        days=days,
        entries=entries,
        answers=_answers_behind(flags, entries),
        everyone=everyone,
        can_see_all=manager,
        today=today,
        filters=filters,
        colleagues=office_staff(db, staff.office_id),
        snooze_max=today + timedelta(days=MAX_SNOOZE_DAYS),
        feedback=feedback_for(db, [f.id for f in flags]),
        delivery=deliveries(db, staff.office, flags, today=today, now=now(), mail_on=mail_on()),
        paging=paging,
    )


@bp.get("/flags/<int:flag_id>")
@staff_required()
def open_flag(flag_id: int) -> Any:
    """Where the urgent mail's link leads (after the login): the flag on the reader's own
    alert list, on the whole office's for a manager, else on the client's page."""
    staff = current_staff()
    db = get_db()
    flag = get_flag(db, staff, flag_id)  # another office's flag: 404
    record_view(flag.client_id, "flag")
    anchor = f"flag-{flag.id}"
    today = local_date(now(), staff.office.timezone)
    at = alert_position(db, staff, flag.id, today=today)
    if at is not None:
        return redirect(
            url_for("alerts.alert_list", **page_of(at, PER_PAGE), _anchor=anchor), code=303
        )
    if staff.role in (Role.ADMIN, Role.SERVICE_MANAGER) and flag.status != FlagStatus.RESOLVED:
        at = alert_position(db, staff, flag.id, everyone=True, today=today)
        page = page_of(at, PER_PAGE) if at is not None else {}
        return redirect(url_for("alerts.alert_list", all=1, **page, _anchor=anchor), code=303)
    return redirect(url_for("clients.client_detail", client_id=flag.client_id, _anchor=anchor), 303)


def _answers_behind(
    flags: list[Flag], entries: dict[int, dict[date, CheckIn]]
) -> dict[int, CheckIn]:
    """The answer that raised each 「相談したい」 or crisis flag (the day its reason names)."""
    out: dict[int, CheckIn] = {}
    for f in flags:
        if f.kind not in ("contact", "crisis"):
            continue
        for r in f.reasons or []:
            day = (r.get("values") or {}).get("date")
            try:
                entry = entries.get(f.client_id, {}).get(date.fromisoformat(str(day)))
            except ValueError:
                continue
            if entry is not None:
                out[f.id] = entry
                break
    return out


def _back() -> str:
    return safe_next(request.form.get("back"), url_for("alerts.alert_list"))


@bp.post("/flags/<int:flag_id>/snooze")
@staff_required()
def snooze_flag(flag_id: int) -> Any:
    staff = current_staff()
    with saving(bad_value=_("日付を選んでください。")) as saved:
        until = date.fromisoformat(request.form.get("until", ""))
        today = local_date(now(), staff.office.timezone)
        snooze(get_db(), staff, flag_id, until, today=today, now=now())
    if saved.ok:
        flash(
            _(
                "%(m)d月%(d)d日まで一覧から外しました。悪化したときはすぐに戻ります。",
                m=until.month,
                d=until.day,
            ),
            "ok",
        )
    return redirect(_back(), code=303)


@bp.post("/flags/<int:flag_id>/hand-over")
@staff_required()
def hand_over_flag(flag_id: int) -> Any:
    to = request.form.get("to", 0, form_id)
    with saving() as saved:
        flag = hand_over(get_db(), current_staff(), flag_id, to, now=now())
    if saved.ok:
        name = flag.assignee.name if flag.assignee else ""
        flash(_("%(name)sさんに引き継ぎました。", name=name), "ok")
    return redirect(_back(), code=303)


@bp.post("/flags/<int:flag_id>/feedback")
@staff_required()
def feedback(flag_id: int) -> Any:
    """役に立った / 役に立たなかった: the verdict the learned ranking learns from."""
    with saving() as saved:
        fb = flag_feedback(
            get_db(), current_staff(), flag_id, request.form.get("useful"), now=now()
        )
    if saved.ok:
        flash(
            _("「役に立った」と記録しました。")
            if fb.useful
            else _("「役に立たなかった」と記録しました。"),
            "ok",
        )
    return redirect(_back(), code=303)


@bp.post("/flags/bulk-acknowledge")
@staff_required()
def bulk_acknowledge() -> Any:
    db = get_db()
    staff = current_staff()
    ids = form_ids(request.form.getlist("flag_id"))
    # all or nothing: one flag of another office is a 404 and nothing is changed
    with saving() as saved:
        for flag_id in ids:
            act_on_flag(db, staff, flag_id, "acknowledge", None, now=now())
    if saved.ok:
        flash(
            ngettext("%(num)d件を確認済みにしました。", "%(num)d件を確認済みにしました。", len(ids))
            if ids
            else _("アラートを選んでください。"),
            "ok",
        )
    return redirect(_back(), code=303)


@bp.post("/flags/<int:flag_id>/<action>")
@staff_required()
def act(flag_id: int, action: str) -> Any:
    with saving() as saved:
        act_on_flag(get_db(), current_staff(), flag_id, action, request.form.get("note"), now=now())
    if saved.ok:
        flash(
            _("確認済みにしました。") if action == "acknowledge" else _("対応済みにしました。"),
            "ok",
        )
    return redirect(_back(), code=303)
