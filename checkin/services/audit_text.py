"""The audit log in words: one sentence per event, in the reader's language.

Each action has one sentence template in :data:`SENTENCES` (the one place to add a new
action); its placeholders are filled from the event's actor and ``detail``, with ids turned
into names. An action without a template, or a detail that does not fit its template, falls
back to a plain sentence: a raw code, an id or a Python value never reaches the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    AuditEvent,
    Client,
    ClientStatus,
    Consent,
    Employer,
    EmployerUser,
    EmploymentKind,
    StaffUser,
    Stage,
)
from checkin.services import labels
from checkin.services.errors import _l
from checkin.services.outcomes import OUTCOME_LABELS
from checkin.services.timeline import CONTACT_LABELS

# action -> sentence. %(actor)s is who did it; the other names come from the detail.
SENTENCES: dict[str, str] = {
    "client.create": _l("%(actor)sが 利用者を登録しました"),
    "client.update": _l("%(actor)sが 利用者の情報を変更しました (項目: %(fields)s)"),
    "client.status": _l("%(actor)sが 状態を「%(old)s」から「%(new)s」に変更しました"),
    "client.anonymize": _l("%(actor)sが 利用者の記録を匿名化しました (%(why)s)"),
    "client.reassign": _l("%(actor)sが 担当を %(supporter)s に変更しました"),
    "consent.create": _l(
        "%(actor)sが %(recipient)sへの共有の同意を記録しました (範囲: %(scopes)s)"
    ),
    "consent.revoke": _l("%(actor)sが %(recipient)sへの共有を取り消しました (範囲: %(scopes)s)"),
    "contact.create": _l("%(actor)sが 連絡を記録しました (%(kind)s)"),
    "employer_note.create": _l("%(actor)sが 事業所に「%(kind)s」を送りました"),
    "flag.acknowledge": _l("%(actor)sが アラートを確認しました"),
    "flag.resolve": _l("%(actor)sが アラートを対応済みにしました"),
    "flag.snooze": _l("%(actor)sが アラートを %(until)s まで保留にしました"),
    "flag.hand_over": _l("%(actor)sが アラートを %(to)s に引き継ぎました"),
    "flag.feedback": _l("%(actor)sが アラートを「%(verdict)s」と評価しました"),
    "outcome.create": _l("%(actor)sが %(kind)s (%(day)s) を記録しました"),
    "outcome.update": _l("%(actor)sが %(kind)s (%(day)s) の記録を訂正しました"),
    "outcome.delete": _l("%(actor)sが %(kind)s (%(day)s) の記録を削除しました"),
    "link.issue": _l("%(actor)sが 記録用リンクを発行しました"),
    "link.revoke": _l("%(actor)sが 記録用リンクを無効にしました"),
    "line.code.issue": _l("%(actor)sが LINE連携の番号を発行しました"),
    "line.link": _l("%(actor)sが LINEを連携しました"),
    "line.unlink": _l("%(actor)sが LINE連携を解除しました"),
    "client.view": _l("%(actor)sが 利用者のページを見ました"),
    "client.timeline.view": _l("%(actor)sが 記録のグラフを見ました"),
    "flag.view": _l("%(actor)sが アラートを開きました"),
    "export": _l("%(actor)sが 記録をファイルに出力しました (%(format)s)"),
    "employer.view": _l("%(actor)sが 共有された内容を見ました (範囲: %(scopes)s)"),
    "employer.assessment_view": _l(
        "%(actor)sが 定期チェックの回答ページを開きました (範囲: %(scopes)s)"
    ),
    "employer.export": _l("%(actor)sが 共有された内容をCSVで出力しました (範囲: %(scopes)s)"),
    "employer.create": _l("%(actor)sが 勤め先を登録しました"),
    "employer_user.create": _l("%(actor)sが 勤め先の アカウントを作りました"),
    "employer_user.deactivate": _l("%(actor)sが 勤め先の アカウント「%(target)s」を停止しました"),
    "employer_user.reactivate": _l("%(actor)sが 勤め先の アカウント「%(target)s」を再開しました"),
    "employer_user.reset_password": _l(
        "%(actor)sが 勤め先の アカウント「%(target)s」の パスワードを設定しなおしました"
    ),
    "employer.login": _l("%(actor)sが ログインしました"),
    "employer.login_failed": _l("勤め先の ログインに 失敗しました"),
    "employer.login_locked": _l(
        "勤め先の ログインの失敗が続いたため、しばらく ログインを止めました"
    ),
    "employer.password_change": _l("%(actor)sが 自分の パスワードを変更しました"),
    "staff.create": _l("%(actor)sが %(target)sさんの アカウントを作りました"),
    "staff.deactivate": _l("%(actor)sが %(target)sさんの アカウントを停止しました"),
    "staff.reactivate": _l("%(actor)sが %(target)sさんの アカウントを再開しました"),
    "staff.reset_password": _l("%(actor)sが %(target)sさんの パスワードを設定しなおしました"),
    "staff.role": _l("%(actor)sが %(target)sさんの 役割を変更しました"),
    "staff.email": _l("%(actor)sが %(target)sさんの メールアドレスを変更しました"),
    "staff.leave": _l("%(actor)sが %(target)sさんの 不在期間を登録しました"),
    "staff.login": _l("%(actor)sが ログインしました"),
    "staff.login_failed": _l("職員の ログインに 失敗しました"),
    "staff.login_locked": _l("職員の ログインの失敗が続いたため、しばらく ログインを止めました"),
    "staff.password_change": _l("%(actor)sが 自分の パスワードを変更しました"),
    "staff.setup_link": _l("%(actor)sが %(target)sさんの 設定用リンクを発行しました"),
    "staff.setup_password": _l("%(actor)sが 設定用リンクで パスワードを決めました"),
    "office.create": _l("%(actor)sが 事業所を作りました"),
    "office.settings": _l("%(actor)sが 事業所の設定を変更しました"),
    "office.closed_day.add": _l("%(actor)sが 休業日 (%(day)s) を追加しました"),
    "office.closed_day.remove": _l("%(actor)sが 休業日 (%(day)s) を削除しました"),
    "import.clients": _l("%(actor)sが 利用者を ファイルから 取り込みました"),
    "import.checkins": _l("%(actor)sが 記録を ファイルから 取り込みました"),
    "line.link.failed": _l("LINE連携に 失敗しました"),
    "document.create": _l("%(actor)sが %(doc)s を作りました"),
    "document.save": _l("%(actor)sが %(doc)s を保存しました"),
    "document.approve": _l("%(actor)sが %(doc)s を承認しました"),
    "document.send": _l("%(actor)sが %(doc)s の確認を本人にお願いしました"),
    "document.finish": _l("%(actor)sが %(doc)s を確定しました"),
    "document.confirm": _l("%(actor)sが %(doc)s を確認しました (%(channel)s)"),
    "document.return": _l("%(actor)sが %(doc)s にコメントを返しました"),
    "document.revise": _l("%(actor)sが %(doc)s (訂正) を作りました"),
    "document.pdf": _l("%(actor)sが %(doc)s をPDFにしました"),
    "employer.document": _l("%(actor)sが %(doc)s の共有された項目を見ました"),
    "period.override": _l("%(actor)sが 支援期間を %(start)s から %(end)s に変更しました"),
    "stage.change": _l("%(actor)sが 支援の段階を「%(old)s」から「%(new)s」に変更しました"),
    "employment.create": _l("%(actor)sが 就労の状況「%(kind)s」(%(day)s) を記録しました"),
    "handover.decision": _l("%(actor)sが 引継ぎの方針を「%(decision)s」と記録しました"),
    "handover.record": _l("%(actor)sが 引継ぎの同意と引継ぎ先 (%(recipient)s) を記録しました"),
    "handover.disclose": _l("%(actor)sが %(recipient)s に渡した記録を残しました (項目: %(items)s)"),
    "handover.notice_seen": _l("%(actor)sが 支援終了%(months)sか月前の知らせを確認しました"),
}
# Actions whose target is a staff member: %(target)s is that person's name.
STAFF_TARGET_ACTIONS = frozenset(
    a for a in SENTENCES if a.startswith("staff.") and "%(target)s" in str(SENTENCES[a])
)
# Actions whose target is an employer's account: %(target)s is that person's name.
EMPLOYER_USER_TARGET_ACTIONS = frozenset(
    a for a in SENTENCES if a.startswith("employer_user.") and "%(target)s" in str(SENTENCES[a])
)
# An action this module does not know yet: still a sentence, never a code.
FALLBACK = _l("%(actor)sが 記録を操作しました")

# Short names of what a consent shares ("回答率・アラート件数・傾向").
SCOPE_LABELS = {
    "trend": _l("傾向"),
    "answer_rate": _l("回答率"),
    "flags": _l("アラート件数"),
    "notes": _l("本人のメモ"),
    "employer_notes": _l("勤め先からの連絡"),
    "reports": _l("支援レポート"),
    "assessment": _l("定期チェック"),
}
CLIENT_FIELD_LABELS = {
    "name": _l("名前"),
    "name_kana": _l("ふりがな"),
    "supporter_id": _l("担当"),
    "backup_supporter_id": _l("副担当"),
    "employer_id": _l("勤め先"),
    "hire_date": _l("入社日"),
    "service_start": _l("支援開始日"),
    "service_end": _l("支援終了日"),
    "service_type": _l("利用の形"),
    "prior_service_end": _l("送り出し事業所の利用終了日"),
    "return_date": _l("復職日"),
    "stage": _l("支援の段階"),
    "disclosure": _l("障害の開示"),
    "checkin_weekdays": _l("記録する曜日"),
    "reminder_time": _l("リマインドの時刻"),
    "channel_preference": _l("記録の方法"),
}
VERDICT_LABELS = {True: _l("役に立った"), False: _l("役に立たなかった")}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel"}
ACTOR_KIND_LABELS = {
    "system": _l("システム"),
    "line": _l("LINE"),
    "cli": _l("管理者 (コマンド)"),
}
UNKNOWN = _l("不明")
NONE = _l("なし")
RULE = _l("規則どおり")
LIST_SEP = _l("・")


@dataclass(frozen=True)
class AuditLine:
    """One event as the page shows it."""

    event: AuditEvent
    actor: str
    sentence: str


def _join(labels: Iterable[Any]) -> str:
    return str(LIST_SEP).join(str(x) for x in labels) or str(NONE)


def _labels(values: Any, table: dict[Any, str]) -> str:
    if not isinstance(values, list | tuple):
        return str(UNKNOWN)
    return _join(table[v] for v in values if v in table)


def _day(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return str(UNKNOWN)


class _Names:
    """Every id named by a page of events, looked up in a few queries."""

    def __init__(self, session: Session, events: Sequence[AuditEvent]) -> None:
        staff_ids: set[int] = set()
        employer_user_ids: set[int] = set()
        consent_ids: set[int] = set()
        employer_ids: set[int] = set()
        client_ids: set[int] = set()
        for e in events:
            if e.actor_id is not None:
                {"staff": staff_ids, "employer": employer_user_ids, "client": client_ids}.get(
                    e.actor_type, set()
                ).add(e.actor_id)
            if e.target_type == "consent" and e.target_id is not None:
                consent_ids.add(e.target_id)
            if e.target_type == "staff_user" and e.target_id is not None:
                staff_ids.add(e.target_id)
            if e.target_type == "employer_user" and e.target_id is not None:
                employer_user_ids.add(e.target_id)
            d = e.detail or {}
            for key in ("supporter_id", "to"):
                if e.action in ("client.reassign", "flag.hand_over") and isinstance(
                    d.get(key), int
                ):
                    staff_ids.add(d[key])
            if isinstance(d.get("employer_id"), int):
                employer_ids.add(d["employer_id"])
        self.consents = (
            {c.id: c for c in session.scalars(select(Consent).where(Consent.id.in_(consent_ids)))}
            if consent_ids
            else {}
        )
        employer_ids |= {c.employer_id for c in self.consents.values() if c.employer_id}
        self.staff = self._names(session, StaffUser, staff_ids)
        self.employers = self._names(session, Employer, employer_ids)
        self.clients = self._names(session, Client, client_ids)
        self.employer_users = (
            {
                u.id: f"{u.name} ({u.employer.name})"
                for u in session.scalars(
                    select(EmployerUser).where(EmployerUser.id.in_(employer_user_ids))
                )
            }
            if employer_user_ids
            else {}
        )

    @staticmethod
    def _names(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())

    def actor(self, e: AuditEvent) -> str:
        table = {
            "staff": self.staff,
            "employer": self.employer_users,
            "client": self.clients,
        }.get(e.actor_type)
        if table is not None:
            return table.get(e.actor_id or 0) or str(UNKNOWN)
        return str(ACTOR_KIND_LABELS.get(e.actor_type, UNKNOWN))

    def staff_name(self, value: Any) -> str:
        if value is None:
            return str(_l("未定"))
        return self.staff.get(value) or str(UNKNOWN)


def _values(e: AuditEvent, names: _Names) -> dict[str, str]:
    """The placeholders of ``e``'s sentence (raises KeyError/TypeError when they do not fit)."""
    d: dict[str, Any] = e.detail or {}
    action = e.action
    if action == "client.update":
        return {"fields": _labels(d.get("changed"), CLIENT_FIELD_LABELS)}
    if action == "client.status":
        return {
            "old": str(labels.CLIENT_STATUSES[ClientStatus(d["from"])]),
            "new": str(labels.CLIENT_STATUSES[ClientStatus(d["to"])]),
        }
    if action == "client.anonymize":
        if d.get("lawful_request"):
            return {"why": str(_l("法令に基づく請求: %(reason)s", reason=str(d["reason"])))}
        return {"why": str(_l("保存期間の終了"))}
    if action == "client.reassign":
        return {"supporter": names.staff_name(d.get("supporter_id"))}
    if action in ("consent.create", "consent.revoke"):
        consent = names.consents.get(e.target_id or 0)
        employer_id = d.get("employer_id") or (consent.employer_id if consent else None)
        recipient = (
            names.employers.get(employer_id)
            if employer_id
            else d.get("agency") or (consent.agency_name if consent else None)
        )
        scopes = d.get("scopes", consent.scopes if consent else None)
        return {"recipient": recipient or str(UNKNOWN), "scopes": _labels(scopes, SCOPE_LABELS)}
    if action == "contact.create":
        return {"kind": str(dict((k.value, v) for k, v in CONTACT_LABELS.items())[d["kind"]])}
    if action == "employer_note.create":
        return {"kind": labels.EMPLOYER_NOTE_KINDS.label(d["kind"])}
    if action == "flag.snooze":
        return {"until": _day(d["until"])}
    if action == "flag.hand_over":
        return {"to": names.staff_name(d["to"])}
    if action == "flag.feedback":
        return {"verdict": str(VERDICT_LABELS[bool(d["useful"])])}
    if action in ("outcome.create", "outcome.update", "outcome.delete"):
        state = d.get("after") or d.get("before") or d
        kinds = {k.value: v for k, v in OUTCOME_LABELS.items()}
        return {"kind": str(kinds[state["kind"]]), "day": _day(state["occurred_on"])}
    if action == "export":
        return {"format": FORMAT_LABELS[d["format"]]}
    if action in ("employer.view", "employer.export"):
        return {"scopes": _labels(d.get("scopes"), SCOPE_LABELS)}
    if action in STAFF_TARGET_ACTIONS:
        return {"target": names.staff_name(e.target_id)}
    if action in EMPLOYER_USER_TARGET_ACTIONS:
        return {"target": names.employer_users.get(e.target_id or 0) or str(UNKNOWN)}
    if action == "period.override":
        return {
            "start": _day(d["start"]) if d.get("start") else str(RULE),
            "end": _day(d["end"]) if d.get("end") else str(RULE),
        }
    if action == "stage.change":
        return {
            "old": str(labels.STAGES[Stage(d["from"])]) if d.get("from") else str(NONE),
            "new": str(labels.STAGES[Stage(d["to"])]),
        }
    if action == "employment.create":
        return {
            "kind": str(labels.EMPLOYMENT_KINDS[EmploymentKind(d["kind"])]),
            "day": _day(d["on"]),
        }
    if action in ("office.closed_day.add", "office.closed_day.remove"):
        return {"day": _day(d["day"])}
    if action.startswith("document.") or action == "employer.document":
        return _document_values(d)
    if action.startswith("handover."):
        return _handover_values(action, d)
    return {}


