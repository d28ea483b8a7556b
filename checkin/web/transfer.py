"""Import (clients from CSV/.xlsx, with a preview) and export (CSV/.xlsx, audited)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from checkin.models import Client, Role
from checkin.services import labels, transfer
from checkin.services.errors import ValidationError
from checkin.timeutil import local_date
from checkin.web import flash_errors, get_db, now
from checkin.web.auth import current_staff, staff_required
from checkin.web.cards import encode_ids

bp = Blueprint("transfer", __name__)
MANAGERS = (Role.ADMIN, Role.SERVICE_MANAGER)
IMPORT_MAX_BYTES = 5 * 1024 * 1024
HISTORY_MAX_BYTES = 20 * 1024 * 1024  # years of entries for a whole office
UPLOAD_LIMITS = {
    "transfer.import_clients": IMPORT_MAX_BYTES,
    "transfer.import_confirm": IMPORT_MAX_BYTES * 2,  # base64 of the file
    "transfer.import_history": HISTORY_MAX_BYTES,
    "transfer.import_history_confirm": HISTORY_MAX_BYTES * 2,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, filename: str, fmt: str) -> Response:
    mimetype = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _variant() -> str:
    """The export asked for: Japanese for people (the default), or machine-readable."""
    variant = request.args.get("variant", transfer.JAPANESE)
    if variant not in transfer.VARIANTS:
        abort(404)
    return variant


def _export(tables: dict[str, transfer.Table], stem: str, fmt: str, variant: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    suffix = "-machine" if variant == transfer.MACHINE else ""
    if fmt == "csv":
        table = request.args.get("table", "entries")
        if table not in tables:
            abort(404)
        body = transfer.to_csv(tables[table], japanese=variant == transfer.JAPANESE)
        return _download(body, f"{stem}-{table}{suffix}.csv", fmt)
    body = transfer.to_xlsx(tables, transfer.sheet_names(variant))
    return _download(body, f"{stem}{suffix}.xlsx", fmt)


@bp.get("/clients/<int:client_id>/export.<fmt>")
@staff_required()
def export_client(client_id: int, fmt: str) -> Response:
    db = get_db()
    client = db.get(Client, client_id)
    staff = current_staff()
    if client is None or client.office_id != staff.office_id or fmt not in ("csv", "xlsx"):
        abort(404)
    variant = _variant()
    tables = transfer.client_tables(db, client, variant)
    table = request.args.get("table", "entries")
    if fmt == "csv" and table not in tables:
        abort(404)
    transfer.record_export(
        db,
        staff,
        f"client:{table}" if fmt == "csv" else "client",
        fmt,
        client_id=client.id,
        variant=variant,
    )
    db.commit()
    return _export(tables, f"client-{client.id}", fmt, variant)


@bp.get("/export/office.<fmt>")
@staff_required(*MANAGERS)
def export_office(fmt: str) -> Response:
    db = get_db()
    staff = current_staff()
    if fmt not in ("csv", "xlsx"):
        abort(404)
    variant = _variant()
    tables = transfer.office_tables(db, staff.office, variant)
    table = request.args.get("table", "entries")
    if fmt == "csv" and table not in tables:
        abort(404)
    transfer.record_export(
        db, staff, "office" if fmt == "xlsx" else f"office:{table}", fmt, variant=variant
    )
    db.commit()
    return _export(tables, "office", fmt, variant)


@bp.get("/clients/import/template.csv")
@staff_required(*MANAGERS)
def import_template() -> Response:
    example = [
        "山田 花子",
        "やまだ はなこ",
        current_staff().login,
        "",
        "",
        "2026/4/1",
        "2026/10/1",
        "2029/9/30",
        "模索期",
        "オープン就労",
        "月火水木金",
        "19:00",
        "ウェブ",
    ]
    body = transfer.to_csv((transfer.TEMPLATE_HEADERS, [example]))
    return _download(body, "clients-template.csv", "csv")


@bp.route("/clients/import", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def import_clients() -> Any:
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("ファイルを選んでください。"), "error")
        return _import_page(), 400
    content = upload.read()
    return _preview(upload.filename, content)


def _import_page(preview: Any = None, **context: Any) -> str:
    return render_template(
        "admin/import.html",
        preview=preview,
        stages=labels.STAGES.allowed(),
        disclosures=labels.DISCLOSURES.allowed(),
        channels=labels.CHANNEL_PREFERENCES.allowed(),
        **context,
    )


def _render_preview(template: str, preview: Any, filename: str, content: bytes) -> Any:
    """A preview page; a clean file is carried to the confirm step inside the form, and is
    checked again from scratch there (the database may have changed meanwhile)."""
    return render_template(
        template,
        preview=preview,
        filename=filename,
        payload=base64.b64encode(content).decode() if preview.ok else None,
    ), (200 if preview.ok else 400)


def _confirmed_upload(default_name: str) -> tuple[str, bytes]:
    """The file name and content carried by a preview's confirm form."""
    try:
        content = base64.b64decode(request.form.get("payload", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    return request.form.get("filename", default_name), content


def _preview(filename: str, content: bytes) -> Any:
    db = get_db()
    try:
        preview = transfer.preview_clients(db, current_staff().office, filename, content)
    except ValidationError as e:
        flash_errors(e)
        return _import_page(), 400
    db.rollback()
    return _render_preview("admin/import.html", preview, filename, content)


@bp.post("/clients/import/confirm")
@staff_required(*MANAGERS)
def import_confirm() -> Any:
    db = get_db()
    filename, content = _confirmed_upload("upload.csv")
    staff = current_staff()
    try:
        preview = transfer.preview_clients(db, staff.office, filename, content)
        saved, event = transfer.import_clients(db, staff.office, preview, actor=staff)
    except ValidationError:
        db.rollback()
        return _preview(filename, content)
    db.commit()
    flash(ngettext("%(num)d人を取り込みました。", "%(num)d人を取り込みました。", len(saved)), "ok")
    return redirect(url_for("transfer.import_done", import_id=event.id), code=303)


@bp.get("/clients/import/<int:import_id>")
@staff_required(*MANAGERS)
def import_done(import_id: int) -> Any:
    """The result of one client import: the clients it created, and what to do next with
    them (the template's ``import_actions`` block holds the links)."""
    imported = transfer.imported_clients(get_db(), current_staff().office, import_id)
    if imported is None:
        abort(404)
    return render_template(
        "admin/import_done.html",
        import_id=import_id,
        clients=imported,
        weekdays_label=labels.weekdays_shown,
        # On to their cards: the imported clients come ticked, ready to print (web/cards.py).
        cards_url=url_for("cards.choose", ids=encode_ids([c.id for c in imported])),
    )


def _today() -> Any:
    return local_date(now(), current_staff().office.timezone)


@bp.route("/clients/import/history", methods=["GET", "POST"])
@staff_required(*MANAGERS)
def import_history() -> Any:
    if request.method == "GET":
        return render_template("admin/import_history.html", preview=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("ファイルを選んでください。"), "error")
        return render_template("admin/import_history.html", preview=None), 400
    return _history_preview(upload.filename, upload.read())


def _history_preview(filename: str, content: bytes) -> Any:
    db = get_db()
    preview = transfer.preview_history(
        db, current_staff().office, filename, content, today=_today()
    )
    db.rollback()
    return _render_preview("admin/import_history.html", preview, filename, content)


@bp.post("/clients/import/history/confirm")
@staff_required(*MANAGERS)
def import_history_confirm() -> Any:
    db = get_db()
    filename, content = _confirmed_upload("entries.csv")
    staff = current_staff()
    try:
        rows = transfer.history_rows(db, staff.office, filename, content, today=_today(), now=now())
    except ValidationError:
        db.rollback()
        return _history_preview(filename, content)

    def steps() -> Iterator[str]:
        # A long import shows its progress as it goes (streamed HTML: no JavaScript needed).
        try:
            for done, total in transfer.insert_history(
                db, staff.office, rows, filename=filename, actor=staff
            ):
                yield ngettext(
                    "%(done)s / %(total)s 件",
                    "%(done)s / %(total)s 件",
                    total,
                    done=f"{done:,}",
                    total=f"{total:,}",
                )
            db.commit()
        except Exception:
            db.rollback()
            yield _("エラーのため取り込みを取り消しました。何も保存していません。")
            raise
        yield ngettext(
            "%(n)s件の記録を取り込みました。",
            "%(n)s件の記録を取り込みました。",
            len(rows),
            n=f"{len(rows):,}",
        )

    return Response(
        stream_with_context(stream_template("admin/import_progress.html", steps=steps()))
    )
