"""The first run: a one-time setup link where a staff member chooses their password, and the
office settings page for the administrator."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from checkin.models import OfficeClosedDay, Role, StaffUser
from checkin.services import audit
from checkin.services import office as office_service
from checkin.services.errors import ValidationError
from checkin.services.office import COMMON_TIMEZONES, MAIL_DETAILS, OfficeForm, SetupLinkState
from checkin.timeutil import local_date
from checkin.web import get_db, now, saving
from checkin.web.auth import StaffSessionUser, current_staff, staff_required

bp = Blueprint("setup", __name__)

# --- the one-time setup link ----------------------------------------------------------------


def _link_gone(state: str) -> tuple[str, int]:
    return render_template(
        "setup/gone.html", state=state
    ), 404 if state == SetupLinkState.UNKNOWN else 410


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup_password(token: str) -> Any:
    db = get_db()
    state, row = office_service.setup_token(db, token, now=now())
    if state != SetupLinkState.OK or row is None:
        return _link_gone(state)
    staff = db.get(StaffUser, row.staff_id)
    assert staff is not None
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            office_service.complete_setup(
                db,
                row,
                request.form.get("password", ""),
                request.form.get("password2", ""),
                now=now(),
            )
        except ValidationError as e:
            db.rollback()
            errors = e.errors
        else:
            login_user(StaffSessionUser(staff))
            audit.record(db, "staff.login", office_id=staff.office_id, actor=staff)
            db.commit()
            flash(_("パスワードを設定しました。"), "ok")
            if staff.role == Role.ADMIN:
                return redirect(url_for("setup.office_settings"), code=303)
            return redirect(url_for("auth.index"), code=303)
    return render_template(
        "setup/password.html",
        staff=staff,
        errors=errors,
        min_password=office_service.MIN_PASSWORD,
    ), (400 if errors else 200)


# --- office settings ------------------------------------------------------------------------


def _form_from_request() -> OfficeForm:
    f = request.form
    return OfficeForm(
        name=f.get("name", ""),
        timezone=f.get("timezone", ""),
        morning_hour=f.get("morning_hour", ""),
        escalation_hour=f.get("escalation_hour", ""),
        mail_detail=f.get("mail_detail", ""),
        phone=f.get("phone", ""),
        open_weekdays="".join(f.getlist("open_weekday")),
        opens_at=f.get("opens_at", ""),
        closes_at=f.get("closes_at", ""),
    )


def _settings_page(
    form: OfficeForm,
    errors: dict[str, str],
    *,
    closed_values: dict[str, str] | None = None,
) -> tuple[str, int]:
    db = get_db()
    office = current_staff().office
    zones = list(COMMON_TIMEZONES)
    if office.timezone not in {z for z, _label in zones}:
        zones.append((office.timezone, office.timezone))  # set elsewhere: keep it choosable
    return render_template(
        "setup/office.html",
        form=form,
        errors=errors,
        zones=zones,
        mail_details=MAIL_DETAILS,
        weekday_labels=_("月,火,水,木,金,土,日").split(","),
        closed_days=office_service.upcoming_closed_days(
            db, office.id, local_date(now(), office.timezone)
        ),
        closed_values=closed_values or {},
    ), (400 if errors else 200)


@bp.route("/admin/office", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def office_settings() -> Any:
    me = current_staff()
    if request.method == "GET":
        return _settings_page(OfficeForm.of(me.office), {})
    db = get_db()
    form = _form_from_request()
    try:
        changed = office_service.update_settings(db, me.office, form, actor=me)
    except ValidationError as e:
        db.rollback()
        return _settings_page(form, e.errors)
    db.commit()
    flash(_("事業所の設定を保存しました。") if changed else _("変更はありませんでした。"), "ok")
    return redirect(url_for("setup.office_settings"), code=303)


@bp.post("/admin/office/closed-days")
@staff_required(Role.ADMIN)
def add_closed_day() -> Any:
    me = current_staff()
    db = get_db()
    day, note = request.form.get("closed_day", ""), request.form.get("closed_note", "")
    try:
        row = office_service.add_closed_day(db, me.office, day, note, actor=me)
    except ValidationError as e:
        db.rollback()
        return _settings_page(
            OfficeForm.of(me.office),
            e.errors,
            closed_values={"closed_day": day, "closed_note": note},
        )
    db.commit()
    flash(_("%(m)d月%(d)d日を休みの日にしました。", m=row.day.month, d=row.day.day), "ok")
    return redirect(url_for("setup.office_settings") + "#closed-days", code=303)


@bp.post("/admin/office/closed-days/<int:day_id>/delete")
@staff_required(Role.ADMIN)
def remove_closed_day(day_id: int) -> Any:
    me = current_staff()
    db = get_db()
    row = db.get(OfficeClosedDay, day_id)
    if row is None or row.office_id != me.office_id:
        abort(404)
    month, day = row.day.month, row.day.day
    with saving() as saved:
        office_service.remove_closed_day(db, row, actor=me)
    if saved.ok:
        flash(_("%(m)d月%(d)d日を休みの日から外しました。", m=month, d=day), "ok")
    return redirect(url_for("setup.office_settings") + "#closed-days", code=303)