def _handover_values(action: str, d: dict[str, Any]) -> dict[str, str]:
    from checkin.models import HandoverDecision
    from checkin.services import handover

    if action == "handover.decision":
        return {"decision": str(handover.DECISIONS[HandoverDecision(d["decision"])])}
    if action == "handover.record":
        return {"recipient": str(d["receiver"])}
    if action == "handover.disclose":
        titles = dict(handover.PACKAGE_PARTS)
        return {
            "recipient": str(d["recipient"]),
            "items": str(labels.SEPARATOR).join(str(titles[k]) for k in d["items"]),
        }
    if action == "handover.notice_seen":
        return {"months": str(int(d["months"]))}
    return {}


def _document_values(d: dict[str, Any]) -> dict[str, str]:
    """「支援レポート 2026年11月 第2版」 and how it was confirmed."""
    from checkin.services import documents

    spec = documents.spec_for(d["kind"])
    doc = str(
        _l(
            "%(title)s %(period)s 第%(n)d版",
            title=spec.title,
            period=spec.period_label(str(d["period"])),
            n=int(d["version"]),
        )
    )
    channel = d.get("channel")
    return {
        "doc": doc,
        "channel": str(labels.CONFIRM_CHANNELS.get(channel, UNKNOWN)) if channel else "",
    }


def describe(session: Session, events: Sequence[AuditEvent]) -> list[AuditLine]:
    """The sentence for each event, in order."""
    names = _Names(session, events)
    out = []
    for e in events:
        actor = names.actor(e)
        template = SENTENCES.get(e.action)
        sentence = None
        if template is not None:
            try:
                sentence = str(template) % {"actor": actor, **_values(e, names)}
            except (KeyError, TypeError, ValueError, AttributeError):
                sentence = None  # an old or odd detail: the plain sentence below
        if sentence is None:
            sentence = str(FALLBACK) % {"actor": actor}
        out.append(AuditLine(e, actor, sentence))
    return out
