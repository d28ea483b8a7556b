"""The employer's view: consented weekly summaries of their own employees, nothing else.

Every view and export is written to the audit log. A client without a current consent, or
in closed employment, answers 403 (not an empty page), so nothing is implied either way.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, cast

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from checkin.models import Client, ClientDocument, ConsentScope, EmployerNoteKind, EmployerUser
from checkin.services import audit, employer_voice, support
from checkin.services import documents as docs
from checkin.services.monthly import Month, month_employer_notes
from checkin.services.transfer import to_csv
from checkin.timeutil import local_date
from checkin.web import get_db, now, safe_next, saving
from checkin.web.auth import EmployerSessionUser, attempt_login

bp = Blueprint("employer", __name__, url_prefix="/employer")


def current_employer_user() -> EmployerUser:
    return cast(EmployerSessionUser, current_user).user


def employer_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not isinstance(current_user._get_current_object(), EmployerSessionUser):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        user, message, status = attempt_login(
            "employer",
            support.authenticate_employer,
            support.employer_user_by_login,
            lambda u: u.employer.office_id,
        )
        if user is None:
            flash(message, "error")
            return render_template("employer/login.html"), status
        db = get_db()
        login_user(EmployerSessionUser(user))
        audit.record(
            db,
            "employer.login",
            office_id=user.employer.office_id,
            actor_type="employer",
            actor_id=user.id,
        )
        db.commit()
        if user.must_change_password:
            return redirect(url_for("account.employer_password"))
        return redirect(safe_next(request.args.get("next"), url_for("employer.home")))
    return render_template("employer/login.html")


def _consented(user: EmployerUser, client_id: int) -> tuple[Client, frozenset[str]]:
    """The client and the scopes this account may see now; 403 for anything else (never
    404: an employer must not learn which ids exist)."""
    client = get_db().get(Client, client_id)
    scopes = support.employer_scopes(get_db(), user, client) if client is not None else frozenset()
    if client is None or not scopes:
        abort(403)
    return client, scopes


def _view_audit(user: EmployerUser, action: str, client: Client, scopes: frozenset[str]) -> None:
    audit.record(
        get_db(),
        action,
        office_id=client.office_id,
        actor_type="employer",
        actor_id=user.id,
        client_id=client.id,
        detail={"scopes": sorted(scopes)},
    )


@bp.get("/")
@employer_required
def home() -> str:
    db = get_db()
    user = current_employer_user()
    today = local_date(now(), user.employer.office.timezone)
    rows = []
    for client, scopes in support.employer_clients(db, user):
        weeks = support.weekly_summary(db, client, today=today, weeks=4)
        rows.append((client, scopes, weeks))
        _view_audit(user, "employer.view", client, scopes)
    db.commit()
    return render_template("employer/home.html", rows=rows, employer=user.employer)


@bp.get("/clients/<int:client_id>")
@employer_required
def client_view(client_id: int) -> str:
    db = get_db()
    user = current_employer_user()
    client, scopes = _consented(user, client_id)
    today = local_date(now(), user.employer.office.timezone)
    weeks = support.weekly_summary(db, client, today=today, weeks=8)
    voice = ConsentScope.EMPLOYER_VOICE.value in scopes
    month = Month.of(today)
    mine = (
        [
            n
            for n in month_employer_notes(db, client.id, month.year, month.month)
            if n.employer_id == user.employer_id
        ]
        if voice
        else []
    )
    shared_docs = docs.employer_documents(db, client, scopes)
    _view_audit(user, "employer.view", client, scopes)
    db.commit()
    return render_template(
        "employer/client.html",
        client=client,
        scopes=scopes,
        weeks=weeks,
        voice=voice,
        sent_this_month=mine,
        text_max=employer_voice.TEXT_MAX,
        shared_docs=shared_docs,
    )


@bp.post("/clients/<int:client_id>/notes")
@employer_required
def write_note(client_id: int) -> Any:
    """「気になること」 or the monthly contact's answer: only with the client's consent to
    it (checked on this request: a revoked consent stops it), never closed employment."""
    user = current_employer_user()
    client, scopes = _consented(user, client_id)
    if ConsentScope.EMPLOYER_VOICE.value not in scopes:
        abort(403)
    kind = request.form.get("kind", "")
    with saving() as saved:
        employer_voice.write_note(
            get_db(),
            user,
            client,
            kind=kind,
            topic=request.form.get("topic"),
            text=request.form.get("text"),
            now=now(),
        )
    if saved.ok:
        flash(
            _("支援員に届けました。ありがとうございます。")
            if kind == EmployerNoteKind.CONCERN.value
            else _("返事を送りました。ありがとうございます。"),
            "ok",
        )
    return redirect(url_for("employer.client_view", client_id=client.id) + "#voice", code=303)


@bp.get("/documents/<int:doc_id>")
@employer_required
def document(doc_id: int) -> Any:
    """A confirmed document's shared parts: only with the kind's consent scope, only the
    sections the client left ticked; every view recorded with exactly what was shown."""
    db = get_db()
    user = current_employer_user()
    doc = db.get(ClientDocument, doc_id)
    if doc is None:
        abort(403)
    client, scopes = _consented(user, doc.client_id)
    if not docs.employer_may_see(doc, scopes):
        abort(403)
    sections = docs.employer_sections(doc)
    audit.record(
        db,
        "employer.document",
        office_id=client.office_id,
        actor_type="employer",
        actor_id=user.id,
        target=doc,
        client_id=client.id,
        detail={
            "kind": doc.kind.value,
            "period": doc.period,
            "version": doc.version,
            "items": [s.key for s in sections],
        },
    )
    db.commit()
    return (
        render_template(
            "documents/employer.html", doc=doc, spec=docs.spec_for(doc.kind), sections=sections
        ),
        200,
        {"Cache-Control": "private, no-store"},
    )


@bp.get("/clients/<int:client_id>/summary.csv")
@employer_required
def client_csv(client_id: int) -> Response:
    db = get_db()
    user = current_employer_user()
    client, scopes = _consented(user, client_id)
    today = local_date(now(), user.employer.office.timezone)
    weeks = support.weekly_summary(db, client, today=today, weeks=12)
    headers = ["week_start"]
    for scope, cols in (
        ("trend", ["mood", "fatigue", "sleep_hours"]),
        ("answer_rate", ["answered", "expected"]),
        ("flags", ["flags"]),
    ):
        if scope in scopes:
            headers += cols
    rows = []
    for w in weeks:
        row: list[Any] = [w.start]
        if "trend" in scopes:
            row += [w.mood, w.fatigue, w.sleep_hours]
        if "answer_rate" in scopes:
            row += [w.answered, w.expected]
        if "flags" in scopes:
            row += [w.flags]
        rows.append(row)
    _view_audit(user, "employer.export", client, scopes)
    db.commit()
    resp = Response(to_csv((headers, rows)), mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="summary-{client.id}.csv"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
