"""A client's time with the office on the staff pages: the service period (override with a
reason), the support stage (change with a reason; the suggestion), employment events, and the
office's retention rate (就労定着率) with its xlsx list. Rules: docs/lifecycle.md."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from checkin.models import Role
from checkin.services import labels, lifecycle, retention_rate, transfer
from checkin.timeutil import local_date
from checkin.web import get_db, now, saving
from checkin.web.auth import current_staff, staff_required
from checkin.web.clients import own_client
from checkin.web.transfer import _download

bp = Blueprint("lifecycle", __name__)
MANAGERS = (Role.ADMIN, Role.SERVICE_MANAGER)
FIRST_FY = 2000  # a fiscal year before this is not asked for in earnest


def _back(client_id: int, anchor: str) -> Any:
    return redirect(url_for("clients.client_detail", client_id=client_id) + anchor, code=303)


@bp.post("/clients/<int:client_id>/period")
@staff_required(*MANAGERS)
def override_period(client_id: int) -> Any:
    """Set the service period by hand, with the reason (blank dates: back to the rule)."""
    client = own_client(client_id)
    with saving() as saved:
        lifecycle.override_period(
            get_db(),
            current_staff(),
            client,
            start=request.form.get("start"),
            end=request.form.get("end"),
            reason=request.form.get("reason"),
            now=now(),
        )
    if saved.ok:
        flash(_("支援期間を変更しました。"), "ok")
    return _back(client_id, "#period")


@bp.post("/clients/<int:client_id>/stage")
@staff_required()
def change_stage(client_id: int) -> Any:
    client = own_client(client_id)
    with saving() as saved:
        lifecycle.change_stage(
            get_db(),
            current_staff(),
            client,
            stage=request.form.get("stage", ""),
            reason=request.form.get("reason"),
            now=now(),
        )
    if saved.ok:
        flash(_("支援の段階を変更しました。"), "ok")
    return _back(client_id, "#stage")


@bp.post("/clients/<int:client_id>/employment")
@staff_required()
def add_employment(client_id: int) -> Any:
    client = own_client(client_id)
    current = now()
    with saving() as saved:
        lifecycle.record_employment(
            get_db(),
            current_staff(),
            client,
            kind=request.form.get("kind", ""),
            on=request.form.get("on"),
            employer_name=request.form.get("employer_name"),
            note=request.form.get("note"),
            today=local_date(current, client.office.timezone),
            now=current,
        )
    if saved.ok:
        flash(_("就労の状況を記録しました。"), "ok")
    return _back(client_id, "#employment")


def _fy() -> tuple[int, int]:
    """The fiscal year asked for (default: this one) and this one."""
    staff = current_staff()
    this = retention_rate.fiscal_year_of(local_date(now(), staff.office.timezone))
    fy = request.args.get("fy", this, type=int)
    if not FIRST_FY <= fy <= this + 1:
        abort(404)
    return fy, this


@bp.get("/retention")
@staff_required(*MANAGERS)
def retention_page() -> str:
    fy, this = _fy()
    r = retention_rate.office_retention(get_db(), current_staff().office_id, fy)
    return render_template(
        "admin/retention.html", r=r, this_fy=this, years=list(range(this - 3, this + 1))
    )


def retention_table(r: retention_rate.OfficeRetention) -> transfer.Table:
    """The clients behind the rate, one row each (Japanese headers, as the other exports)."""
    with force_locale("ja"):
        headers = [
            _("利用者"),
            _("ふりがな"),
            _("入社日"),
            _("支援開始日"),
            _("支援終了日"),
            _("分母"),
            _("分子 (%(day)s に就労)", day=r.counting_day.isoformat()),
            _("最後の記録"),
            _("記録の日付"),
            _("1か月以内の新しい仕事"),
        ]
        yes, no = _("はい"), _("いいえ")
        rows = [
            [
                line.client.name,
                line.client.name_kana,
                line.client.hire_date,
                line.client.service_start,
                line.client.service_end,
                yes,
                yes if line.employed else no,
                labels.EMPLOYMENT_KINDS.japanese(line.kind) if line.kind else _("入社日から"),
                line.on,
                line.new_job_on,
            ]
            for line in r.lines
        ]
    return headers, rows


@bp.get("/retention.xlsx")
@staff_required(*MANAGERS)
def retention_xlsx() -> Response:
    fy, _this = _fy()
    db = get_db()
    staff = current_staff()
    r = retention_rate.office_retention(db, staff.office_id, fy)
    body = transfer.to_xlsx({f"FY{fy}": retention_table(r)})
    transfer.record_export(db, staff, f"retention:{fy}", "xlsx")
    db.commit()
    return _download(body, f"retention-{fy}.xlsx", "xlsx")
