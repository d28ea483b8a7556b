"""The end of the service and the handover (引継ぎ; seed 002 end of service, seed 003: the
handover is prepared at least 3 months before the end).

- The **decision** per client: no handover needed / hand over to an agency (障害者就業・生活
  支援センター, the employer's own support, another agency) / the client declined; who
  recorded it and when.
- **Notices**: 6 and 3 months before the service end (``Client.service_end``, else the end
  ``services/period.service_period`` computes from the start or the hire date), when no
  decision is recorded,
  the supporter and the service managers are told (the morning list and the mail digest).
  A :class:`~checkin.models.HandoverNotice` row stores that it was told: the mail goes once
  per threshold; the line stays on the morning list until someone marks it seen or the
  decision is recorded.
- The **handover record**: the client's written consent (who, when, evidence: a description
  or a scanned file's reference), the receiving agency and person, the case meeting date.
  Without the consent the package is not made and nothing is disclosed.
- The **handover package**: document kind ``handover`` (staff finalise it; the client does
  not confirm it) generated from the data, printable through the shared print path.
- Every **disclosure** is logged (:class:`~checkin.models.DisclosureLog`, the transfer
  record 個人情報保護法 requires): exactly which items went to whom and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from checkin.models import (
    AgencyKind,
    Client,
    ClientDocument,
    ClientStatus,
    Contact,
    DisclosureLog,
    DocKind,
    DocSide,
    DocStatus,
    Handover,
    HandoverDecision,
    HandoverNotice,
    Role,
    StaffUser,
)
from checkin.services import audit, labels, period, plans, support
from checkin.services import documents as docs
from checkin.services.documents import KindSpec, Section, register
from checkin.services.errors import ValidationError, _l
from checkin.timeutil import local_date

THRESHOLDS = (6, 3)  # months before the end
NOTE_MAX = 2000
NAME_MAX = 200
FILE_MAX = 300
REPORTS_IN_PACKAGE = 3
CONTACTS_IN_PACKAGE = 10

DECISIONS: dict[HandoverDecision, Any] = {
    HandoverDecision.NOT_NEEDED: _l("引継ぎは不要"),
    HandoverDecision.AGENCY: _l("関係機関へ引き継ぐ"),
    HandoverDecision.DECLINED: _l("本人が引継ぎを希望しない"),
}
AGENCY_KINDS: dict[AgencyKind, Any] = {
    AgencyKind.CENTER: _l("障害者就業・生活支援センター"),
    AgencyKind.EMPLOYER: _l("企業の自社支援"),
    AgencyKind.OTHER: _l("その他の機関"),
}

# The parts of the package, in order: (key, title). All generated but the notes.
PACKAGE_PARTS: list[tuple[str, Any]] = [
    ("receiver", _l("引継ぎ先と本人の同意")),
    ("plan", _l("いまの支援計画")),
    ("reports", _l("最近の支援レポート")),
    ("trend", _l("日々の記録の傾向")),
    ("contacts", _l("最近の連絡・面談")),
    ("resource_map", _l("資源マップ (相談先)")),
    ("private", _l("本人が共有を望まなかった項目")),
    ("notes", _l("引継ぎ事項")),
]


def _jp(day: date | None) -> str:
    if day is None:
        return "-"
    return str(_l("%(y)d年%(m)d月%(d)d日", y=day.year, m=day.month, d=day.day))


def package_sections(doc: ClientDocument) -> list[Section]:
    return [
        Section(key, str(title), str(doc.body.get(key) or ""), editable=key == "notes")
        for key, title in PACKAGE_PARTS
    ]


SPEC = register(
    KindSpec(
        kind=DocKind.HANDOVER,
        title=_l("引継ぎ資料"),
        client_title=_l("ひきつぎの しりょう"),
        sections=package_sections,
        client_confirms=False,
        period_label=lambda period: _jp(_date_or_none(period)) if _date_or_none(period) else period,
    )
)


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# --- the decision and the record -----------------------------------------------------------


def handover_of(session: Session, client: Client) -> Handover | None:
    return session.scalars(select(Handover).where(Handover.client_id == client.id)).first()


def _row(session: Session, client: Client, now: datetime) -> Handover:
    row = handover_of(session, client)
    if row is None:
        row = Handover(office_id=client.office_id, client_id=client.id, updated_at=now)
        row.client = client
        session.add(row)
    return row


def _text(value: str | None, limit: int, errors: dict[str, Any], key: str) -> str | None:
    text = (value or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        errors[key] = _l("使えない文字 (NUL) が入っています。")
    elif len(text) > limit:
        errors[key] = _l("長すぎます。%(n)d文字までにしてください。", n=limit)
    return text or None


def record_decision(
    session: Session,
    client: Client,
    decision: str,
    agency_kind: str | None,
    note: str | None,
    *,
    by: StaffUser,
    now: datetime,
) -> Handover:
    errors: dict[str, Any] = {}
    try:
        chosen = HandoverDecision(decision)
    except ValueError:
        raise ValidationError({"decision": _l("引継ぎの方針を選んでください。")}) from None
    kind = None
    if chosen == HandoverDecision.AGENCY:
        try:
            kind = AgencyKind(agency_kind or "")
        except ValueError:
            errors["agency_kind"] = _l("引継ぎ先の種類を選んでください。")
    text = _text(note, NOTE_MAX, errors, "note")
    if errors:
        raise ValidationError(errors)
    row = _row(session, client, now)
    row.decision = chosen
    row.agency_kind = kind
    row.decision_note = text
    row.decided_at = now
    row.decided_by_id = by.id
    row.updated_at = now
    session.flush()
    audit.record(
        session,
        "handover.decision",
        office_id=client.office_id,
        actor=by,
        target=row,
        client_id=client.id,
        detail={"decision": chosen.value, "agency_kind": kind.value if kind else None},
    )
    return row


def _parse_day(value: str | None, errors: dict[str, Any], key: str, message: Any) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[key] = message
        return None
    if not 2000 <= day.year <= 2100:
        errors[key] = message
        return None
    return day


def record_handover(
    session: Session,
    client: Client,
    form: dict[str, str],
    *,
    by: StaffUser,
    now: datetime,
) -> Handover:
    """The consent, the receiver and the case meeting. The consent is all or nothing: who
    signed, the day, and a description of the paper or a scanned file's reference."""
    row = handover_of(session, client)
    if row is None or row.decision != HandoverDecision.AGENCY:
        raise ValidationError({"decision": _l("先に 方針を「関係機関へ引き継ぐ」にしてください。")})
    errors: dict[str, Any] = {}
    bad_day = _l("日付が正しくありません。")
    consent_by = _text(form.get("consent_by"), NAME_MAX, errors, "consent_by")
    consent_on = _parse_day(form.get("consent_on"), errors, "consent_on", bad_day)
    evidence = _text(form.get("consent_evidence"), NOTE_MAX, errors, "consent_evidence")
    file_ref = _text(form.get("consent_file"), FILE_MAX, errors, "consent_file")
    receiver = _text(form.get("receiver_name"), NAME_MAX, errors, "receiver_name")
    person = _text(form.get("receiver_person"), NAME_MAX, errors, "receiver_person")
    meeting = _parse_day(form.get("meeting_on"), errors, "meeting_on", bad_day)
    today = local_date(now, client.office.timezone)
    if consent_on is not None and consent_on > today:
        errors["consent_on"] = _l("同意の日は 今日までの日にしてください。")
    any_consent = consent_by or consent_on or evidence or file_ref
    if any_consent and not (consent_by and consent_on and (evidence or file_ref)):
        errors["consent"] = _l(
            "本人の同意は、署名した人・日付・証拠 (書面の説明か スキャンしたファイルの保管場所) "
            "をすべて書いてください。"
        )
    if not receiver:
        errors["receiver_name"] = _l("引継ぎ先の機関名を書いてください。")
    if errors:
        raise ValidationError(errors)
    consent_changed = (consent_by, consent_on, evidence, file_ref) != (
        row.consent_by,
        row.consent_on,
        row.consent_evidence,
        row.consent_file,
    )
    row.consent_by, row.consent_on = consent_by, consent_on
    row.consent_evidence, row.consent_file = evidence, file_ref
    if consent_changed:
        row.consent_recorded_at = now if any_consent else None
        row.consent_recorded_by_id = by.id if any_consent else None
    row.receiver_name, row.receiver_person, row.meeting_on = receiver, person, meeting
    row.updated_at = now
    session.flush()
    audit.record(
        session,
        "handover.record",
        office_id=client.office_id,
        actor=by,
        target=row,
        client_id=client.id,
        detail={"receiver": receiver, "consent": row.has_consent},
    )
    return row


