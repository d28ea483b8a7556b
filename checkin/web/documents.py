"""The shared pages of every client document (services/documents.py): the staff view and
editor, approval and sending, the print page and its PDF, the client's confirm page (web
link and LINE's signed link) and the employer's page.

Each kind's own module builds the drafts and registers the kind; nothing here knows a kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from checkin.models import Client, ClientDocument, DocSide, DocStatus, Role
from checkin.services import audit, labels
from checkin.services import documents as docs
from checkin.services.errors import ValidationError
from checkin.services.selfview_links import make_selfview_token
from checkin.web import flash_errors, get_db, now, public_url, saving
from checkin.web.auth import current_staff, staff_required

bp = Blueprint("documents", __name__)

NO_STORE = {"Cache-Control": "private, no-store"}


@bp.app_context_processor
def document_helpers() -> dict[str, Any]:
    return {
        "doc_status_label": doc_status_label,
        "doc_channel_label": lambda channel: labels.CONFIRM_CHANNELS.get(channel or "", ""),
        "doc_spec": lambda doc: docs.spec_for(doc.kind),
    }


def doc_status_label(doc: ClientDocument) -> str:
    spec = docs.spec_for(doc.kind)
    if doc.status == DocStatus.CONFIRMED and not spec.client_confirms:
        return str(labels.DOC_FINISHED)
    return str(labels.DOC_STATUSES.label(doc.status))


# --- staff ---------------------------------------------------------------------------------


def own_document(doc_id: int) -> ClientDocument:
    """A document of the signed-in staff member's office, else 404."""
    doc = get_db().get(ClientDocument, doc_id)
    if doc is None or doc.office_id != current_staff().office_id:
        abort(404)
    return doc


def _versions(doc: ClientDocument) -> list[ClientDocument]:
    return docs.series(get_db(), doc.client_id, doc.kind, doc.period, doc.side)


@bp.get("/documents/<int:doc_id>")
@staff_required()
def view(doc_id: int) -> Any:
    doc = own_document(doc_id)
    spec = docs.spec_for(doc.kind)
    return (
        render_template(
            "documents/view.html",
            doc=doc,
            spec=spec,
            sections=docs.sections_of(doc),
            versions=_versions(doc),
            private_titles=[s.title for s in docs.sections_of(doc) if s.key in doc.private_items],
            can_approve=current_staff().role in (Role.ADMIN, Role.SERVICE_MANAGER),
        ),
        200,
        NO_STORE,
    )


@bp.route("/documents/<int:doc_id>/edit", methods=["GET", "POST"])
@staff_required()
def edit(doc_id: int) -> Any:
    doc = own_document(doc_id)
    if doc.locked:
        flash(
            _("確認済みの版は 変えられません。直すときは「新しい版を作る」を押してください。"),
            "error",
        )
        return redirect(url_for("documents.view", doc_id=doc.id), code=303)
    spec = docs.spec_for(doc.kind)
    if spec.edit_url is not None:
        return redirect(spec.edit_url(doc), code=303)
    status = 200
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    conflict = False
    if request.method == "POST":
        editable = [s.key for s in docs.sections_of(doc) if s.editable]
        values = {k: request.form.get(k, "") for k in editable}
        try:
            revision = int(request.form.get("revision", ""))
        except ValueError:
            revision = -1
        db = get_db()
        try:
            docs.save(db, doc, values, revision=revision, by=current_staff(), now=now())
        except docs.DocumentConflict:
            db.rollback()
            conflict = True
            status = 409
        except docs.DocumentLocked:
            db.rollback()
            abort(409)
        except ValidationError as e:
            db.rollback()
            errors = e.errors
            status = 400
        else:
            db.commit()
            flash(_("保存しました。"), "ok")
            return redirect(url_for("documents.view", doc_id=doc.id), code=303)
    return (
        render_template(
            "documents/edit.html",
            doc=doc,
            spec=spec,
            sections=docs.sections_of(doc),
            values=values,
            errors=errors,
            conflict=conflict,
        ),
        status,
        NO_STORE,
    )


