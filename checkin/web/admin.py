"""Office administration: staff, clients and employers (the check-in card: web/cards.py).

Admins and service managers manage; supporters can read their office's clients.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from checkin.models import (
    Client,
    ClientStatus,
    Employer,
    EmployerUser,
    Flag,
    FlagStatus,
    Role,
    StaffLeave,
    StaffUser,
)
from checkin.services import audit, cells, labels, retention, support
from checkin.services import clients as client_service
from checkin.services import staff as staff_service
from checkin.services.delivery import office_alarms, staff_reach
from checkin.services.errors import ValidationError
from checkin.services.overview import office_overview
from checkin.timeutil import local_date
from checkin.web import confirm, form_id, form_ids, get_db, now, saving
from checkin.web.alerts import mail_on
from checkin.web.auth import current_staff, staff_required
from checkin.web.confirm import confirmed
from checkin.web.paging import paginate

bp = Blueprint("admin", __name__)
MANAGERS = (Role.ADMIN, Role.SERVICE_MANAGER)

ROLES = [
    (Role.SUPPORTER, _l("就労定着支援員")),
    (Role.SERVICE_MANAGER, _l("サービス管理責任者")),
    (Role.ADMIN, _l("管理者")),
]


def _office_staff(active_only: bool = True) -> list[StaffUser]:
    return staff_service.office_staff(get_db(), current_staff().office_id, active_only=active_only)


def _own(model: Any, ident: int) -> Any:
    obj = get_db().get(model, ident)
    if obj is None or obj.office_id != current_staff().office_id:
        abort(404)
    return obj


# --- staff -------------------------------------------------------------------------------


def _staff_target(staff_id: int) -> StaffUser:
    """The staff member an action is about: every staff action passes here. Another
    office's staff does not exist (404); an administrator's account is the administrators'
    alone (403, see ``staff_service.may_manage``)."""
    target: StaffUser = _own(StaffUser, staff_id)
    if not staff_service.may_manage(current_staff(), target):
        abort(403)
    return target


@bp.route("/admin/staff", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def staff_list() -> Any:
    db = get_db()
    me = current_staff()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            role = Role(request.form.get("role", "supporter"))
            if role == Role.ADMIN and me.role != Role.ADMIN:
                raise ValidationError({"role": _("管理者を作れるのは管理者だけです。")})
            staff_service.new_staff(
                db,
                me.office,
                login=request.form.get("login", ""),
                name=request.form.get("name", ""),
                password=request.form.get("password", ""),
                role=role,
                email=request.form.get("email"),
                actor=me,
            )
        except ValueError:
            errors = {"role": _("役割を選んでください。")}
        except ValidationError as e:
            errors = e.errors
        if errors:
            db.rollback()
        else:
            db.commit()
            flash(_("職員を登録しました。"), "ok")
            return redirect(url_for("admin.staff_list"), code=303)
    staff = _office_staff(active_only=False)
    today = local_date(now(), me.office.timezone)
    return render_template(
        "admin/staff.html",
        staff=staff,
        roles=ROLES,
        errors=errors,
        values=request.form,
        leaves=leaves_of([s.id for s in staff]),
        today=today,
        reach=staff_reach(db, me.office_id, today),
        mail_on=mail_on(),
    ), (400 if errors else 200)


@bp.route("/admin/staff/<int:staff_id>/deactivate", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def deactivate(staff_id: int) -> Any:
    target = _staff_target(staff_id)
    if not confirmed():
        return confirm.ask(
            title=_("アカウントの停止"),
            message=_(
                "%(name)sさん (ログインID: %(login)s) のアカウントを停止します。"
                "%(name)sさんは、すぐにログインできなくなります。",
                name=target.name,
                login=target.login,
            ),
            details=[
                _("記録は消えません。担当の利用者は、このあと引き継ぎ先を選べます。"),
                _("あとで「再開する」で、もとに戻せます。"),
            ],
            yes=_("はい、停止します"),
            back=url_for("admin.staff_list"),
        )
    with saving() as saved:
        staff_service.deactivate(get_db(), target, actor=current_staff())
    if not saved.ok:
        return redirect(url_for("admin.staff_list"), code=303)
    flash(
        _(
            "%(name)sさんのアカウントを停止しました。担当の利用者を引き継いでください。",
            name=target.name,
        ),
        "ok",
    )
    return redirect(url_for("admin.reassign", from_id=target.id), code=303)


@bp.post("/admin/staff/<int:staff_id>/reactivate")
@staff_required(*MANAGERS)
def reactivate(staff_id: int) -> Any:
    target = _staff_target(staff_id)
    with saving() as saved:
        staff_service.reactivate(get_db(), target, actor=current_staff())
    if saved.ok:
        flash(
            _("%(name)sさんのアカウントを再開しました。ログインできます。", name=target.name), "ok"
        )
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/admin/staff/<int:staff_id>/password")
@staff_required(*MANAGERS)
def reset_password(staff_id: int) -> Any:
    target = _staff_target(staff_id)
    with saving() as saved:
        staff_service.reset_password(
            get_db(), target, request.form.get("password", ""), actor=current_staff()
        )
    if saved.ok:
        flash(
            _(
                "%(name)sさんのパスワードを変えました。次のログインで、本人が新しいパスワードを"
                "決めます。",
                name=target.name,
            ),
            "ok",
        )
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/admin/staff/<int:staff_id>/leave")
@staff_required(*MANAGERS)
def add_leave(staff_id: int) -> Any:
    target = _staff_target(staff_id)
    with saving(bad_value=_("休みの期間を 2026-04-01 の形で入れてください。")) as saved:
        start = date.fromisoformat(request.form.get("starts_on", ""))
        end = date.fromisoformat(request.form.get("ends_on", ""))
        staff_service.add_leave(get_db(), target, start, end, actor=current_staff())
    if saved.ok:
        flash(
            _(
                "%(name)sさんの休みを登録しました。その間のアラートは副担当に届きます。",
                name=target.name,
            ),
            "ok",
        )
    return redirect(url_for("admin.staff_list"), code=303)


@bp.post("/admin/staff/<int:staff_id>/email")
@staff_required(*MANAGERS)
def set_email(staff_id: int) -> Any:
    """The address urgent requests and the morning digest are mailed to (empty: none)."""
    target = _own(StaffUser, staff_id)
    with saving() as saved:
        staff_service.set_email(
            get_db(), target, request.form.get("email", ""), actor=current_staff()
        )
    if saved.ok and target.email:
        flash(_("%(name)sさんのメールアドレスを変えました。", name=target.name), "ok")
    elif saved.ok:
        flash(
            _("%(name)sさんのメールアドレスを消しました。メールは届きません。", name=target.name),
            "ok",
        )
    return redirect(url_for("admin.staff_list", _anchor=f"staff-{target.login}"), code=303)


@bp.route("/admin/reassign", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def reassign() -> Any:
    db = get_db()
    me = current_staff()
    from_id = request.values.get("from_id", type=form_id)
    # Another office's staff, or no id at all, does not exist here: not even a name (404).
    if request.values.get("from_id") and from_id is None:
        abort(404)
    from_staff: StaffUser | None = _own(StaffUser, from_id) if from_id else None
    if request.method == "POST":
        ids = form_ids(request.form.getlist("client_id"))
        with saving() as saved:
            n = client_service.reassign(
                db,
                me.office_id,
                ids,
                supporter_id=request.form.get("supporter_id", 0, form_id),
                actor=me,
            )
        if saved.ok:
            flash(
                ngettext("%(num)d人の担当を変えました。", "%(num)d人の担当を変えました。", n), "ok"
            )
        return redirect(url_for("admin.reassign", from_id=from_id), code=303)
    q = (
        select(Client)
        .where(Client.office_id == me.office_id, Client.status != ClientStatus.ENDED)
        .order_by(Client.name)
    )
    if from_id:
        q = q.where(Client.supporter_id == from_id)
    clients = db.scalars(q).all()
    open_flags: dict[int, int] = {}
    if clients:
        for f in db.scalars(
            select(Flag).where(
                Flag.client_id.in_([c.id for c in clients]), Flag.status != FlagStatus.RESOLVED
            )
        ):
            open_flags[f.client_id] = open_flags.get(f.client_id, 0) + 1
    return render_template(
        "admin/reassign.html",
        clients=clients,
        open_flags=open_flags,
        staff=_office_staff(),
        from_staff=from_staff,
    )


# --- clients -----------------------------------------------------------------------------


def _client_form(client: Client | None) -> Any:
    db = get_db()
    me = current_staff()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if client is not None:
        values = {f: getattr(client, f) for f in client_service.ClientData.FIELDS}
        values = {
            k: (v.value if hasattr(v, "value") else ("" if v is None else str(v)))
            for k, v in values.items()
        }
        if client.reminder_time is not None:
            values["reminder_time"] = client.reminder_time.strftime("%H:%M")
    if request.method == "POST":
        values = request.form.to_dict()
        values["checkin_weekdays"] = "".join(request.form.getlist("weekday"))
        try:
            data = client_service.ClientData.parse(values)
            saved = client_service.save_client(db, me.office_id, data, actor=me, client=client)
        except ValidationError as e:
            db.rollback()
            errors = e.errors
            # A date written 2026/6/1 or 令和8年6月1日 goes back to the date input as
            # 2026-06-01 (the only form it shows), so it is not lost.
            for key in ("hire_date", "service_start", "service_end"):
                if key not in errors:
                    with suppress(cells.CellError):
                        values[key] = cells.parse_date(values.get(key)).isoformat()
        else:
            db.commit()
            flash(_("保存しました。"), "ok")
            return redirect(url_for("clients.client_detail", client_id=saved.id), code=303)
    employers = db.scalars(
        select(Employer).where(Employer.office_id == me.office_id).order_by(Employer.name)
    ).all()
    staff = _office_staff()
    return render_template(
        "admin/client_form.html",
        client=client,
        values=values,
        errors=errors,
        staff_opts=[(s.id, s.name) for s in staff],
        employer_opts=[(e.id, e.name) for e in employers],
        stage_opts=[(st.value, label) for st, label in labels.STAGES.items()],
        disclosure_opts=[(d.value, label) for d, label in labels.DISCLOSURES.items()],
    ), (400 if errors else 200)


@bp.route("/clients/new", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def client_new() -> Any:
    return _client_form(None)


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def client_edit(client_id: int) -> Any:
    return _client_form(_not_anonymized(_own(Client, client_id)))


def _not_anonymized(client: Client) -> Client:
    """An anonymized client's record stays as it is: no new name, no restart (its links
    and LINE are gone for good). Aborts to the client's page with the reason."""
    if client.anonymized_at is not None:
        flash(_("匿名化した利用者の情報は変更できません。"), "error")
        abort(redirect(url_for("clients.client_detail", client_id=client.id), code=303))
    return client


