"""Contact records, consents and what an employer may see (支援の見える化, privacy first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    MEETING_KINDS,
    Attendee,
    CheckIn,
    Client,
    ClientStatus,
    Consent,
    ConsentScope,
    Contact,
    ContactKind,
    Disclosure,
    Employer,
    EmployerUser,
    Flag,
    StaffUser,
)
from checkin.services import audit
from checkin.services.errors import NotFound, ValidationError, _l

NOTE_MAX = 2000


def record_contact(
    session: Session,
    staff: StaffUser,
    client: Client,
    *,
    kind: str,
    occurred_at: datetime,
    note: str | None,
    flag_id: int | None,
    now: datetime,
    meeting: MeetingInput | None = None,
) -> Contact:
    """One contact; a meeting (face to face or video) with its details in the same record.

    ``meeting`` None (a form without the meeting fields, e.g. the alert list's quick form):
    the client and the supporter attended, nothing else is known. A video meeting needs
    the reason it was not face to face and the supporter's word that the conditions held.
    """
    errors: dict[str, str] = {}
    try:
        contact_kind = ContactKind(kind)
    except ValueError:
        errors["kind"] = _l("連絡の種類を選んでください。")
        contact_kind = ContactKind.CALL
    details = _meeting_details(contact_kind, meeting or MeetingInput(), errors)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        errors["note"] = _l("メモは%(n)d文字までにしてください。", n=NOTE_MAX)
    if occurred_at.year < now.year - 100:  # year 0001 would not even convert to UTC
        errors["occurred_at"] = _l("日時が古すぎます。日付を確かめてください。")
    elif occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = _l("未来の日時は記録できません。")
    if flag_id is not None:
        flag = session.get(Flag, flag_id)
        if flag is None or flag.client_id != client.id:
            errors["flag_id"] = _l("この利用者のアラートではありません。")
    if errors:
        raise ValidationError(errors)
    contact = Contact(
        office_id=client.office_id,
        client_id=client.id,
        staff_id=staff.id,
        kind=contact_kind,
        occurred_at=occurred_at,
        note=note,
        flag_id=flag_id,
        created_at=now,
        updated_at=now,
        **details,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        "contact.create",
        office_id=client.office_id,
        actor=staff,
        target=contact,
        client_id=client.id,
        detail={"kind": contact_kind.value},
    )
    return contact


PLACE_MAX = 200
NAME_MAX = 200
VIDEO_REASON_MAX = 300


@dataclass(frozen=True)
class MeetingInput:
    """A meeting's fields as a form sent them (``attendees`` None: not asked)."""

    place: str | None = None
    attendees: list[str] | None = None
    employer_attendee: str | None = None
    video_reason: str | None = None
    video_conditions: bool = False


def _meeting_details(
    kind: ContactKind, m: MeetingInput, errors: dict[str, str]
) -> dict[str, object]:
    """The columns of a meeting (empty for other kinds), adding to ``errors``."""
    if kind not in MEETING_KINDS:
        return {}
    place = (m.place or "").strip() or None
    if place is not None and len(place) > PLACE_MAX:
        errors["place"] = _l("場所は%(n)d文字までにしてください。", n=PLACE_MAX)
    if m.attendees is None:
        attendees = [Attendee.CLIENT.value, Attendee.SUPPORTER.value]
    else:
        known = {a.value for a in Attendee}
        if any(a not in known for a in m.attendees):
            errors["attendees"] = _l("出席した人を選びなおしてください。")
        attendees = [a.value for a in Attendee if a.value in m.attendees]
        if Attendee.CLIENT.value not in attendees:
            errors["attendees"] = _l("面談は本人との面談です。「本人」を選んでください。")
    employer_attendee = (m.employer_attendee or "").strip() or None
    if employer_attendee is not None and len(employer_attendee) > NAME_MAX:
        errors["employer_attendee"] = _l(
            "企業の方の名前は%(n)d文字までにしてください。", n=NAME_MAX
        )
    if Attendee.EMPLOYER.value not in attendees:
        employer_attendee = None
    details: dict[str, object] = {
        "place": place,
        "attendees": attendees,
        "employer_attendee": employer_attendee,
    }
    if kind == ContactKind.VIDEO:
        reason = (m.video_reason or "").strip() or None
        if reason is None:
            errors["video_reason"] = _l(
                "オンライン面談は、対面でできなかった理由を書いてください (例: 遠方の職場)。"
            )
        elif len(reason) > VIDEO_REASON_MAX:
            errors["video_reason"] = _l("理由は%(n)d文字までにしてください。", n=VIDEO_REASON_MAX)
        if not m.video_conditions:
            errors["video_conditions"] = _l(
                "オンライン面談は、たがいに話せて本人の様子が見え、本人が望み負担がないことを"
                "確かめてください。"
            )
        details.update(video_reason=reason, video_conditions=bool(m.video_conditions))
    return details


def add_consent(
    session: Session,
    staff: StaffUser,
    client: Client,
    *,
    employer_id: int | None,
    agency_name: str | None,
    scopes: list[str],
    evidence: str,
    now: datetime,
) -> Consent:
    errors: dict[str, str] = {}
    valid = [s for s in scopes if s in {c.value for c in ConsentScope}]
    if not valid or len(valid) != len(scopes):
        errors["scopes"] = _l("共有してよい内容を1つ以上選んでください。")
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = _l("同意の根拠 (同意書の番号など) を入れてください。")
    agency_name = (agency_name or "").strip() or None
    if employer_id is not None:
        employer = session.get(Employer, employer_id)
        if employer is None or employer.office_id != client.office_id:
            errors["employer_id"] = _l("この事業所の企業を選んでください。")
        elif client.disclosure == Disclosure.CLOSED:
            errors["employer_id"] = _l("クローズ就労の利用者の情報は、企業には共有できません。")
    elif agency_name is None:
        errors["employer_id"] = _l("共有する相手 (企業か関係機関) を選んでください。")
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        office_id=client.office_id,
        client_id=client.id,
        recipient_type="employer" if employer_id is not None else "agency",
        employer_id=employer_id,
        agency_name=agency_name if employer_id is None else None,
        scopes=sorted(valid),
        evidence=evidence,
        recorded_by_id=staff.id,
        recorded_at=now,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        "consent.create",
        office_id=client.office_id,
        actor=staff,
        target=consent,
        client_id=client.id,
        detail={
            "scopes": consent.scopes,
            "employer_id": employer_id,
            "agency": consent.agency_name,
        },
    )
    return consent


