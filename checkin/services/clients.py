"""Creating and editing clients, with validation in plain words (for staff)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    Channel,
    Client,
    ClientStatus,
    Disclosure,
    Employer,
    Flag,
    FlagStatus,
    ServiceType,
    StaffUser,
    Stage,
)
from checkin.services import audit, cells, lifecycle
from checkin.services.errors import ValidationError, _l
from checkin.timeutil import utcnow

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_SERVICE_DAYS = 3 * 366  # the service lasts at most 3 years (seed 003)


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


@dataclass(frozen=True)
class ClientData:
    name: str
    name_kana: str | None
    supporter_id: int | None
    backup_supporter_id: int | None
    employer_id: int | None
    hire_date: date | None
    service_start: date | None
    service_end: date | None
    service_type: ServiceType
    prior_service_end: date | None
    return_date: date | None
    stage: Stage
    disclosure: Disclosure
    checkin_weekdays: str
    reminder_time: time | None
    channel_preference: Channel

    FIELDS = (
        "name",
        "name_kana",
        "supporter_id",
        "backup_supporter_id",
        "employer_id",
        "hire_date",
        "service_start",
        "service_end",
        "service_type",
        "prior_service_end",
        "return_date",
        "stage",
        "disclosure",
        "checkin_weekdays",
        "reminder_time",
        "channel_preference",
    )

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ClientData:
        """Parse strings from a form or a spreadsheet row; every problem is named at once."""
        errors: dict[str, str] = {}

        def text(key: str, label: str, required: bool = False, limit: int = 200) -> str | None:
            value = str(raw.get(key) or "").strip()
            if not value:
                if required:
                    errors[key] = _l("%(label)sを入れてください。", label=label)
                return None
            if len(value) > limit:
                errors[key] = _l("%(label)sは%(n)d文字までです。", label=label, n=limit)
            elif looks_like_formula(value):
                errors[key] = _l("%(label)sの先頭に = + - @ は使えません。", label=label)
            return value

        def day(key: str, label: str) -> date | None:
            # The import's reader: 2026-06-01 (the date input), 2026/6/1, 2026年6月1日,
            # 令和8年6月1日, R8.6.1, ... with the import's message for a bad one.
            value = raw.get(key)
            if cells.is_blank(value):
                return None
            try:
                return cells.parse_date(value)
            except cells.CellError as e:
                # As the import says it: 「入社日: 「2026/13/1」は日付として読めません。…」
                errors[key] = _l("%(column)s: %(problem)s", column=label, problem=e.message)
                return None

        def ident(key: str) -> int | None:
            value = str(raw.get(key) or "").strip()
            if not value:
                return None
            # ASCII only: str.isdigit() also accepts 「²」, which int() refuses; and no id
            # beyond the database's integers.
            if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
                errors[key] = _l("選びなおしてください。")
                return None
            return int(value)

        def choice(key: str, enum: Any, default: Any, label: str) -> Any:
            value = str(raw.get(key) or "").strip()
            if not value:
                return default
            try:
                return enum(value)
            except ValueError:
                errors[key] = _l("%(label)sが正しくありません。", label=label)
                return default

        name = text("name", _l("名前"), required=True)
        kana = text("name_kana", _l("ふりがな"))
        raw_weekdays = raw.get("checkin_weekdays")  # None (not given): Monday to Friday
        weekdays = "01234" if raw_weekdays is None else str(raw_weekdays).strip()
        if (
            not weekdays
            or any(c not in "0123456" for c in weekdays)
            or len(set(weekdays)) != len(weekdays)
        ):
            errors["checkin_weekdays"] = _l(
                "記録する曜日は 月=0 … 日=6 の数字で入れてください (例 01234)。"
            )
        reminder: time | None = None
        rt = str(raw.get("reminder_time") or "").strip()
        if rt:
            try:
                reminder = time.fromisoformat(rt)
            except ValueError:
                errors["reminder_time"] = _l("リマインドの時刻は 19:00 の形で入れてください。")
        data = cls(
            name=name or "",
            name_kana=kana,
            supporter_id=ident("supporter_id"),
            backup_supporter_id=ident("backup_supporter_id"),
            employer_id=ident("employer_id"),
            hire_date=day("hire_date", _l("入社日")),
            service_start=day("service_start", _l("支援開始日")),
            service_end=day("service_end", _l("支援終了日")),
            service_type=choice("service_type", ServiceType, ServiceType.STANDARD, _l("利用の形")),
            prior_service_end=day("prior_service_end", _l("送り出し事業所の利用終了日")),
            return_date=day("return_date", _l("復職日")),
            stage=choice("stage", Stage, Stage.EXPLORATION, _l("支援の段階")),
            disclosure=choice(
                "disclosure", Disclosure, Disclosure.OPEN, _l("開示 (オープン/クローズ)")
            ),
            checkin_weekdays="".join(sorted(weekdays)) if "checkin_weekdays" not in errors else "",
            reminder_time=reminder,
            channel_preference=choice("channel_preference", Channel, Channel.WEB, _l("記録の方法")),
        )
        if errors:
            raise ValidationError(errors)
        return data


def check(session: Session, office_id: int, data: ClientData, *, client_id: int | None) -> None:
    """Rules that need the database or several fields together."""
    errors: dict[str, str] = {}
    staff = {
        s.id: s
        for s in session.scalars(
            select(StaffUser).where(
                StaffUser.id.in_([i for i in (data.supporter_id, data.backup_supporter_id) if i])
            )
        )
    }
    for key, sid in (
        ("supporter_id", data.supporter_id),
        ("backup_supporter_id", data.backup_supporter_id),
    ):
        if sid is None:
            continue
        s = staff.get(sid)
        if s is None or s.office_id != office_id:
            errors[key] = _l("この事業所の職員を選んでください。")
        elif not s.active:
            errors[key] = _l("%(name)sさんのアカウントは停止中です。", name=s.name)
    if data.supporter_id and data.supporter_id == data.backup_supporter_id:
        errors["backup_supporter_id"] = _l("副担当は担当と別の職員にしてください。")
    if data.employer_id is not None:
        employer = session.get(Employer, data.employer_id)
        if employer is None or employer.office_id != office_id:
            errors["employer_id"] = _l("この事業所に登録した企業を選んでください。")
    if data.service_start and data.service_end:
        if data.service_end < data.service_start:
            errors["service_end"] = _l("支援終了日が支援開始日より前になっています。")
        elif (data.service_end - data.service_start).days > MAX_SERVICE_DAYS:
            errors["service_end"] = _l("就労定着支援の期間は最長3年です。")
    if data.service_type == ServiceType.HOURS_EXTENSION and data.prior_service_end is None:
        errors["prior_service_end"] = _l("送り出し事業所の利用終了日を入れてください。")
    if data.service_type == ServiceType.RETURN_TO_WORK and data.return_date is None:
        errors["return_date"] = _l("復職日を入れてください。")
    if data.hire_date and data.service_start and data.service_start < data.hire_date:
        errors["service_start"] = _l("支援開始日が入社日より前になっています。")
    dup = select(Client.id).where(Client.office_id == office_id, Client.name == data.name)
    if data.hire_date is not None:
        dup = dup.where(Client.hire_date == data.hire_date)
    if client_id is not None:
        dup = dup.where(Client.id != client_id)
    if data.name and session.scalar(dup.limit(1)) is not None:
        errors["name"] = _l("同じ名前 (と入社日) の利用者がすでに登録されています。")
    if errors:
        raise ValidationError(errors)


def save_client(
    session: Session,
    office_id: int,
    data: ClientData,
    *,
    actor: StaffUser | None,
    client: Client | None = None,
    now: datetime | None = None,
) -> Client:
    """Create a client (``client`` None) or update one, after all checks pass. A changed
    stage is kept in the stage history (without a reason: the client form's)."""
    check(session, office_id, data, client_id=client.id if client else None)
    created = client is None
    if client is not None and client.stage != data.stage:
        lifecycle.record_stage_change(
            session, client, data.stage, actor=actor, reason=None, now=now or utcnow()
        )
    if client is None:
        client = Client(office_id=office_id)
        session.add(client)
    changed = {}
    for field in ClientData.FIELDS:
        new = getattr(data, field)
        if getattr(client, field, None) != new:
            changed[field] = str(new) if new is not None else None
            setattr(client, field, new)
    session.flush()
    audit.record(
        session,
        "client.create" if created else "client.update",
        office_id=office_id,
        actor=actor,
        target=client,
        client_id=client.id,
        detail={"changed": sorted(changed)},
    )
    return client


def set_status(
    session: Session, client: Client, status: ClientStatus, *, actor: StaffUser, on: date
) -> None:
    """Pause, end or resume the service. Ending closes the personal link's use at once
    (inactive clients cannot check in) and keeps all records."""
    if client.status == status:
        return
    old = client.status
    client.status = status
    if status == ClientStatus.ENDED and (client.service_end is None or client.service_end > on):
        client.service_end = on
    audit.record(
        session,
        "client.status",
        office_id=client.office_id,
        actor=actor,
        target=client,
        client_id=client.id,
        detail={"from": old.value, "to": status.value},
    )


def reassign(
    session: Session,
    office_id: int,
    client_ids: list[int],
    *,
    supporter_id: int,
    actor: StaffUser,
) -> int:
    """Move several clients to another supporter (e.g. when a colleague leaves)."""
    new = session.get(StaffUser, supporter_id)
    if new is None or new.office_id != office_id or not new.active:
        raise ValidationError({"supporter_id": _l("この事業所の、利用中の職員を選んでください。")})
    clients = session.scalars(
        select(Client).where(Client.office_id == office_id, Client.id.in_(client_ids))
    ).all()
    for c in clients:
        old_supporter = c.supporter_id
        if c.backup_supporter_id == supporter_id:
            c.backup_supporter_id = old_supporter
        c.supporter_id = supporter_id
        # Open flags follow the client to the new supporter.
        for flag in session.scalars(
            select(Flag).where(
                Flag.client_id == c.id,
                Flag.status != FlagStatus.RESOLVED,
                Flag.assignee_id == old_supporter,
            )
        ):
            flag.assignee_id = supporter_id
        audit.record(
            session,
            "client.reassign",
            office_id=office_id,
            actor=actor,
            target=c,
            client_id=c.id,
            detail={"supporter_id": supporter_id},
        )
    return len(clients)