@bp.route("/clients/<int:client_id>/status", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def client_status(client_id: int) -> Any:
    db = get_db()
    client = _not_anonymized(_own(Client, client_id))
    try:
        status = ClientStatus(request.values.get("status", ""))
    except ValueError:
        abort(400)
    if status != ClientStatus.ACTIVE and not confirmed():
        ending = status == ClientStatus.ENDED
        return confirm.ask(
            title=_("支援の終了") if ending else _("支援の一時停止"),
            message=(
                _(
                    "%(name)sさんの支援を終了します。記録用リンクは使えなくなり、"
                    "%(name)sさんは記録できなくなります。アラートも出なくなります。",
                    name=client.name,
                )
                if ending
                else _(
                    "%(name)sさんの支援を一時停止します。再開するまで、%(name)sさんは"
                    "記録できず、アラートも出ません。",
                    name=client.name,
                )
            ),
            details=[_("これまでの記録は消えません。「支援を再開」で、もとに戻せます。")],
            yes=_("はい、終了します") if ending else _("はい、一時停止します"),
            back=url_for("clients.client_detail", client_id=client.id),
            hidden={"status": status.value},
        )
    today = local_date(now(), client.office.timezone)
    client_service.set_status(db, client, status, actor=current_staff(), on=today)
    db.commit()
    flash(
        {
            "active": _("支援を再開しました。"),
            "paused": _("支援を一時停止しました。"),
            "ended": _("支援を終了しました。記録は残ります。"),
        }[status.value],
        "ok",
    )
    return redirect(url_for("clients.client_detail", client_id=client.id), code=303)


@bp.route("/clients/<int:client_id>/anonymize", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def client_anonymize(client_id: int) -> Any:
    """Anonymize an ended client's records (5 years after the service ended, or earlier on
    a lawful request with its reason): administrators only, after a confirmation page."""
    db = get_db()
    client = _own(Client, client_id)
    back = url_for("clients.client_detail", client_id=client.id)
    if request.method == "GET" or client.anonymized_at is not None:
        return redirect(back, code=303)
    reason = (request.form.get("lawful_request") or "").strip()
    today = local_date(now(), client.office.timezone)
    try:
        retention.check_allowed(client, today, reason or None)
    except retention.Refused as e:
        flash(e.message(), "error")
        return redirect(back, code=303)
    if not confirmed():
        return confirm.ask(
            title=_("記録の匿名化"),
            message=_(
                "%(name)sさんの記録を匿名化します。名前、メモ、同意の根拠、記録用リンク、"
                "LINEの連携は消え、もとに戻せません。",
                name=client.name,
            ),
            details=[
                _(
                    "回答の数値、日付、アラート・連絡・出来事の件数は残り、"
                    "事業所の集計 (定着率など) は変わりません。"
                ),
                *([_("法令に基づく請求: %(reason)s", reason=reason)] if reason else []),
            ],
            yes=_("はい、匿名化します"),
            back=back,
            hidden={"lawful_request": reason} if reason else None,
        )
    with saving() as saved:
        retention.anonymize_client(
            db, client, now=now(), actor=current_staff(), lawful_request=reason or None, via="web"
        )
    if saved.ok:
        flash(_("記録を匿名化しました。"), "ok")
    return redirect(back, code=303)


# --- employers ---------------------------------------------------------------------------


@bp.route("/admin/employers", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def employers() -> Any:
    db = get_db()
    me = current_staff()
    errors: dict[str, str] = {}
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        if not name:
            errors["name"] = _("企業名を入れてください。")
        elif client_service.looks_like_formula(name):
            errors["name"] = _("企業名の先頭に = + - @ は使えません。")
        elif db.scalar(
            select(Employer.id).where(Employer.office_id == me.office_id, Employer.name == name)
        ):
            errors["name"] = _("同じ名前の企業がすでに登録されています。")
        if not errors:
            e = Employer(
                office_id=me.office_id,
                name=name,
                contact_name=(request.form.get("contact_name") or "").strip() or None,
                contact_email=(request.form.get("contact_email") or "").strip() or None,
                contact_phone=(request.form.get("contact_phone") or "").strip() or None,
            )
            db.add(e)
            db.flush()
            audit.record(db, "employer.create", office_id=me.office_id, actor=me, target=e)
            db.commit()
            flash(_("企業を登録しました。"), "ok")
            return redirect(url_for("admin.employers"), code=303)
    rows = db.scalars(
        select(Employer).where(Employer.office_id == me.office_id).order_by(Employer.name)
    ).all()
    accounts: dict[int, list[EmployerUser]] = {}
    for u in db.scalars(
        select(EmployerUser).where(EmployerUser.employer_id.in_([e.id for e in rows]))
    ):
        accounts.setdefault(u.employer_id, []).append(u)
    return render_template(
        "admin/employers.html",
        employers=rows,
        errors=errors,
        values=request.form,
        accounts=accounts,
    ), (400 if errors else 200)


def leaves_of(staff_ids: list[int]) -> dict[int, list[StaffLeave]]:
    out: dict[int, list[StaffLeave]] = {}
    for leave in get_db().scalars(select(StaffLeave).where(StaffLeave.staff_id.in_(staff_ids))):
        out.setdefault(leave.staff_id, []).append(leave)
    return out


@bp.post("/admin/employers/<int:employer_id>/users")
@staff_required(*MANAGERS)
def employer_user_new(employer_id: int) -> Any:
    employer = _own(Employer, employer_id)
    with saving() as saved:
        support.create_employer_user(
            get_db(),
            current_staff(),
            employer,
            login=request.form.get("login", ""),
            name=request.form.get("name", ""),
            password=request.form.get("password", ""),
        )
    if saved.ok:
        flash(
            _(
                "%(employer)sの方のアカウントを作りました。見られるのは、本人が同意した内容だけです。",
                employer=employer.name,
            ),
            "ok",
        )
    return redirect(url_for("admin.employers"), code=303)


def _employer_user_target(user_id: int) -> EmployerUser:
    """An employer's account of this office; another office's does not exist (404)."""
    user = get_db().get(EmployerUser, user_id)
    if user is None or user.employer.office_id != current_staff().office_id:
        abort(404)
    return user


@bp.route("/admin/employer-users/<int:user_id>/deactivate", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def employer_user_deactivate(user_id: int) -> Any:
    user = _employer_user_target(user_id)
    if not confirmed():
        return confirm.ask(
            title=_("企業の方のアカウントの停止"),
            message=_(
                "%(employer)sの %(name)sさん (ログインID: %(login)s) のアカウントを停止します。"
                "%(name)sさんは、すぐにログインできなくなります。",
                employer=user.employer.name,
                name=user.name,
                login=user.login,
            ),
            details=[_("同意や記録は消えません。あとで「再開する」で、もとに戻せます。")],
            yes=_("はい、停止します"),
            back=url_for("admin.employers"),
        )
    with saving() as saved:
        support.deactivate_employer_user(get_db(), current_staff(), user)
    if saved.ok:
        flash(_("%(name)sさんのアカウントを停止しました。", name=user.name), "ok")
    return redirect(url_for("admin.employers"), code=303)


@bp.post("/admin/employer-users/<int:user_id>/reactivate")
@staff_required(*MANAGERS)
def employer_user_reactivate(user_id: int) -> Any:
    user = _employer_user_target(user_id)
    with saving() as saved:
        support.reactivate_employer_user(get_db(), current_staff(), user)
    if saved.ok:
        flash(_("%(name)sさんのアカウントを再開しました。ログインできます。", name=user.name), "ok")
    return redirect(url_for("admin.employers"), code=303)


@bp.post("/admin/employer-users/<int:user_id>/password")
@staff_required(*MANAGERS)
def employer_user_password(user_id: int) -> Any:
    user = _employer_user_target(user_id)
    with saving() as saved:
        support.reset_employer_password(
            get_db(), current_staff(), user, request.form.get("password", "")
        )
    if saved.ok:
        flash(
            _(
                "%(name)sさんのパスワードを変えました。次のログインで、本人が新しいパスワードを"
                "決めます。",
                name=user.name,
            ),
            "ok",
        )
    return redirect(url_for("admin.employers"), code=303)


@bp.post("/admin/staff/<int:staff_id>/role")
@staff_required(*MANAGERS)
def set_role(staff_id: int) -> Any:
    target = _staff_target(staff_id)
    with saving(bad_value=_("役割を選んでください。")) as saved:
        role = Role(request.form.get("role", ""))
        staff_service.set_role(get_db(), target, role, actor=current_staff())
    if saved.ok:
        flash(_("%(name)sさんの役割を変えました。", name=target.name), "ok")
    return redirect(url_for("admin.staff_list"), code=303)


@bp.get("/overview")
@staff_required(*MANAGERS)
def overview() -> str:
    staff = current_staff()
    days = request.args.get("days", 30, type=int)
    days = min(max(days, 7), 180)
    today = local_date(now(), staff.office.timezone)
    ov = office_overview(get_db(), staff.office, today=today, no_contact_days=days)
    alarms = office_alarms(get_db(), staff.office, today=today, now=now(), mail_on=mail_on())
    # An office of 1,000 clients: the counts cover everyone, the lists show their first
    # OVERVIEW_LIST_CAP and the table one page (every client is on one of its pages).
    paging = paginate(len(ov.clients), OVERVIEW_PER_PAGE, "admin.overview", anchor="clients")
    return render_template(
        "admin/overview.html",
        ov=ov,
        unreached=alarms,
        mail_on=mail_on(),
        no_contact=ov.without_contact(),
        low_rate=ov.low_answer_rate(),
        cap=OVERVIEW_LIST_CAP,
        rows=ov.clients[paging.offset : paging.offset + paging.per_page],
        paging=paging,
    )


OVERVIEW_PER_PAGE = 100  # rows of the overview's client table
OVERVIEW_LIST_CAP = 30  # clients named in each of the overview's short lists