def require_consent(row: Handover | None) -> Handover:
    if row is None or row.decision != HandoverDecision.AGENCY:
        raise ValidationError(
            {"decision": _l("引継ぎの方針が「関係機関へ引き継ぐ」ではありません。")}
        )
    if not row.has_consent:
        raise ValidationError(
            {
                "consent": _l(
                    "本人の書面の同意 (署名した人・日付・証拠) が記録されていません。"
                    "同意がないと 引き継げません。"
                )
            }
        )
    if not row.receiver_name:
        raise ValidationError({"receiver_name": _l("引継ぎ先の機関名を書いてください。")})
    return row


# --- the package ---------------------------------------------------------------------------


def _report_text(doc: ClientDocument) -> str:
    spec = docs.spec_for(doc.kind)
    lines = [str(spec.period_label(doc.period))]
    for s in docs.sections_of(doc):
        if s.text and s.key != "summary":
            lines.append(f"【{s.title}】{s.text}")
    return "\n".join(lines)


def _confirmed_reports(session: Session, client: Client) -> list[ClientDocument]:
    return list(
        session.scalars(
            select(ClientDocument)
            .where(
                ClientDocument.client_id == client.id,
                ClientDocument.kind == DocKind.MONTHLY_REPORT,
                ClientDocument.side == DocSide.STAFF,
                ClientDocument.current.is_(True),
                ClientDocument.status == DocStatus.CONFIRMED,
            )
            .order_by(ClientDocument.period.desc())
            .limit(REPORTS_IN_PACKAGE)
        )
    )


