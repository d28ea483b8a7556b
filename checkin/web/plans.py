"""The support plan's own pages (a new plan, a new plan from the current one for its review,
the service manager's list of reviews due) and the end of service: the handover decision,
the consent and the receiver, the handover package and the disclosure log.

Editing, approving, the client's agreement, versions and printing are the shared document
pages (web/documents.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from checkin.models import (
    Client,
    ClientDocument,
    DocKind,
    Role,
)
from checkin.services import assessment_docs, plans, transfer
from checkin.services import documents as docs
from checkin.services import handover as ho
from checkin.services.errors import ValidationError
from checkin.timeutil import local_date
from checkin.web import flash_errors, form_id, get_db, now, saving
from checkin.web.auth import current_staff, staff_required
from checkin.web.clients import own_client

bp = Blueprint("plans", __name__)

MANAGERS = (Role.ADMIN, Role.SERVICE_MANAGER)
NO_STORE = {"Cache-Control": "private, no-store"}


def _today(client_or_staff_office_tz: str) -> date:
    return local_date(now(), client_or_staff_office_tz)


@bp.app_context_processor
def plan_helpers() -> dict[str, Any]:
    return {
        "plan_review_of": _review_of,
        "handover_state_of": _handover_state,
        "my_duties": _my_duties,
        "handover_decision_label": lambda d: ho.DECISIONS.get(d, "") if d else "",
        "agency_kind_label": lambda k: ho.AGENCY_KINDS.get(k, "") if k else "",
    }


def _review_of(client: Client) -> plans.Review:
    return plans.review_for(get_db(), client)


def _handover_state(client: Client) -> dict[str, Any]:
    db = get_db()
    return {
        "row": ho.handover_of(db, client),
        "package": ho.latest_package(db, client),
        "disclosures": ho.disclosures(db, client),
    }


def _my_duties() -> dict[str, Any]:
    """The morning list's duties: overdue plan reviews, overdue periodic checks (own
    clients) and handover notices; worked out once per request (two partials read it)."""
    if "my_duties" in g:
        return dict(g.my_duties)
    staff = current_staff()
    db = get_db()
    today = _today(staff.office.timezone)
    found: dict[str, Any] = {
        "reviews": plans.overdue_for(db, staff, today),
        "notices": ho.open_notices(db, staff),
        "checks": assessment_docs.overdue_for(db, staff, today),
        "today": today,
    }
    g.my_duties = found
    return found


# --- the plan ------------------------------------------------------------------------------


def _own_plan(doc_id: int, client: Client) -> ClientDocument:
    doc = get_db().get(ClientDocument, doc_id)
    if doc is None or doc.client_id != client.id or doc.kind != DocKind.SUPPORT_PLAN:
        abort(404)
    return doc


@bp.route("/clients/<int:client_id>/plans/new", methods=["GET", "POST"])
@staff_required()
def new_plan(client_id: int) -> Any:
    client = own_client(client_id)
    db = get_db()
    previous = None
    from_id = request.values.get("from", type=form_id)
    if from_id is not None:
        previous = _own_plan(from_id, client)
    today = _today(client.office.timezone)
    previous_end = plans.end_of(previous) if previous is not None else None
    start = previous_end + timedelta(days=1) if previous_end is not None else today
    values = {"start": start.isoformat(), "end": plans.default_end(start).isoformat()}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("start", "end")}
        try:
            begin, end = plans.parse_period(values["start"], values["end"])
            doc = plans.new_plan(
                db, client, begin, end, by=current_staff(), now=now(), previous=previous
            )
        except ValidationError as e:
            db.rollback()
            errors = e.errors
            status = 400
        else:
            db.commit()
            flash(_("計画を作りました。内容を書いてください。"), "ok")
            return redirect(url_for("documents.edit", doc_id=doc.id), code=303)
    return (
        render_template(
            "plans/new.html",
            client=client,
            previous=previous,
            values=values,
            errors=errors,
        ),
        status,
        NO_STORE,
    )


@bp.get("/plans/reviews")
@staff_required(*MANAGERS)
def reviews() -> Any:
    staff = current_staff()
    today = _today(staff.office.timezone)
    rows = plans.reviews(get_db(), staff.office_id, today)
    return render_template("plans/reviews.html", rows=rows, today=today), 200, NO_STORE


# --- the handover --------------------------------------------------------------------------


@bp.get("/clients/<int:client_id>/handover")
@staff_required()
def handover_page(client_id: int) -> Any:
    client = own_client(client_id)
    db = get_db()
    state = _handover_state(client)
    package = state["package"]
    return (
        render_template(
            "plans/handover.html",
            client=client,
            row=state["row"],
            package=package,
            package_sections=docs.sections_of(package) if package else [],
            disclosures=state["disclosures"],
            decisions=ho.DECISIONS,
            agency_kinds=ho.AGENCY_KINDS,
            review=plans.review_for(db, client),
        ),
        200,
        NO_STORE,
    )


def _back(client: Client, anchor: str | None = None) -> Any:
    return redirect(url_for("plans.handover_page", client_id=client.id, _anchor=anchor), code=303)


@bp.post("/clients/<int:client_id>/handover/decision")
@staff_required()
def handover_decision(client_id: int) -> Any:
    client = own_client(client_id)
    with saving() as saved:
        ho.record_decision(
            get_db(),
            client,
            request.form.get("decision", ""),
            request.form.get("agency_kind"),
            request.form.get("note"),
            by=current_staff(),
            now=now(),
        )
    if saved.ok:
        flash(_("引継ぎの方針を記録しました。"), "ok")
    return _back(client, "decision")


@bp.post("/clients/<int:client_id>/handover/record")
@staff_required()
def handover_record(client_id: int) -> Any:
    client = own_client(client_id)
    fields = (
        "consent_by",
        "consent_on",
        "consent_evidence",
        "consent_file",
        "receiver_name",
        "receiver_person",
        "meeting_on",
    )
    with saving() as saved:
        ho.record_handover(
            get_db(),
            client,
            {k: request.form.get(k, "") for k in fields},
            by=current_staff(),
            now=now(),
        )
    if saved.ok:
        flash(_("引継ぎの記録を保存しました。"), "ok")
    return _back(client, "record")


@bp.post("/clients/<int:client_id>/handover/package")
@staff_required()
def handover_package(client_id: int) -> Any:
    client = own_client(client_id)
    db = get_db()
    try:
        doc = ho.make_package(db, client, by=current_staff(), now=now())
    except ValidationError as e:
        db.rollback()
        flash_errors(e)
        return _back(client, "package")
    except docs.DocumentConflict:
        db.rollback()
        abort(409)
    db.commit()
    flash(_("引継ぎ資料を作りました。確かめて「確定する」を押してください。"), "ok")
    return redirect(url_for("documents.view", doc_id=doc.id), code=303)


@bp.post("/clients/<int:client_id>/handover/disclose")
@staff_required()
def handover_disclose(client_id: int) -> Any:
    client = own_client(client_id)
    db = get_db()
    doc_id = request.form.get("document_id", type=form_id)
    doc = db.get(ClientDocument, doc_id) if doc_id else None
    if doc is None or doc.client_id != client.id:
        abort(404)
    with saving() as saved:
        ho.disclose(
            db,
            client,
            doc,
            request.form.getlist("item"),
            request.form.get("method"),
            by=current_staff(),
            now=now(),
        )
    if saved.ok:
        flash(_("渡した記録を残しました。"), "ok")
    return _back(client, "disclosures")


@bp.get("/clients/<int:client_id>/disclosures.<fmt>")
@staff_required()
def disclosures_export(client_id: int, fmt: str) -> Response:
    client = own_client(client_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    db = get_db()
    table = ho.disclosure_table(db, client)
    if fmt == "csv":
        data = transfer.to_csv(table, japanese=True)
        mimetype = "text/csv; charset=utf-8"
    else:
        data = transfer.to_xlsx({"disclosures": table}, {"disclosures": _("提供の記録")})
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    transfer.record_export(db, current_staff(), "disclosures", fmt, client_id=client.id)
    db.commit()
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="disclosures-{client.id}.{fmt}"'
    resp.headers.update(NO_STORE)
    return resp


@bp.post("/handover-notices/<int:notice_id>/seen")
@staff_required()
def notice_seen(notice_id: int) -> Any:
    with saving() as saved:
        ho.mark_seen(get_db(), current_staff(), notice_id, now())
    if saved.ok:
        flash(_("確認済みにしました。"), "ok")
    return redirect(url_for("alerts.alert_list"), code=303)
