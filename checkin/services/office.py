"""The office itself: the first run (office and first administrator), one-time setup links,
the office's settings and its closed days.

A setup link carries an unguessable token of which only the SHA-256 is stored
(:class:`SetupToken`); it works once and for ``SETUP_LINK_HOURS`` hours, and issuing a new
one for the same person ends their earlier unused links.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    MailDetail,
    Office,
    OfficeClosedDay,
    Role,
    SetupToken,
    StaffUser,
)
from checkin.services import audit
from checkin.services.errors import ValidationError, _l
from checkin.services.links import hash_token
from checkin.services.staff import MIN_PASSWORD, check_new_login

SETUP_LINK_HOURS = 72
SETUP_PATH = "/setup/{token}"  # the web route (checkin.web.setup), for links built outside it
# Stored instead of a password hash until the person sets one: no password ever matches it.
NO_PASSWORD = "!unset"

# Time zones offered on the settings page (Japan first); any valid IANA zone is accepted.
COMMON_TIMEZONES = [
    ("Asia/Tokyo", _l("日本")),
    ("Asia/Seoul", _l("韓国")),
    ("Asia/Shanghai", _l("中国")),
    ("Asia/Taipei", _l("台湾")),
    ("Asia/Singapore", _l("シンガポール")),
    ("Asia/Bangkok", _l("タイ")),
    ("Pacific/Honolulu", _l("ハワイ")),
    ("America/Los_Angeles", _l("アメリカ (太平洋)")),
    ("America/New_York", _l("アメリカ (東部)")),
    ("Europe/London", _l("イギリス")),
    ("Europe/Berlin", _l("ドイツ")),
    ("Australia/Sydney", _l("オーストラリア (シドニー)")),
    ("UTC", _l("協定世界時")),
]
MAIL_DETAILS = [
    (MailDetail.COUNTS, _l("件数だけ")),
    (MailDetail.INITIALS, _l("件数と利用者のイニシャル (田○ 健○)")),
    (MailDetail.NAMES, _l("件数と利用者の名前")),
]
PHONE_CHARS = re.compile(r"[0-9+\-() ]+")


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- first run and setup links -------------------------------------------------------------


@dataclass(frozen=True)
class SetupLink:
    staff: StaffUser
    token: str  # the raw token: shown once, never stored
    expires_at: datetime

    @property
    def path(self) -> str:
        return SETUP_PATH.format(token=self.token)


def create_office(
    session: Session,
    name: str,
    *,
    admin_login: str,
    admin_name: str | None = None,
    timezone: str = "Asia/Tokyo",
    now: datetime,
) -> SetupLink:
    """A new office and its first administrator (no usable password yet), with the setup
    link where that administrator chooses one."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _l("事業所の名前を入れてください。")
    elif len(name) > 200:
        errors["name"] = _l("事業所の名前は200文字までにしてください。")
    if not _valid_zone(timezone):
        errors["timezone"] = _l("タイムゾーンが正しくありません (例: Asia/Tokyo)。")
    login = check_new_login(session, admin_login, errors)
    if errors:
        raise ValidationError(errors)
    office = Office(name=name, timezone=timezone)
    staff = StaffUser(
        office=office,
        login=login,
        name=(admin_name or "").strip() or login,
        role=Role.ADMIN,
        password_hash=NO_PASSWORD,
    )
    session.add_all([office, staff])
    session.flush()
    audit.record(session, "office.create", office_id=office.id, target=office)
    audit.record(
        session, "staff.create", office_id=office.id, target=staff, detail={"role": "admin"}
    )
    return issue_setup_link(session, staff, now=now)


def issue_setup_link(
    session: Session, staff: StaffUser, *, now: datetime, actor: StaffUser | None = None
) -> SetupLink:
    """A new one-time link for ``staff``; their earlier unused links stop working."""
    for old in session.scalars(
        select(SetupToken).where(
            SetupToken.staff_id == staff.id,
            SetupToken.used_at.is_(None),
            SetupToken.expires_at > now,
        )
    ):
        old.expires_at = now
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SETUP_LINK_HOURS)
    session.add(
        SetupToken(
            staff_id=staff.id, token_hash=hash_token(token), created_at=now, expires_at=expires
        )
    )
    audit.record(session, "staff.setup_link", office_id=staff.office_id, actor=actor, target=staff)
    return SetupLink(staff, token, expires)


def find_setup_link_staff(session: Session, login: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.login == login.strip().lower()))


class SetupLinkState:
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    OK = "ok"