def _trend_text(session: Session, client: Client, today: date) -> str:
    weeks = support.weekly_summary(session, client, today=today, weeks=8)
    lines = []
    for w in weeks:
        rate = f"{round(w.answer_rate * 100)}%" if w.answer_rate is not None else "-"
        lines.append(
            str(
                _l(
                    "%(day)sの週: 回答 %(rate)s・気分 %(mood)s・疲れ %(fatigue)s・"
                    "睡眠 %(sleep)s・アラート %(flags)d件",
                    day=f"{w.start.month}/{w.start.day}",
                    rate=rate,
                    mood=w.mood if w.mood is not None else "-",
                    fatigue=w.fatigue if w.fatigue is not None else "-",
                    sleep=w.sleep_hours if w.sleep_hours is not None else "-",
                    flags=w.flags,
                )
            )
        )
    return "\n".join(lines)


def _contacts_text(session: Session, client: Client) -> str:
    rows = session.scalars(
        select(Contact)
        .where(Contact.client_id == client.id)
        .options(joinedload(Contact.staff))
        .order_by(Contact.occurred_at.desc())
        .limit(CONTACTS_IN_PACKAGE)
    )
    tz = client.office.timezone
    lines = []
    for c in rows:
        line = f"{_jp(local_date(c.occurred_at, tz))} {labels.CONTACT_KINDS.label(c.kind)}"
        if c.note:
            line += f": {c.note}"
        lines.append(line)
    return "\n".join(lines)


def _plan_text(session: Session, client: Client) -> str:
    plan = plans.review_for(session, client).plan
    if plan is None:
        return str(_l("支援計画はありません。"))
    lines = []
    for s in docs.sections_of(plan):
        if s.text:
            lines.append(f"【{s.title}】{s.text}")
    return "\n".join(lines)


def _resource_map_text(session: Session, client: Client) -> str:
    """The newest version of the resource map the client confirmed (a draft of a change
    after that is not theirs yet), one line per entry under its topic."""
    doc = session.scalars(
        select(ClientDocument)
        .where(
            ClientDocument.client_id == client.id,
            ClientDocument.kind == DocKind.RESOURCE_MAP,
            ClientDocument.status == DocStatus.CONFIRMED,
        )
        .order_by(ClientDocument.version.desc(), ClientDocument.id.desc())
        .limit(1)
    ).first()
    if doc is None:
        return str(_l("本人が確認した資源マップはありません。"))
    lines = [f"【{s.title}】\n{s.text}" for s in docs.sections_of(doc) if s.text]
    return "\n".join(lines) or str(_l("本人が確認した資源マップはありません。"))


