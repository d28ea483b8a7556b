"""The monthly support report's own staff pages (services/reports.py): the client page's
「支援レポート」 list and its generate button, regenerating a draft's summary, and the
office's month at a glance. Reading, editing, sending and printing a report are the shared
document pages (web/documents.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from checkin.models import Client, ClientDocument, ClientStatus, DocKind, DocStatus
from checkin.services import documents as docs
from checkin.services import reports
from checkin.services.errors import ValidationError
from checkin.timeutil import local_date
from checkin.web import flash_errors, get_db, now
from checkin.web.auth import current_staff, staff_required
from checkin.web.clients import own_client
from checkin.web.documents import NO_STORE, own_document

bp = Blueprint("reports", __name__)

RECENT_MONTHS = 6  # the client page lists this month and the five before


@dataclass(frozen=True)
class MonthRow:
    period: str
    label: str
    doc: ClientDocument | None
    can_generate: bool  # within the client's support, and no report yet


@bp.app_context_processor
def report_helpers() -> dict[str, Any]:
    return {"report_months": report_months, "awaiting_count": awaiting_count}


def report_months(client: Client) -> list[MonthRow]:
    """The client page's list: this month and the few before, and every older month that
    has a report (so an ended client's reports stay one click away)."""
    db = get_db()
    zone = ZoneInfo(client.office.timezone)
    today = local_date(now(), zone)
    found = reports.month_reports(db, client.id)
    months = {reports.period_of(y, m) for y, m in reports.months_back(today, RECENT_MONTHS)}
    if client.service_end is not None:  # an ended client: the months up to the end
        end = client.service_end
        months |= {reports.period_of(y, m) for y, m in reports.months_back(end, 3)}
    months |= set(found)
    rows = []
    for period in sorted(months, reverse=True):
        ym = reports.month_of_period(period)
        if ym is None or ym > (today.year, today.month):
            continue
        doc = found.get(period)
        rows.append(
            MonthRow(
                period,
                reports.period_label(period),
                doc,
                doc is None and reports.in_support(client, *ym, zone),
            )
        )
    return rows


def awaiting_count(client: Client) -> int:
    """How many documents wait for the client to read and confirm (``awaiting_client``,
    counted: one small query on the client's pages)."""
    return (
        get_db().scalar(
            select(func.count())
            .select_from(ClientDocument)
            .where(
                ClientDocument.client_id == client.id,
                ClientDocument.current.is_(True),
                ClientDocument.status == DocStatus.SENT,
            )
        )
        or 0
    )


def _back(client: Client) -> str:
    return url_for("clients.client_detail", client_id=client.id) + "#reports"


@bp.post("/clients/<int:client_id>/reports")
@staff_required()
def generate(client_id: int) -> Any:
    """Make the month's draft from its data (or open the one that exists)."""
    client = own_client(client_id)
    db = get_db()
    today = local_date(now(), client.office.timezone)
    try:
        year, month = reports.parse_month(request.form.get("month"), today=today)
        existing = docs.current(
            db, client.id, DocKind.MONTHLY_REPORT, reports.period_of(year, month)
        )
        if existing is not None and existing.status == DocStatus.CONFIRMED:
            flash(
                _(
                    "この月の レポートは 本人確認済みです。"
                    "直すときは「新しい版を作る」を押してください。"
                ),
                "error",
            )
            return redirect(url_for("documents.view", doc_id=existing.id), code=303)
        if existing is not None:
            return redirect(url_for("documents.edit", doc_id=existing.id), code=303)
        doc = reports.generate(db, client, year, month, by=current_staff(), now=now())
    except ValidationError as e:
        db.rollback()
        flash_errors(e)
        return redirect(_back(client), code=303)
    db.commit()
    flash(_("記録から 下書きを 作りました。確かめて、足りないところを 書いてください。"), "ok")
    return redirect(url_for("documents.edit", doc_id=doc.id), code=303)


@bp.post("/documents/<int:doc_id>/summary")
@staff_required()
def regenerate(doc_id: int) -> Any:
    """Write a draft's 「今月の記録のまとめ」 again from the month's rows; the supporter's
    parts are not touched."""
    doc = own_document(doc_id)
    db = get_db()
    if doc.kind != DocKind.MONTHLY_REPORT:
        abort(404)
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        revision = -1
    try:
        reports.regenerate_summary(db, doc, revision=revision, by=current_staff(), now=now())
    except docs.DocumentConflict:
        db.rollback()
        flash(
            _(
                "このあいだに ほかの人 (または別のタブ) が 保存しました。"
                "開き直してから もう一度 押してください。"
            ),
            "error",
        )
    except docs.DocumentLocked:
        db.rollback()
        flash(_("確認済みの版は 変えられません。"), "error")
    except ValidationError as e:
        db.rollback()
        flash_errors(e)
    else:
        db.commit()
        flash(_("記録のまとめを 作りなおしました。ほかの項目は そのままです。"), "ok")
    return redirect(url_for("documents.view", doc_id=doc.id), code=303)


@bp.get("/reports")
@staff_required()
def month_board() -> Any:
    """The office's reports of one month: how many in each state, and per client."""
    staff = current_staff()
    db = get_db()
    today = local_date(now(), staff.office.timezone)
    error = None
    try:
        if request.args.get("month"):
            year, month = reports.parse_month(request.args.get("month"), today=today)
        else:
            year, month = today.year, today.month
    except ValidationError as e:
        error = str(e.errors["month"])
        year, month = today.year, today.month
    period = reports.period_of(year, month)
    first, _last = reports.month_bounds(year, month)
    clients = [
        c
        for c in db.scalars(
            select(Client)
            .where(Client.office_id == staff.office_id)
            .order_by(Client.name_kana, Client.name)
        )
        if reports.in_support(c, year, month, ZoneInfo(staff.office.timezone))
        and (c.status != ClientStatus.ENDED or (c.service_end or first) >= first)
    ]
    found = {
        d.client_id: d
        for d in db.scalars(
            select(ClientDocument).where(
                ClientDocument.office_id == staff.office_id,
                ClientDocument.kind == DocKind.MONTHLY_REPORT,
                ClientDocument.period == period,
                ClientDocument.current.is_(True),
            )
        )
    }
    return (
        render_template(
            "reports/board.html",
            period=period,
            label=reports.period_label(period),
            month_value=f"{year:04d}-{month:02d}",
            counts=reports.report_counts(db, staff.office_id, year, month),
            clients=clients,
            found=found,
            error=error,
            statuses=list(DocStatus),
        ),
        400 if error else 200,
        NO_STORE,
    )
