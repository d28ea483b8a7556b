"""Staff accounts: creation and authentication."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import EmployerUser, Office, Role, StaffLeave, StaffUser
from checkin.services import audit
from checkin.services.errors import ValidationError, _l

LOGIN_RE = re.compile(r"[a-z0-9._-]{3,40}")

# A fixed hash to compare against when the login is unknown, so that a wrong login and a
# wrong password take the same time.
_DUMMY = StaffUser(password_hash="")
_DUMMY.set_password("not-a-real-password")


def create_staff(
    session: Session,
    office: Office,
    *,
    login: str,
    name: str,
    password: str,
    role: Role = Role.SUPPORTER,
    email: str | None = None,
) -> StaffUser:
    staff = StaffUser(office=office, login=login.strip().lower(), name=name, role=role, email=email)
    staff.set_password(password)
    session.add(staff)
    return staff


def office_staff(session: Session, office_id: int, *, active_only: bool = True) -> list[StaffUser]:
    """An office's staff by name (the active ones unless asked otherwise)."""
    q = select(StaffUser).where(StaffUser.office_id == office_id)
    if active_only:
        q = q.where(StaffUser.active.is_(True))
    return list(session.scalars(q.order_by(StaffUser.name)))


def staff_by_login(session: Session, login: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.login == login.strip().lower()))


def check_dummy_password(password: str) -> None:
    """Spend the time of one password check: an unknown login costs what a known one does."""
    _DUMMY.check_password(password)


def authenticate(session: Session, login: str, password: str) -> StaffUser | None:
    staff = staff_by_login(session, login)
    if staff is None:
        check_dummy_password(password)
        return None
    if not staff.check_password(password) or not staff.active:
        return None
    return staff


MIN_PASSWORD = 10


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            {"password": _l("パスワードは%(n)d文字以上にしてください。", n=MIN_PASSWORD)}
        )


def check_new_login(session: Session, login: str, errors: dict[str, str]) -> str:
    """A new account's login, normalised; what is wrong with it goes into ``errors``."""
    login = login.strip().lower()
    if not LOGIN_RE.fullmatch(login):
        errors["login"] = _l("ログインIDは半角英数字と . _ - で3〜40文字にしてください。")
    elif session.scalar(select(StaffUser.id).where(StaffUser.login == login)) or session.scalar(
        select(EmployerUser.id).where(EmployerUser.login == login)
    ):
        errors["login"] = _l("このログインIDはすでに使われています。")
    return login


def check_account(session: Session, *, login: str, name: str, password: str) -> str:
    """Validate a new account's fields (staff or employer: logins are unique across both,
    so nobody wonders which login page to use). Returns the normalised login."""
    errors: dict[str, str] = {}
    login = check_new_login(session, login, errors)
    if not name.strip():
        errors["name"] = _l("名前を入れてください。")
    if len(password) < MIN_PASSWORD:
        errors["password"] = _l("パスワードは%(n)d文字以上にしてください。", n=MIN_PASSWORD)
    if errors:
        raise ValidationError(errors)
    return login


def new_staff(
    session: Session,
    office: Office,
    *,
    login: str,
    name: str,
    password: str,
    role: Role,
    email: str | None,
    actor: StaffUser,
) -> StaffUser:
    login = check_account(session, login=login, name=name, password=password)
    staff = create_staff(
        session,
        office,
        login=login,
        name=name.strip(),
        password=password,
        role=role,
        email=(email or "").strip() or None,
    )
    staff.must_change_password = True  # the administrator knows it: the person chooses theirs
    session.flush()
    audit.record(
        session,
        "staff.create",
        office_id=office.id,
        actor=actor,
        target=staff,
        detail={"role": role.value},
    )
    return staff


def may_manage(actor: StaffUser, target: StaffUser) -> bool:
    """Whether ``actor`` may act on ``target``'s account (password, deactivation,
    reactivation, role, leave): the same office, and an administrator's account only by an
    administrator, so that a service manager cannot take an administrator's place."""
    if actor.office_id != target.office_id:
        return False
    return target.role != Role.ADMIN or actor.role == Role.ADMIN