def _private_text(reports: list[ClientDocument]) -> str:
    lines = []
    for r in reports:
        titles = [str(s.title) for s in docs.sections_of(r) if s.key in (r.private_items or [])]
        if titles:
            lines.append(
                f"{docs.spec_for(r.kind).period_label(r.period)}: "
                + str(labels.SEPARATOR).join(titles)
            )
    if not lines:
        return str(_l("本人が会社に見せないと決めた項目は ありません。"))
    return str(_l("会社には見せないでください:")) + "\n" + "\n".join(lines)


def _receiver_text(row: Handover) -> str:
    kind = AGENCY_KINDS.get(row.agency_kind) if row.agency_kind else None
    lines = [
        str(_l("引継ぎ先: %(name)s", name=row.receiver_name or "-"))
        + (f" ({kind})" if kind else ""),
        str(_l("担当者: %(name)s", name=row.receiver_person or "-")),
        str(_l("ケース会議: %(day)s", day=_jp(row.meeting_on))),
        str(_l("本人の同意: %(day)s %(who)s", day=_jp(row.consent_on), who=row.consent_by or "")),
    ]
    return "\n".join(lines)


def package_body(session: Session, client: Client, row: Handover, today: date) -> dict[str, str]:
    reports = _confirmed_reports(session, client)
    return {
        "receiver": _receiver_text(row),
        "plan": _plan_text(session, client),
        "reports": "\n\n".join(_report_text(r) for r in reports)
        or str(_l("確認済みの支援レポートはありません。")),
        "trend": _trend_text(session, client, today),
        "contacts": _contacts_text(session, client) or str(_l("連絡の記録はありません。")),
        "resource_map": _resource_map_text(session, client),
        "private": _private_text(reports),
    }


def make_package(
    session: Session, client: Client, *, by: StaffUser, now: datetime
) -> ClientDocument:
    """The handover package from today's data: a new draft (or the open draft refreshed,
    keeping its notes). Refused without the client's written consent."""
    row = require_consent(handover_of(session, client))
    today = local_date(now, client.office.timezone)
    with force_locale("ja"):  # a paper for a Japanese agency, whatever the staff's language
        body = package_body(session, client, row, today)
    period = (row.consent_on or today).isoformat()
    open_draft = docs.current(session, client.id, DocKind.HANDOVER, period)
    if open_draft is not None and open_draft.locked:
        open_draft = None
    before = latest_package(session, client)
    if open_draft is None and before is not None and before.body.get("notes"):
        body["notes"] = str(before.body["notes"])  # the staff's notes carry to a new version
    doc = docs.start(session, client, DocKind.HANDOVER, period, body, by=by, now=now)
    if open_draft is not None and open_draft.id == doc.id:  # refreshed; its notes kept
        docs.save(session, doc, body, revision=doc.revision, by=by, now=now)
    return doc


def latest_package(session: Session, client: Client) -> ClientDocument | None:
    return docs.latest(session, client.id, DocKind.HANDOVER, side=DocSide.STAFF)


# --- disclosures ---------------------------------------------------------------------------


def disclose(
    session: Session,
    client: Client,
    doc: ClientDocument,
    keys: list[str],
    method: str | None,
    *,
    by: StaffUser,
    now: datetime,
) -> DisclosureLog:
    """Record that the chosen items of a finished package went to the receiver."""
    row = require_consent(handover_of(session, client))
    if doc.client_id != client.id or doc.kind != DocKind.HANDOVER:
        raise ValidationError({"document": _l("引継ぎ資料が正しくありません。")})
    if doc.status != DocStatus.CONFIRMED or not doc.current:
        raise ValidationError({"document": _l("引継ぎ資料を 確定してから 渡してください。")})
    sections = {s.key: s for s in docs.sections_of(doc)}
    chosen = [k for k in dict.fromkeys(keys) if k in sections]
    if not chosen or len(chosen) != len(set(keys)):
        raise ValidationError({"items": _l("渡した項目を選んでください。")})
    errors: dict[str, Any] = {}
    how = _text(method, NAME_MAX, errors, "method")
    if errors:
        raise ValidationError(errors)
    log = DisclosureLog(
        office_id=client.office_id,
        client_id=client.id,
        recipient=row.receiver_name or "",
        recipient_person=row.receiver_person,
        items=[{"key": k, "title": _japanese_title(k)} for k in chosen],
        document_id=doc.id,
        document_version=doc.version,
        consent_on=row.consent_on,
        method=how,
        disclosed_at=now,
        by_id=by.id,
    )
    session.add(log)
    session.flush()
    audit.record(
        session,
        "handover.disclose",
        office_id=client.office_id,
        actor=by,
        target=log,
        client_id=client.id,
        detail={"recipient": log.recipient, "items": chosen, "version": doc.version},
    )
    return log


