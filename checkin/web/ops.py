"""Operations: what the scheduler did (/ops/jobs), for admins and service managers; and
/healthz, for a load balancer or a monitor (no login)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from checkin.models import Notification, NotificationStatus, Role, StaffUser
from checkin.services.delivery import office_alarms
from checkin.services.ranking import latest_models
from checkin.timeutil import local_date
from checkin.web import get_db, now
from checkin.web.alerts import mail_on
from checkin.web.auth import current_staff, staff_required
from jobs.status import job_status

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)

# What the page calls each job and each count a job reports (the ids stay in the CLI's
# output and in the page's markup). A count without a name here is summed as 「その他」.
JOB_NAMES = {
    "morning-signals": _l("朝のアラート計算"),
    "flag-escalation": _l("未確認アラートの通知"),
    "morning-digest": _l("朝のまとめメール"),
    "line-reminders": _l("LINEのリマインド"),
    "urgent-mail": _l("緊急アラートのメール"),
    "ranker-retrain": _l("並び順の再学習"),
    "delivery-data-prune": _l("配信データの整理"),
}
COUNT_NAMES = {
    "done": _l("完了"),
    "units_done": _l("完了"),
    "units_failed": _l("失敗"),
    "tick_failed": _l("失敗"),
    "not_due": _l("時刻前"),
    "already_done": _l("実行済み"),
    "nothing_to_do": _l("対象なし"),
    "stopped_not_leader": _l("ほかの処理が担当"),
    "clients": _l("利用者"),
    "flags_created": _l("新しいアラート"),
    "flags_updated": _l("更新したアラート"),
    "ranked_by_model": _l("学習モデルで並べた事業所"),
    "flags_escalated": _l("通知したアラート"),
    "mails_queued": _l("送信待ちにしたメール"),
    "mail_sent_digest": _l("送ったまとめメール"),
    "mail_sent_urgent": _l("送った緊急メール"),
    "mail_sent_escalation": _l("送った通知メール"),
    "mail_retry_later": _l("あとで再送するメール"),
    "mail_gave_up": _l("送れなかったメール"),
    "sent": _l("送ったリマインド"),
    "failed": _l("送れなかったリマインド"),
    "quota": _l("月の上限で送らなかった"),
    "blocked": _l("ブロック中"),
    "escalated": _l("支援員に引き継いだ"),
    "held": _l("保留"),
    "resolved": _l("解決したアラート"),
    "events_pruned": _l("整理したイベント"),
    "conversations_pruned": _l("整理した会話"),
    "mail_bodies": _l("消したメール本文"),
    "push_logs": _l("消したLINE送信記録"),
    "events": _l("整理したイベント"),
    "conversations": _l("整理した会話"),
    "trained": _l("学習した"),
    "stayed_on_rules": _l("ルールのまま"),
    "positives": _l("ラベル (あり)"),
    "negatives": _l("ラベル (なし)"),
}
OTHER = _l("その他")
ZONE_NAMES = {"Asia/Tokyo": _l("日本時間")}
# Why a training kept the rules (stored in English by checkin.services.ranking).
FALLBACK_REASONS = (
    ("no check-ins yet", _l("まだ記録がありません")),
    ("less than 4 weeks of check-ins", _l("記録が4週間分に足りません")),
    ("no active clients", _l("利用中の利用者がいません")),
    ("too few labels", _l("ラベルが足りません")),
)


def job_name(job_id: str) -> str:
    return str(JOB_NAMES.get(job_id, OTHER))


def format_counts(counts: dict[str, object] | None) -> str:
    """「新しいアラート 3・利用者 12」: each count by its name, unknown ones as 「その他」."""
    named: dict[str, int] = {}
    for key, value in sorted((counts or {}).items()):
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        name = str(COUNT_NAMES.get(key, OTHER))
        named[name] = named.get(name, 0) + value
    return str(_l("・")).join(f"{name} {n}" for name, n in named.items()) or "-"


def fallback_reason(reason: str) -> str:
    for prefix, label in FALLBACK_REASONS:
        if reason.startswith(prefix):
            return str(label)
    return str(_l("学習の条件を満たしません"))


@bp.get("/ops/jobs")
@staff_required(Role.ADMIN, Role.SERVICE_MANAGER)
def jobs_page() -> str:
    staff = current_staff()
    db = get_db()
    # Job ticks are global (counts only); runs and mails are this office's only.
    status = job_status(db, office_id=staff.office_id, limit=50)
    mails = dict(
        db.execute(
            select(Notification.status, func.count(Notification.id))
            .where(Notification.office_id == staff.office_id)
            .group_by(Notification.status)
        ).all()
    )
    tz = ZoneInfo(staff.office.timezone)
    today = local_date(now(), tz)
    # Mails that failed at least once (retrying or given up), newest first.
    troubled = list(
        db.scalars(
            select(Notification)
            .where(
                Notification.office_id == staff.office_id,
                or_(
                    Notification.status == NotificationStatus.FAILED,
                    (Notification.status == NotificationStatus.PENDING)
                    & (Notification.attempts > 0),
                ),
            )
            .order_by(Notification.id.desc())
            .limit(20)
        )
    )

    def local(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%m/%d %H:%M:%S") if value else "-"

    return render_template(
        "ops/jobs.html",
        status=status,
        lease_live=status.lease_live(now()),
        mails={s.value: mails.get(s, 0) for s in NotificationStatus},
        local=local,
        counts=format_counts,
        job_name=job_name,
        fallback_reason=fallback_reason,
        zone_name=str(ZONE_NAMES.get(staff.office.timezone, staff.office.timezone)),
        rankers=latest_models(db, staff.office_id),
        mail_on=mail_on(),
        link_base=current_app.config.get("PUBLIC_BASE_URL"),
        unreached=office_alarms(db, staff.office, today=today, now=now(), mail_on=mail_on()),
        troubled=troubled,
        names=dict(
            db.execute(
                select(StaffUser.id, StaffUser.name).where(StaffUser.office_id == staff.office_id)
            ).all()
        ),
    )


@bp.get("/healthz")
def healthz() -> Response:
    """200 ``ok`` when the database answers a ``SELECT 1``, else 503. No login, no personal
    data, no cookie (the session is never touched); the reason of a failure goes to the
    log, not to the answer."""
    try:
        with current_app.extensions["checkin.engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("healthz: the database did not answer")
        body, status = "unavailable", 503
    else:
        body, status = "ok", 200
    resp = Response(body, status=status, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-store"
    return resp
