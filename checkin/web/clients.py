"""Staff pages about clients: the office's list, one client, and their check-in link."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from checkin.models import (
    AuditEvent,
    Client,
    Consent,
    Contact,
    Employer,
    Flag,
    Role,
    StaffUser,
)
from checkin.services import audit_text, support, timeline, views
from checkin.services import outcomes as outcome_service
from checkin.services.errors import ValidationError
from checkin.services.links import active_link, revoke_links
from checkin.timeutil import local_date
from checkin.web import confirm, form_id, get_db, now, safe_next, saving
from checkin.web.auth import current_staff, staff_required
from checkin.web.confirm import confirmed

bp = Blueprint("clients", __name__)


def own_client(client_id: int) -> Client:
    """A client of the signed-in staff member's office, else 404."""
    client = get_db().get(Client, client_id)
    if client is None or client.office_id != current_staff().office_id:
        abort(404)  # another office's client does not exist for this user
    return client


def record_view(client_id: int, page: str) -> None:
    """Audit a staff member's look at a client's page (one event per person, client and page
    per ten minutes: ``services.views``), committed at once."""
    db = get_db()
    if views.record_view(db, current_staff(), client_id, page, now=now()):
        db.commit()


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
def client_detail(client_id: int) -> tuple[str, int]:
    client = own_client(client_id)
    record_view(client.id, "detail")
    db = get_db()
    today = local_date(now(), client.office.timezone)
    # A bad ?end= shows the period ending today with the message, and answers 400.
    end, end_error = _timeline_end(client, today)
    tl = timeline.build_timeline(
        db, client, today, request.args.get("range"), _band_cache(), end=end
    )
    flags = db.scalars(
        select(Flag).where(Flag.client_id == client.id).order_by(Flag.id.desc()).limit(20)
    ).all()
    contacts = db.scalars(
        select(Contact)
        .where(Contact.client_id == client.id)
        .order_by(Contact.occurred_at.desc())
        .limit(30)
    ).all()
    consents = db.scalars(
        select(Consent).where(Consent.client_id == client.id).order_by(Consent.id.desc())
    ).all()
    employers = db.scalars(
        select(Employer).where(Employer.office_id == client.office_id).order_by(Employer.name)
    ).all()
    return render_template(
        "clients/detail.html",
        client=client,
        timeline=tl,
        flags=flags,
        link=active_link(db, client),
        contacts=contacts,
        consents=consents,
        employers=employers,
        contact_kinds=CONTACT_KINDS,
        scopes=SCOPES,
        outcomes=outcome_service.client_outcomes(db, client),
        outcome_kinds=[(k.value, label) for k, label in outcome_service.OUTCOME_LABELS.items()],
        today=today,
        timeline_error=end_error,
    ), (400 if end_error else 200)


def _timeline_end(client: Client, today: date) -> tuple[date, str | None]:
    """The timeline's ``?end=`` (default today), or today and the message saying why the
    date asked for cannot be shown."""
    try:
        return timeline.parse_end(request.args.get("end"), client, today), None
    except ValidationError as e:
        return today, str(e.errors["end"])


def _band_cache() -> timeline.BandCache:
    """One cache of the offices' usual bands per app (see ``timeline.BandCache``)."""
    cache: timeline.BandCache = current_app.extensions.setdefault(
        "checkin.band_cache", timeline.BandCache()
    )
    return cache


@bp.get("/clients/<int:client_id>/timeline.json")
@staff_required()
def client_timeline(client_id: int) -> Response:
    """The timeline's data (the page embeds the same object): same office only, else 404."""
    client = own_client(client_id)
    record_view(client.id, "timeline")
    today = local_date(now(), client.office.timezone)
    end, end_error = _timeline_end(client, today)
    if end_error:
        resp = jsonify({"errors": {"end": end_error}})
        resp.status_code = 400
        return resp
    data = timeline.build_timeline(
        get_db(), client, today, request.args.get("range"), _band_cache(), end=end
    )
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "private, no-store"  # health data
    return resp