def _japanese_title(key: str) -> str:
    with force_locale("ja"):
        return str(dict(PACKAGE_PARTS)[key])


def disclosures(session: Session, client: Client) -> list[DisclosureLog]:
    return list(
        session.scalars(
            select(DisclosureLog)
            .where(DisclosureLog.client_id == client.id)
            .options(joinedload(DisclosureLog.by))
            .order_by(DisclosureLog.disclosed_at.desc(), DisclosureLog.id.desc())
        )
    )


DISCLOSURE_HEADERS = [
    _l("提供日時"),
    _l("利用者"),
    _l("提供先"),
    _l("提供先の担当者"),
    _l("提供した項目"),
    _l("資料の版"),
    _l("本人の同意日"),
    _l("方法"),
    _l("記録した職員"),
]


def disclosure_table(session: Session, client: Client) -> tuple[list[str], list[list[Any]]]:
    """The transfer record as a table: times in the office's zone (naive, for a file)."""
    tz = ZoneInfo(client.office.timezone)
    rows: list[list[Any]] = []
    for log in disclosures(session, client):
        rows.append(
            [
                log.disclosed_at.astimezone(tz).replace(tzinfo=None),
                client.name,
                log.recipient,
                log.recipient_person or "",
                str(labels.SEPARATOR).join(str(i.get("title", "")) for i in log.items),
                log.document_version or "",
                log.consent_on or "",
                log.method or "",
                log.by.name if log.by else "",
            ]
        )
    return [str(h) for h in DISCLOSURE_HEADERS], rows


# --- notices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    months: int
    on: date  # the day the notice is due


def threshold_now(end: date, today: date) -> int | None:
    """The threshold (6 or 3 months before ``end``) ``today`` has passed most recently."""
    if today >= end:
        return None
    for months in sorted(THRESHOLDS):  # 3 before 6: the nearer threshold wins
        if today >= plans.add_months(end, -months):
            return months
    return None


# The rule's end is 3 years after the start, the start 6 months after the date the wait is
# counted from (services/period.py); a margin of a few days either side of the window keeps
# the SQL simple and the exact end is worked out in Python.
_MARGIN = timedelta(days=7)


def computed_end(client: Client) -> date | None:
    """The service end in force: the recorded one, else the one the period rules give."""
    return period.service_period(client, None).end


def _candidates(
    session: Session, office_ids: list[int], today: date, horizon: date
) -> list[tuple[Client, date]]:
    """Active clients whose service ends after ``today`` and by ``horizon``: the recorded
    end, else 3 years from the recorded start, else from the date the rules count from
    (hire, the sending office's end, the return to work). One query."""
    years = 12 * period.SERVICE_YEARS
    wait = years + period.WAIT_MONTHS
    start_lo = plans.add_months(today, -years) - _MARGIN
    start_hi = plans.add_months(horizon, -years) + _MARGIN
    from_lo = plans.add_months(today, -wait) - _MARGIN - timedelta(days=1)
    from_hi = plans.add_months(horizon, -wait) + _MARGIN
    rows = session.scalars(
        select(Client).where(
            Client.office_id.in_(office_ids),
            Client.status == ClientStatus.ACTIVE,
            or_(
                and_(Client.service_end > today, Client.service_end <= horizon),
                and_(
                    Client.service_end.is_(None),
                    Client.service_start.between(start_lo, start_hi),
                ),
                and_(
                    Client.service_end.is_(None),
                    Client.service_start.is_(None),
                    or_(
                        Client.hire_date.between(from_lo, from_hi),
                        Client.prior_service_end.between(from_lo, from_hi),
                        Client.return_date.between(from_lo, from_hi),
                    ),
                ),
            ),
        )
    ).all()
    out = []
    for c in rows:
        end = computed_end(c)
        if end is not None and today < end <= horizon:
            out.append((c, end))
    return out