def revoke_consent(
    session: Session, staff: StaffUser, consent_id: int, *, now: datetime
) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.office_id != staff.office_id:
        raise NotFound()
    if consent.revoked_at is None:
        consent.revoked_at = now
        consent.revoked_by_id = staff.id
        audit.record(
            session,
            "consent.revoke",
            office_id=consent.office_id,
            actor=staff,
            target=consent,
            client_id=consent.client_id,
            detail={
                "scopes": consent.scopes,
                "employer_id": consent.employer_id,
                "agency": consent.agency_name,
            },
        )
    return consent


def employer_scopes(session: Session, user: EmployerUser, client: Client) -> frozenset[str]:
    """What this employer account may see of this client right now; empty means nothing.

    All must hold: the account is active, the client works for its employer, the client's
    employment is open (never closed employment), the client is in service, and a
    consent naming this employer is not revoked.
    """
    if not user.active or client.employer_id != user.employer_id:
        return frozenset()
    if client.disclosure != Disclosure.OPEN or client.status == ClientStatus.ENDED:
        return frozenset()
    scopes: set[str] = set()
    for consent in session.scalars(
        select(Consent).where(
            Consent.client_id == client.id,
            Consent.employer_id == user.employer_id,
            Consent.revoked_at.is_(None),
        )
    ):
        scopes.update(consent.scopes)
    return frozenset(scopes)


def employer_clients(session: Session, user: EmployerUser) -> list[tuple[Client, frozenset[str]]]:
    candidates = session.scalars(
        select(Client).where(Client.employer_id == user.employer_id).order_by(Client.name)
    )
    out = []
    for client in candidates:
        scopes = employer_scopes(session, user, client)
        if scopes:
            out.append((client, scopes))
    return out