def _act(doc_id: int, action: str) -> Any:
    doc = own_document(doc_id)
    staff = current_staff()
    db = get_db()
    if action == "approve" and staff.role not in (Role.ADMIN, Role.SERVICE_MANAGER):
        abort(403)
    with saving() as saved:
        try:
            if action == "approve":
                docs.approve(db, doc, by=staff, now=now())
            elif action == "send":
                docs.send(db, doc, by=staff, now=now())
            elif action == "paper":
                docs.confirm(db, doc, channel="paper", private_items=[], now=now(), by=staff)
        except docs.DocumentLocked:
            raise ValidationError({"status": _("確認済みの版は 変えられません。")}) from None
    if saved.ok and action == "send" and doc.status == DocStatus.SENT:
        _tell_client_by_line(doc)
    if saved.ok:
        flash(
            {
                "approve": _("承認しました。"),
                "send": _("本人に 確認を お願いしました。"),
                "paper": _("紙で 本人が確認したことを 記録しました。"),
            }[action],
            "ok",
        )
    return redirect(url_for("documents.view", doc_id=doc.id), code=303)


def _tell_client_by_line(doc: ClientDocument) -> None:
    """A LINE client gets a message with the link to what awaits them (bot/notices.py)."""
    from checkin.bot import line_state
    from checkin.bot.notices import push_document_notice
    from checkin.bot.reminders import NOT_REMINDED_LABELS
    from checkin.models import PushStatus

    state = line_state()
    db = get_db()

    def url(client: Client, account: Any) -> str:
        signed = make_selfview_token(current_app.secret_key or "", client, account, now=now())
        return public_url("documents.line_list", signed=signed)

    status = push_document_notice(
        db,
        doc.client,
        waiting=len(docs.awaiting_client(db, doc.client_id)),
        now=now(),
        messenger=state.messenger,
        monthly_limit=state.monthly_push_limit,
        make_url=url,
    )
    db.commit()
    if status == PushStatus.SENT:
        flash(_("LINEで 本人に おしらせしました。"), "ok")
    elif status is not None:
        flash(
            _(
                "LINEの おしらせは 送れませんでした (%(why)s)。"
                "本人の 記録のページには 出ています。",
                why=NOT_REMINDED_LABELS.get(status, ""),
            ),
            "error",
        )


@bp.post("/documents/<int:doc_id>/approve")
@staff_required()
def approve(doc_id: int) -> Any:
    return _act(doc_id, "approve")


@bp.post("/documents/<int:doc_id>/send")
@staff_required()
def send(doc_id: int) -> Any:
    return _act(doc_id, "send")


@bp.post("/documents/<int:doc_id>/paper")
@staff_required()
def paper(doc_id: int) -> Any:
    return _act(doc_id, "paper")


@bp.post("/documents/<int:doc_id>/revise")
@staff_required()
def revise(doc_id: int) -> Any:
    doc = own_document(doc_id)
    db = get_db()
    try:
        new = docs.revise(db, doc, by=current_staff(), now=now())
    except docs.DocumentLocked:
        db.rollback()
        flash(_("これは 古い版です。いまの版から 直してください。"), "error")
        return redirect(url_for("documents.view", doc_id=doc.id), code=303)
    db.commit()
    if new.id != doc.id:
        flash(_("新しい版を作りました。前の版は そのまま残ります。"), "ok")
    return redirect(url_for("documents.edit", doc_id=new.id), code=303)


def _print_css() -> str:
    return (Path(current_app.static_folder or "") / "print.css").read_text(encoding="utf-8")


def _print_html(doc: ClientDocument, *, pdf: bool) -> str:
    return render_template(
        "documents/print.html",
        doc=doc,
        spec=docs.spec_for(doc.kind),
        sections=docs.sections_of(doc),
        pdf=pdf,
        print_css=Markup(_print_css()) if pdf else "",
    )


@bp.get("/documents/<int:doc_id>/print")
@staff_required()
def print_page(doc_id: int) -> Any:
    doc = own_document(doc_id)
    return _print_html(doc, pdf=False), 200, NO_STORE


@bp.get("/documents/<int:doc_id>.pdf")
@staff_required()
def pdf(doc_id: int) -> Response:
    doc = own_document(doc_id)
    html = _print_html(doc, pdf=True)
    data = render_pdf(html)
    db = get_db()
    audit.record(
        db,
        "document.pdf",
        office_id=doc.office_id,
        actor=current_staff(),
        target=doc,
        client_id=doc.client_id,
        detail={"kind": doc.kind.value, "period": doc.period, "version": doc.version},
    )
    db.commit()
    resp = Response(data, mimetype="application/pdf")
    name = f"{doc.kind.value}-{doc.client_id}-{doc.period}-v{doc.version}.pdf"
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    resp.headers.update(NO_STORE)
    return resp


def render_pdf(html: str) -> bytes:
    """A4 PDF of a print page, by WeasyPrint (fonts from the system: Noto CJK)."""
    from weasyprint import HTML  # imported here: the library loads Pango when imported

    static = current_app.static_folder or ""
    return bytes(HTML(string=html, base_url=static).write_pdf())