def ensure_notices(session: Session, office_ids: list[int], today: date, now: datetime) -> int:
    """Create the notices that are due (no decision recorded, a threshold passed before the
    end in force - the recorded one, else the computed one): at most
    one per client, threshold and end date, whoever calls first (the morning run calls it
    for its offices). Three queries whatever the number of offices. Returns how many."""
    if not office_ids:
        return 0
    horizon = plans.add_months(today, max(THRESHOLDS))
    found = _candidates(session, office_ids, today, horizon)
    ends = {c.id: end for c, end in found}
    clients = [c for c, _end in found]
    if not clients:
        return 0
    ids = [c.id for c in clients]
    decided = set(
        session.scalars(
            select(Handover.client_id).where(
                Handover.client_id.in_(ids), Handover.decision.is_not(None)
            )
        )
    )
    told: set[tuple[int, int, date]] = set(
        session.execute(
            select(
                HandoverNotice.client_id, HandoverNotice.months, HandoverNotice.service_end
            ).where(HandoverNotice.client_id.in_(ids))
        ).all()
    )
    rows = []
    for c in clients:
        end = ends[c.id]
        months = threshold_now(end, today)
        if months is None or c.id in decided or (c.id, months, end) in told:
            continue
        rows.append(
            {
                "office_id": c.office_id,
                "client_id": c.id,
                "months": months,
                "service_end": end,
                "created_at": now,
            }
        )
    if not rows:
        return 0
    # One statement; a notice another process stored in between is skipped (still once).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(HandoverNotice).values(rows).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(HandoverNotice).values(rows).on_conflict_do_nothing()
    result = session.execute(stmt)
    count = getattr(result, "rowcount", -1)
    return int(count) if count is not None and count >= 0 else len(rows)


def open_notices(session: Session, staff: StaffUser) -> list[HandoverNotice]:
    """The notices on a staff member's morning list: not marked seen, still no decision,
    for their own clients (every client for a service manager or an administrator); the
    newest threshold per client."""
    q = (
        select(HandoverNotice)
        .join(Client, Client.id == HandoverNotice.client_id)
        .outerjoin(Handover, Handover.client_id == HandoverNotice.client_id)
        .where(
            HandoverNotice.office_id == staff.office_id,
            HandoverNotice.seen_at.is_(None),
            or_(
                HandoverNotice.service_end == Client.service_end,
                Client.service_end.is_(None),  # a computed end: compared below
            ),
            Client.status == ClientStatus.ACTIVE,
            Handover.decision.is_(None),
        )
        .options(joinedload(HandoverNotice.client))
        .order_by(HandoverNotice.months, HandoverNotice.client_id)
    )
    if staff.role not in (Role.ADMIN, Role.SERVICE_MANAGER):
        q = q.where(Client.supporter_id == staff.id)
    seen: set[int] = set()
    out = []
    for n in session.scalars(q):
        if n.client.service_end is None and computed_end(n.client) != n.service_end:
            continue  # the end moved since: this notice is for another end
        if n.client_id not in seen:
            seen.add(n.client_id)
            out.append(n)
    return out


def mark_seen(session: Session, staff: StaffUser, notice_id: int, now: datetime) -> None:
    from checkin.services.errors import NotFound

    notice = session.get(HandoverNotice, notice_id)
    if notice is None or notice.office_id != staff.office_id:
        raise NotFound
    if notice.seen_at is None:
        notice.seen_at = now
        notice.seen_by_id = staff.id
        audit.record(
            session,
            "handover.notice_seen",
            office_id=staff.office_id,
            actor=staff,
            target=notice,
            client_id=notice.client_id,
            detail={"months": notice.months},
        )


def months_left_label(notice: HandoverNotice) -> str:
    return str(_l("支援終了まで%(n)dか月", n=notice.months))