def setup_token(session: Session, token: str, *, now: datetime) -> tuple[str, SetupToken | None]:
    """(state, row) of a setup token: unknown, used, expired (or ended by a newer link, or
    the person's account was stopped) or ok."""
    if not token or len(token) > 128:
        return SetupLinkState.UNKNOWN, None
    row = session.scalar(select(SetupToken).where(SetupToken.token_hash == hash_token(token)))
    if row is None:
        return SetupLinkState.UNKNOWN, None
    if row.used_at is not None:
        return SetupLinkState.USED, row
    staff = session.get(StaffUser, row.staff_id)
    if row.expires_at <= now or staff is None or not staff.active:
        return SetupLinkState.EXPIRED, row
    return SetupLinkState.OK, row


def complete_setup(
    session: Session, row: SetupToken, password: str, password2: str, *, now: datetime
) -> StaffUser:
    """Set the person's password from a live setup link and use the link up."""
    errors: dict[str, str] = {}
    if len(password) < MIN_PASSWORD:
        errors["password"] = _l("パスワードは%(n)d文字以上にしてください。", n=MIN_PASSWORD)
    elif password != password2:
        errors["password2"] = _l("2つのパスワードが同じではありません。")
    if errors:
        raise ValidationError(errors)
    staff = session.get(StaffUser, row.staff_id)
    assert staff is not None
    staff.set_password(password)
    staff.must_change_password = False
    row.used_at = now
    audit.record(session, "staff.setup_password", office_id=staff.office_id, actor=staff)
    return staff


# --- settings ------------------------------------------------------------------------------


@dataclass
class OfficeForm:
    """The settings form's values as typed (strings), to show them back after an error."""

    name: str
    timezone: str
    morning_hour: str
    escalation_hour: str
    mail_detail: str
    phone: str
    open_weekdays: str
    opens_at: str
    closes_at: str

    @classmethod
    def of(cls, office: Office) -> OfficeForm:
        return cls(
            name=office.name,
            timezone=office.timezone,
            morning_hour=str(office.morning_hour),
            escalation_hour=str(office.escalation_hour),
            mail_detail=office.mail_detail.value,
            phone=office.phone or "",
            open_weekdays=office.open_weekdays,
            opens_at=office.opens_at.strftime("%H:%M") if office.opens_at else "",
            closes_at=office.closes_at.strftime("%H:%M") if office.closes_at else "",
        )


def _hour(value: str) -> int | None:
    v = value.strip()
    if not (v.isascii() and v.isdigit()) or not 0 <= int(v) <= 23:
        return None
    return int(v)


DATE_RE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")  # 2026-08-13, 2026/8/13
TIME_RE = re.compile(r"(\d{1,2})[:：](\d{2})(?::\d{2})?")


def _time(value: str) -> time | None:
    """``9:00``, ``09:00`` or ``09:00:00`` (full-width digits too); None when empty.
    Raises ValueError for anything else."""
    v = unicodedata.normalize("NFKC", value).strip()
    if not v:
        return None
    m = TIME_RE.fullmatch(v)
    if m is None:
        raise ValueError(v)
    return time(int(m.group(1)), int(m.group(2)))  # ValueError past 23:59


def normalise_phone(value: str) -> str | None:
    """Half-width digits and hyphens; None when empty. Raises ValueError when it is not a
    phone number (10 to 13 digits of 0-9, with - ( ) + and spaces)."""
    v = unicodedata.normalize("NFKC", value).strip()
    v = v.replace("−", "-").replace("ー", "-").replace("‐", "-")
    if not v:
        return None
    digits = sum(ch.isdigit() for ch in v)
    if not PHONE_CHARS.fullmatch(v) or not 10 <= digits <= 13 or len(v) > 40:
        raise ValueError(v)
    return v