# --- the client ----------------------------------------------------------------------------


def _client_page(client: Client, doc_id: int | None, *, channel: str, back: str, link: Any) -> Any:
    db = get_db()
    if doc_id is None:
        waiting = docs.awaiting_client(db, client.id)
        done = list(
            db.scalars(
                select(ClientDocument)
                .where(
                    ClientDocument.client_id == client.id,
                    ClientDocument.status == DocStatus.CONFIRMED,
                    ClientDocument.current.is_(True),
                )
                .order_by(ClientDocument.confirmed_at.desc())
                .limit(12)
            )
        )
        waiting = [d for d in waiting if _client_sees(d)]
        done = [d for d in done if _client_reads(d)]
        return (
            render_template(
                "documents/client_list.html",
                client=client,
                waiting=waiting,
                done=done,
                back=back,
                doc_link=link,
            ),
            200,
            NO_STORE,
        )
    doc = db.get(ClientDocument, doc_id)
    if (
        doc is None
        or doc.client_id != client.id
        or not doc.current
        or doc.status not in (DocStatus.SENT, DocStatus.CONFIRMED, DocStatus.RETURNED)
        or not _client_reads(doc)
    ):
        abort(404)
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "comment":
                docs.return_with_comment(
                    db, doc, request.form.get("comment", ""), channel=channel, now=now()
                )
                message = _("おくりました。しえんいんから れんらくが あります。")
            else:
                keep = set(request.form.getlist("share"))
                private = [
                    s.key for s in docs.sections_of(doc) if s.shareable and s.key not in keep
                ]
                docs.confirm(db, doc, channel=channel, private_items=private, now=now())
                message = _("かくにん しました。ありがとう ございます。")
        except ValidationError as e:
            db.rollback()
            flash_errors(e)
            status = 400
        except docs.DocumentLocked:
            db.rollback()
            abort(404)
        else:
            db.commit()
            flash(message, "ok")
            return redirect(request.path, code=303)
    spec = docs.spec_for(doc.kind)
    return (
        render_template(
            "documents/client_doc.html",
            client=client,
            doc=doc,
            spec=spec,
            sections=docs.sections_of(doc),
            employer_possible=spec.employer_scope is not None
            and client.employer_id is not None
            and client.disclosure.value == "open",
            back=back,
        ),
        status,
        NO_STORE,
    )


def _client_sees(doc: ClientDocument) -> bool:
    return doc.side in docs.spec_for(doc.kind).client_sides


def _client_reads(doc: ClientDocument) -> bool:
    """On the client's pages: what they confirm, and a sheet they wrote themselves (the self
    check), not a kind finished by staff alone (the handover package)."""
    return _client_sees(doc) and (
        docs.spec_for(doc.kind).client_confirms or doc.side == DocSide.CLIENT
    )


def _token_client(token: str) -> Client:
    from checkin.web.client_form import _client_or_404  # the check-in link's own rules

    return _client_or_404(token)


@bp.get("/c/<token>/docs")
def client_list(token: str) -> Any:
    client = _token_client(token)
    return _client_page(
        client,
        None,
        channel="web",
        back=url_for("client_form.checkin", token=token),
        link=lambda d: url_for("documents.client_doc", token=token, doc_id=d.id),
    )


@bp.route("/c/<token>/docs/<int:doc_id>", methods=["GET", "POST"])
def client_doc(token: str, doc_id: int) -> Any:
    client = _token_client(token)
    return _client_page(
        client,
        doc_id,
        channel="web",
        back=url_for("documents.client_list", token=token),
        link=None,
    )


def _signed_client(signed: str) -> Client:
    from checkin.web.client_form import signed_client_or_404  # the LINE link's own rules

    return signed_client_or_404(signed)


@bp.get("/me/<signed>/docs")
def line_list(signed: str) -> Any:
    client = _signed_client(signed)
    return _client_page(
        client,
        None,
        channel="line",
        back=url_for("client_form.line_me", signed=signed),
        link=lambda d: url_for("documents.line_doc", signed=signed, doc_id=d.id),
    )


@bp.route("/me/<signed>/docs/<int:doc_id>", methods=["GET", "POST"])
def line_doc(signed: str, doc_id: int) -> Any:
    client = _signed_client(signed)
    return _client_page(
        client,
        doc_id,
        channel="line",
        back=url_for("documents.line_list", signed=signed),
        link=None,
    )