@dataclass(frozen=True)
class Week:
    start: date
    expected: int
    answered: int
    mood: float | None
    fatigue: float | None
    sleep_hours: float | None
    flags: int
    notes: tuple[tuple[date, str], ...]

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.expected if self.expected else None


def weekly_summary(session: Session, client: Client, *, today: date, weeks: int = 8) -> list[Week]:
    """Week-by-week averages (Monday to Sunday) up to yesterday, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    entries = session.scalars(
        select(CheckIn).where(
            CheckIn.client_id == client.id, CheckIn.local_date >= first, CheckIn.local_date < today
        )
    ).all()
    flags = session.scalars(
        select(Flag.first_date).where(Flag.client_id == client.id, Flag.first_date >= first)
    ).all()
    out = []
    for w in range(weeks):
        start = first + timedelta(weeks=w)
        days = [start + timedelta(days=i) for i in range(7)]
        expected = sum(1 for d in days if d < today and str(d.weekday()) in client.checkin_weekdays)
        mine = [e for e in entries if start <= e.local_date < start + timedelta(days=7)]

        def mean(values: list[float]) -> float | None:
            return round(sum(values) / len(values), 1) if values else None

        out.append(
            Week(
                start=start,
                expected=expected,
                # Answers on the client's expected days only, so the rate never exceeds 100 %
                # (a Saturday check-in still counts in the averages).
                answered=sum(
                    1 for e in mine if str(e.local_date.weekday()) in client.checkin_weekdays
                ),
                mood=mean([e.mood for e in mine]),
                fatigue=mean([e.fatigue for e in mine]),
                sleep_hours=mean([float(e.sleep_hours) for e in mine if e.sleep_hours is not None]),
                flags=sum(1 for f in flags if start <= f < start + timedelta(days=7)),
                notes=tuple(
                    (e.local_date, e.note)
                    for e in sorted(mine, key=lambda e: e.local_date)
                    if e.note
                ),
            )
        )
    return out


def create_employer_user(
    session: Session, staff: StaffUser, employer: Employer, *, login: str, name: str, password: str
) -> EmployerUser:
    from checkin.services.staff import check_account

    login = check_account(session, login=login, name=name, password=password)
    user = EmployerUser(employer_id=employer.id, login=login, name=name.strip())
    user.set_password(password)
    user.must_change_password = True  # the office knows it: the person chooses theirs
    session.add(user)
    session.flush()
    audit.record(
        session, "employer_user.create", office_id=employer.office_id, actor=staff, target=user
    )
    return user


def deactivate_employer_user(session: Session, staff: StaffUser, user: EmployerUser) -> None:
    """The account can no longer log in; an open session ends on its next request."""
    if not user.active:
        return
    user.active = False
    audit.record(
        session,
        "employer_user.deactivate",
        office_id=user.employer.office_id,
        actor=staff,
        target=user,
    )


def reactivate_employer_user(session: Session, staff: StaffUser, user: EmployerUser) -> None:
    """A stopped account can log in again (with its old password)."""
    if user.active:
        return
    user.active = True
    audit.record(
        session,
        "employer_user.reactivate",
        office_id=user.employer.office_id,
        actor=staff,
        target=user,
    )


def reset_employer_password(
    session: Session, staff: StaffUser, user: EmployerUser, password: str
) -> None:
    """A password chosen by the office: ends the person's sessions and must be changed at
    the next login."""
    from checkin.services.staff import check_password_strength

    check_password_strength(password)
    user.set_password(password)
    user.must_change_password = True
    audit.record(
        session,
        "employer_user.reset_password",
        office_id=user.employer.office_id,
        actor=staff,
        target=user,
    )


def employer_user_by_login(session: Session, login: str) -> EmployerUser | None:
    return session.scalar(select(EmployerUser).where(EmployerUser.login == login.strip().lower()))


def authenticate_employer(session: Session, login: str, password: str) -> EmployerUser | None:
    from checkin.services.staff import check_dummy_password

    user = employer_user_by_login(session, login)
    if user is None:
        check_dummy_password(password)  # an unknown login costs what a known one does
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user