def update_settings(
    session: Session, office: Office, form: OfficeForm, *, actor: StaffUser
) -> bool:
    """Validate every field and save them all, or raise ValidationError and save nothing.
    Returns whether anything changed (the change is audited, old and new values)."""
    errors: dict[str, str] = {}
    name = form.name.strip()
    if not name:
        errors["name"] = _l("事業所の名前を入れてください。")
    elif len(name) > 200:
        errors["name"] = _l("事業所の名前は200文字までにしてください。")
    tz = form.timezone.strip()
    if not _valid_zone(tz):
        errors["timezone"] = _l("タイムゾーンを一覧から選んでください。")
    morning = _hour(form.morning_hour)
    escalation = _hour(form.escalation_hour)
    if morning is None:
        errors["morning_hour"] = _l("0時から23時のあいだで選んでください。")
    if escalation is None:
        errors["escalation_hour"] = _l("0時から23時のあいだで選んでください。")
    elif morning is not None and escalation <= morning:
        errors["escalation_hour"] = _l("知らせる時刻は、朝のアラートの時刻より後にしてください。")
    try:
        detail = MailDetail(form.mail_detail)
    except ValueError:
        errors["mail_detail"] = _l("メールに書く内容を選んでください。")
    try:
        phone = normalise_phone(form.phone)
    except ValueError:
        errors["phone"] = _l("電話番号は数字とハイフンで入れてください (例: 03-1234-5678)。")
    weekdays = "".join(sorted(set(form.open_weekdays)))
    if not weekdays or any(d not in "0123456" for d in weekdays):
        errors["open_weekdays"] = _l("開いている曜日を1つ以上選んでください。")
    opens = closes = None
    try:
        opens = _time(form.opens_at)
    except ValueError:
        errors["opens_at"] = _l("時刻は 9:00 のように入れてください。")
    try:
        closes = _time(form.closes_at)
    except ValueError:
        errors["closes_at"] = _l("時刻は 9:00 のように入れてください。")
    if "opens_at" not in errors and "closes_at" not in errors:
        if (opens is None) != (closes is None):
            errors["opens_at" if opens is None else "closes_at"] = _l(
                "開く時刻と閉まる時刻を両方入れてください (どちらも空にもできます)。"
            )
        elif opens is not None and closes is not None and closes <= opens:
            errors["closes_at"] = _l("閉まる時刻は開く時刻より後にしてください。")
    if errors:
        raise ValidationError(errors)
    new = {
        "name": name,
        "timezone": tz,
        "morning_hour": morning,
        "escalation_hour": escalation,
        "mail_detail": detail,
        "phone": phone,
        "open_weekdays": weekdays,
        "opens_at": opens,
        "closes_at": closes,
    }
    changed: dict[str, list[str | None]] = {}
    for field, value in new.items():
        old = getattr(office, field)
        if old != value:
            changed[field] = [_plain(old), _plain(value)]
            setattr(office, field, value)
    if changed:
        audit.record(
            session,
            "office.settings",
            office_id=office.id,
            actor=actor,
            target=office,
            detail={"changed": changed},
        )
    return bool(changed)


def _plain(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


# --- closed days ---------------------------------------------------------------------------


def add_closed_day(
    session: Session, office: Office, day: str, note: str, *, actor: StaffUser
) -> OfficeClosedDay:
    errors: dict[str, str] = {}
    parsed = None
    try:
        m = DATE_RE.fullmatch(unicodedata.normalize("NFKC", day).strip())
        if m is None:
            raise ValueError(day)
        parsed = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        errors["closed_day"] = _l("日付を 2026-12-29 のように入れてください。")
    note = note.strip()
    if len(note) > 200:
        errors["closed_note"] = _l("メモは200文字までにしてください。")
    if parsed is not None and session.scalar(
        select(OfficeClosedDay.id).where(
            OfficeClosedDay.office_id == office.id, OfficeClosedDay.day == parsed
        )
    ):
        errors["closed_day"] = _l("この日はすでに休みの日に入っています。")
    if errors or parsed is None:
        raise ValidationError(errors)
    row = OfficeClosedDay(office_id=office.id, day=parsed, note=note or None)
    session.add(row)
    session.flush()
    audit.record(
        session,
        "office.closed_day.add",
        office_id=office.id,
        actor=actor,
        target=row,
        detail={"day": parsed.isoformat(), "note": note or None},
    )
    return row


def remove_closed_day(session: Session, row: OfficeClosedDay, *, actor: StaffUser) -> None:
    audit.record(
        session,
        "office.closed_day.remove",
        office_id=row.office_id,
        actor=actor,
        detail={"day": row.day.isoformat(), "note": row.note},
    )
    session.delete(row)


def upcoming_closed_days(session: Session, office_id: int, today: date) -> list[OfficeClosedDay]:
    return list(
        session.scalars(
            select(OfficeClosedDay)
            .where(OfficeClosedDay.office_id == office_id, OfficeClosedDay.day >= today)
            .order_by(OfficeClosedDay.day)
        )
    )


def is_closed(session: Session, office_id: int, day: date) -> bool:
    return (
        session.scalar(
            select(OfficeClosedDay.id).where(
                OfficeClosedDay.office_id == office_id, OfficeClosedDay.day == day
            )
        )
        is not None
    )


def load_closed_days(
    session: Session, office_ids: Sequence[int], start: date, end: date
) -> pd.DataFrame:
    """The offices' closed days from ``start`` to ``end`` (inclusive) as ``office_id, date``
    rows, for the signals (no client is expected to answer on a closed day)."""
    rows = session.execute(
        select(OfficeClosedDay.office_id, OfficeClosedDay.day).where(
            OfficeClosedDay.office_id.in_(office_ids),
            OfficeClosedDay.day >= start,
            OfficeClosedDay.day <= end,
        )
    ).all()
    return pd.DataFrame(
        {
            "office_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "date": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)),
        }
    )