@bp.route("/clients/<int:client_id>/link/revoke", methods=["GET", "POST"])
@staff_required()
def revoke_link(client_id: int) -> Any:
    client = own_client(client_id)
    db = get_db()
    if not confirmed():
        return confirm.ask(
            title=_("記録用リンクを無効にする"),
            message=_(
                "%(name)sさんの記録用リンクを無効にします。%(name)sさんは、いまのカードや"
                "リンクから記録できなくなります。",
                name=client.name,
            ),
            details=[_("続けて記録してもらうには、新しいカードを作って渡してください。")],
            yes=_("はい、無効にします"),
            back=url_for("clients.client_detail", client_id=client.id),
        )
    n = revoke_links(db, client, now=now(), actor=current_staff())
    db.commit()
    flash(_("リンクを無効にしました。") if n else _("有効なリンクはありません。"), "ok")
    return redirect(url_for("clients.client_detail", client_id=client.id), code=303)


CONTACT_KINDS = [(kind.value, label) for kind, label in timeline.CONTACT_LABELS.items()]
SCOPES = [
    ("trend", _l("気分・疲れ・睡眠の週平均")),
    ("answer_rate", _l("記録した日の数")),
    ("flags", _l("アラートの件数 (理由は含まない)")),
    ("notes", _l("本人のメモ")),
    ("reports", _l("支援レポート (本人が確認し、共有してよいとした項目)")),
]


@bp.post("/clients/<int:client_id>/contacts")
@staff_required()
def add_contact(client_id: int) -> Any:
    client = own_client(client_id)
    current = now()
    raw_when = request.form.get("occurred_at", "").strip()
    with saving(bad_value=_("日時の形が正しくありません。")) as saved:
        when = (
            datetime.fromisoformat(raw_when).replace(tzinfo=ZoneInfo(client.office.timezone))
            if raw_when
            else current
        )
        support.record_contact(
            get_db(),
            current_staff(),
            client,
            kind=request.form.get("kind", ""),
            occurred_at=when,
            note=request.form.get("note"),
            flag_id=request.form.get("flag_id", type=form_id),
            now=current,
        )
    if saved.ok:
        flash(_("連絡を記録しました。"), "ok")
    back = url_for("clients.client_detail", client_id=client.id)
    return redirect(safe_next(request.form.get("back"), back), code=303)


def _outcome_form(staff: StaffUser) -> dict[str, Any]:
    """The outcome form's fields (new or corrected), with the office's today and the time."""
    current = now()
    return {
        "kind": request.form.get("kind", ""),
        "occurred_on": request.form.get("occurred_on", ""),
        "note": request.form.get("note"),
        "today": local_date(current, staff.office.timezone),
        "now": current,
    }


def _outcomes_of(client_id: int) -> Any:
    return redirect(url_for("clients.client_detail", client_id=client_id) + "#outcomes", code=303)


@bp.post("/clients/<int:client_id>/outcomes")
@staff_required()
def add_outcome(client_id: int) -> Any:
    """何がありましたか: an outcome (absence, sick leave, crisis, quit) the ranking learns from."""
    staff = current_staff()
    with saving() as saved:  # another office's client: NotFound, the 404 page
        outcome_service.record_outcome(get_db(), staff, client_id, **_outcome_form(staff))
    if saved.ok:
        flash(_("出来事を記録しました。"), "ok")
    return _outcomes_of(client_id)


@bp.post("/outcomes/<int:outcome_id>/edit")
@staff_required()
def edit_outcome(outcome_id: int) -> Any:
    """Correct an outcome's kind, date or note (the ranking learns the corrected label)."""
    staff = current_staff()
    db = get_db()
    # another office's (or a deleted) outcome: NotFound, the 404 page
    client_id = outcome_service.get_outcome(db, staff, outcome_id).client_id
    with saving() as saved:
        outcome_service.update_outcome(db, staff, outcome_id, **_outcome_form(staff))
    if saved.ok:
        flash(_("記録を訂正しました。"), "ok")
    return _outcomes_of(client_id)


