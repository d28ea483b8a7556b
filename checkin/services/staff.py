"""Staff accounts: creation and authentication."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Office, Role, StaffUser

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


def authenticate(session: Session, login: str, password: str) -> StaffUser | None:
    staff = session.scalar(select(StaffUser).where(StaffUser.login == login.strip().lower()))
    if staff is None:
        _DUMMY.check_password(password)
        return None
    if not staff.check_password(password) or not staff.active:
        return None
    return staff