def deactivate(session: Session, staff: StaffUser, *, actor: StaffUser) -> None:
    """Access ends at once (sessions are checked on every request); records stay."""
    if staff.id == actor.id:
        raise ValidationError({"staff": _l("自分のアカウントは停止できません。")})
    staff.active = False
    audit.record(session, "staff.deactivate", office_id=staff.office_id, actor=actor, target=staff)


def reactivate(session: Session, staff: StaffUser, *, actor: StaffUser) -> None:
    """A stopped account can log in again (with its old password)."""
    if staff.active:
        return
    staff.active = True
    audit.record(session, "staff.reactivate", office_id=staff.office_id, actor=actor, target=staff)


def reset_password(session: Session, staff: StaffUser, password: str, *, actor: StaffUser) -> None:
    check_password_strength(password)
    staff.set_password(password)  # also ends the staff member's existing sessions
    staff.must_change_password = True  # chosen by someone else: to be changed at login
    audit.record(
        session, "staff.reset_password", office_id=staff.office_id, actor=actor, target=staff
    )


def change_own_password(
    session: Session,
    account: StaffUser | EmployerUser,
    *,
    current: str,
    new: str,
    again: str,
    office_id: int,
) -> None:
    """A person changes their own password: the current one, the new one twice, at least
    ``MIN_PASSWORD`` characters and not the current one. Ends their other sessions (the
    caller signs this one in again) and lifts a forced change. Audited."""
    errors: dict[str, str] = {}
    if not account.check_password(current):
        errors["current"] = _l("いまのパスワードが違います。")
    if len(new) < MIN_PASSWORD:
        errors["new"] = _l("パスワードは%(n)d文字以上にしてください。", n=MIN_PASSWORD)
    elif new != again:
        errors["again"] = _l("新しいパスワードが2回とも同じになっていません。")
    elif not errors and new == current:
        errors["new"] = _l("いまと違うパスワードにしてください。")
    if errors:
        raise ValidationError(errors)
    account.set_password(new)
    account.must_change_password = False
    kind = "staff" if isinstance(account, StaffUser) else "employer"
    audit.record(
        session,
        f"{kind}.password_change",
        office_id=office_id,
        actor_type=kind,
        actor_id=account.id,
        target=account,
    )


def add_leave(
    session: Session, staff: StaffUser, starts_on: date, ends_on: date, *, actor: StaffUser
) -> StaffLeave:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _l("終わりの日が始まりの日より前になっています。")})
    leave = StaffLeave(staff_id=staff.id, starts_on=starts_on, ends_on=ends_on)
    session.add(leave)
    audit.record(
        session,
        "staff.leave",
        office_id=staff.office_id,
        actor=actor,
        target=staff,
        detail={"from": str(starts_on), "to": str(ends_on)},
    )
    return leave


def set_role(session: Session, staff: StaffUser, role: Role, *, actor: StaffUser) -> None:
    """Change a staff member's role. Only an admin grants or removes the admin role, and
    nobody removes their own admin role (an office must keep someone who can manage it)."""
    if staff.role == role:
        return
    if Role.ADMIN in (role, staff.role) and actor.role != Role.ADMIN:
        raise ValidationError({"role": _l("管理者の役割を変えられるのは管理者だけです。")})
    if staff.id == actor.id and staff.role == Role.ADMIN:
        raise ValidationError({"role": _l("自分の管理者の役割は外せません。")})
    old = staff.role
    staff.role = role
    audit.record(
        session,
        "staff.role",
        office_id=staff.office_id,
        actor=actor,
        target=staff,
        detail={"from": old.value, "to": role.value},
    )


EMAIL_MAX = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def set_email(session: Session, staff: StaffUser, email: str, *, actor: StaffUser) -> None:
    """Set (or, empty, remove) the address urgent requests and digests are mailed to."""
    email = email.strip()
    if email and (len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email)):
        raise ValidationError(
            {"email": _l("メールアドレスの形になっていません (例: sato@example.jp)。")}
        )
    old = staff.email
    staff.email = email or None
    if old == staff.email:
        return
    audit.record(
        session,
        "staff.email",
        office_id=staff.office_id,
        actor=actor,
        target=staff,
        detail={"set": staff.email is not None},
    )