@bp.post("/outcomes/<int:outcome_id>/delete")
@staff_required()
def delete_outcome(outcome_id: int) -> Any:
    """Delete a wrongly recorded outcome (kept in the audit trail, no longer learned from)."""
    staff = current_staff()
    db = get_db()
    client_id = outcome_service.get_outcome(db, staff, outcome_id).client_id
    with saving() as saved:
        outcome_service.delete_outcome(db, staff, outcome_id, now=now())
    if saved.ok:
        flash(_("記録を削除しました。"), "ok")
    return _outcomes_of(client_id)


@bp.post("/clients/<int:client_id>/consents")
@staff_required()
def add_consent(client_id: int) -> Any:
    client = own_client(client_id)
    recipient = request.form.get("recipient", "")
    with saving() as saved:
        support.add_consent(
            get_db(),
            current_staff(),
            client,
            employer_id=request.form.get("recipient", type=form_id),
            agency_name=request.form.get("agency_name") if recipient == "agency" else None,
            scopes=request.form.getlist("scope"),
            evidence=request.form.get("evidence", ""),
            now=now(),
        )
    if saved.ok:
        flash(_("同意を記録しました。"), "ok")
    return redirect(url_for("clients.client_detail", client_id=client.id) + "#consents", code=303)


@bp.route("/consents/<int:consent_id>/revoke", methods=["GET", "POST"])
@staff_required()
def revoke_consent(consent_id: int) -> Any:
    consent = get_db().get(Consent, consent_id)
    if consent is None or consent.office_id != current_staff().office_id:
        abort(404)  # another office's consent does not exist for this user
    if not confirmed():
        recipient = consent.employer.name if consent.employer else consent.agency_name
        return confirm.ask(
            title=_("同意の取り消し"),
            message=_(
                "%(client)sさんの、%(recipient)sへの情報共有の同意を取り消します。"
                "%(recipient)sは、すぐに%(client)sさんの情報を見られなくなります。",
                client=consent.client.name,
                recipient=recipient,
            ),
            details=[_("取り消しは記録に残ります。共有を再開するには、同意を記録しなおします。")],
            yes=_("はい、取り消します"),
            back=url_for("clients.client_detail", client_id=consent.client_id) + "#consents",
        )
    consent = support.revoke_consent(get_db(), current_staff(), consent_id, now=now())
    get_db().commit()
    flash(_("同意を取り消しました。共有はすぐに止まります。"), "ok")
    return redirect(
        url_for("clients.client_detail", client_id=consent.client_id) + "#consents", code=303
    )


@bp.get("/clients/<int:client_id>/audit")
@staff_required()
def client_audit(client_id: int) -> str:
    client = own_client(client_id)
    events = (
        get_db()
        .scalars(
            select(AuditEvent)
            .where(
                AuditEvent.client_id == client.id,
                # staff views have their own page, for the service manager (client_views)
                AuditEvent.action.not_in(views.VIEW_ACTIONS.values()),
            )
            .order_by(AuditEvent.at.desc())
            .limit(500)
        )
        .all()
    )
    return render_template(
        "clients/audit.html", client=client, lines=audit_text.describe(get_db(), events)
    )


@bp.get("/clients/<int:client_id>/views")
@staff_required(Role.ADMIN, Role.SERVICE_MANAGER)
def client_views(client_id: int) -> str:
    """Who looked at this client: staff views, exports and employer views, newest first."""
    client = own_client(client_id)
    db = get_db()
    result = views.client_views(db, client.id, request.args.get("page", 1, type=form_id))
    return render_template(
        "clients/views.html",
        client=client,
        result=result,
        lines=audit_text.describe(db, result.events),
    )
