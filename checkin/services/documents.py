"""Client documents: one versioning rule, one confirm-by-the-client flow, one print path.

The monthly support report, the support plan, the handover package, the assessments and the
resource map are all :class:`~checkin.models.ClientDocument` rows. Each kind registers a
:class:`KindSpec` (its title, its sections, whether the service manager approves it and the
client confirms it, which consent scope lets the employer see it) and everything else - the
staff editor, the client's confirm page, the print page and its PDF, the employer's page,
the audit trail - is shared.

The versioning rule
    A *series* is (client, kind, period, side). Its versions are 1, 2, ...; one is current.
    While a version is a draft, sent or returned, staff edit it in place: every save raises
    ``revision``, and a save that carries an older revision (a second tab, a stale form) is
    refused with :class:`DocumentConflict` - never a silent overwrite. Editing a version
    that was sent takes it back to a draft (the client no longer sees it until it is sent
    again). A confirmed version is locked (:class:`DocumentLocked`); a correction is
    :func:`revise`, a new draft version copied from it, and the confirmed one stays readable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import (
    Client,
    ClientDocument,
    ConsentScope,
    DocKind,
    DocSide,
    DocStatus,
    EmployerUser,
    StaffUser,
)
from checkin.services import audit
from checkin.services.errors import ValidationError, _l

SECTION_MAX_CHARS = 4000
COMMENT_MAX_CHARS = 1000
CHANNELS = ("web", "line", "paper")


class DocumentConflict(Exception):
    """The form was made from an older revision: someone else saved in between."""


class DocumentLocked(Exception):
    """The version is confirmed (or superseded): it is never changed again."""


@dataclass(frozen=True)
class Section:
    """One part of a document as people read it."""

    key: str
    title: str
    text: str = ""
    shareable: bool = True  # may reach the employer, if the client does not untick it
    editable: bool = True  # staff write it in the generic editor (else it is generated)
    help: str | None = None
    client_title: str | None = None  # the plain-Japanese heading on the client's page


def text_sections(
    parts: list[tuple[str, str, bool]], *, client_titles: Mapping[str, str] | None = None
) -> Callable[[ClientDocument], list[Section]]:
    """The sections of a kind made of free-text parts: (key, title, shareable)."""
    titles = client_titles or {}

    def sections(doc: ClientDocument) -> list[Section]:
        return [
            Section(
                key,
                title,
                str(doc.body.get(key) or ""),
                shareable=shareable,
                client_title=titles.get(key),
            )
            for key, title, shareable in parts
        ]

    return sections


@dataclass(frozen=True)
class KindSpec:
    kind: DocKind
    title: str  # for staff: 「支援レポート」
    client_title: str  # for the client, in plain Japanese: 「こんげつの ふりかえり」
    sections: Callable[[ClientDocument], list[Section]]
    needs_approval: bool = False  # the service manager approves it before it is sent
    client_confirms: bool = True
    employer_scope: ConsentScope | None = None
    body_template: str | None = None  # a partial rendering ``doc`` read-only
    staff_actions: str | None = None  # a partial of the kind's own buttons on the staff view
    period_label: Callable[[str], str] = field(default=lambda period: period)
    # Whose versions the client may read on their documents page (an assessment: only
    # their own answers; the supporter's and the employer's stay with the office).
    client_sides: tuple[DocSide, ...] = (DocSide.STAFF, DocSide.CLIENT)
    # A kind with its own staff form (structured content): the generic editor sends there.
    edit_url: Callable[[ClientDocument], str] | None = None


_KINDS: dict[DocKind, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    _KINDS[spec.kind] = spec
    return spec


def spec_for(kind: DocKind | str) -> KindSpec:
    kind = DocKind(kind)
    if kind not in _KINDS:
        _load_kinds()
    return _KINDS[kind]


def _load_kinds() -> None:
    """Import the modules that register kinds (they import this one)."""
    import importlib

    for module in KIND_MODULES:
        importlib.import_module(module)


# Each feature's module registers its kind when imported.
KIND_MODULES: list[str] = [
    "checkin.services.reports",
    "checkin.services.assessment_docs",
    "checkin.services.resource_map",
    "checkin.services.plans",
    "checkin.services.handover",
]


def sections_of(doc: ClientDocument) -> list[Section]:
    return spec_for(doc.kind).sections(doc)


# --- reading ---------------------------------------------------------------------------


def series(
    session: Session, client_id: int, kind: DocKind, period: str, side: DocSide = DocSide.STAFF
) -> list[ClientDocument]:
    """Every version of one series, newest first."""
    return list(
        session.scalars(
            select(ClientDocument)
            .where(
                ClientDocument.client_id == client_id,
                ClientDocument.kind == kind,
                ClientDocument.period == period,
                ClientDocument.side == side,
            )
            .order_by(ClientDocument.version.desc())
        )
    )


def current(
    session: Session, client_id: int, kind: DocKind, period: str, side: DocSide = DocSide.STAFF
) -> ClientDocument | None:
    return session.scalars(
        select(ClientDocument).where(
            ClientDocument.client_id == client_id,
            ClientDocument.kind == kind,
            ClientDocument.period == period,
            ClientDocument.side == side,
            ClientDocument.current.is_(True),
        )
    ).first()


def latest(
    session: Session,
    client_id: int,
    kind: DocKind,
    *,
    status: DocStatus | None = None,
    side: DocSide | None = None,
) -> ClientDocument | None:
    """The current version of the client's newest series of a kind (by period)."""
    q = select(ClientDocument).where(
        ClientDocument.client_id == client_id,
        ClientDocument.kind == kind,
        ClientDocument.current.is_(True),
    )
    if status is not None:
        q = q.where(ClientDocument.status == status)
    if side is not None:
        q = q.where(ClientDocument.side == side)
    return session.scalars(
        q.order_by(ClientDocument.period.desc(), ClientDocument.id.desc())
    ).first()


def awaiting_client(session: Session, client_id: int) -> list[ClientDocument]:
    """What the client is asked to read and confirm now."""
    return list(
        session.scalars(
            select(ClientDocument)
            .where(
                ClientDocument.client_id == client_id,
                ClientDocument.current.is_(True),
                ClientDocument.status == DocStatus.SENT,
            )
            .order_by(ClientDocument.sent_at)
        )
    )


def employer_sections(doc: ClientDocument) -> list[Section]:
    """What of a confirmed document may reach the employer: the shareable sections the
    client did not untick. The caller checks the consent scope and closed employment."""
    if doc.status != DocStatus.CONFIRMED:
        return []
    private = set(doc.private_items or [])
    return [s for s in sections_of(doc) if s.shareable and s.key not in private]


def employer_documents(
    session: Session, client: Client, scopes: frozenset[str]
) -> list[ClientDocument]:
    """The confirmed documents whose kind the employer's consent scopes cover, newest
    first. The caller has checked the consent (``support.employer_scopes``)."""
    _load_kinds()
    kinds = [k for k, spec in _KINDS.items() if spec.employer_scope in scopes]
    if not kinds:
        return []
    return list(
        session.scalars(
            select(ClientDocument)
            .where(
                ClientDocument.client_id == client.id,
                ClientDocument.kind.in_(kinds),
                ClientDocument.side == DocSide.STAFF,
                ClientDocument.current.is_(True),
                ClientDocument.status == DocStatus.CONFIRMED,
            )
            .order_by(ClientDocument.period.desc(), ClientDocument.id.desc())
            .limit(24)
        )
    )


def employer_may_see(doc: ClientDocument, scopes: frozenset[str]) -> bool:
    spec = spec_for(doc.kind)
    return (
        spec.employer_scope is not None
        and spec.employer_scope in scopes
        and doc.side == DocSide.STAFF
        and doc.current
        and doc.status == DocStatus.CONFIRMED
    )


# --- changing ----------------------------------------------------------------------------


def _clean_body(doc: ClientDocument, body: Mapping[str, Any]) -> dict[str, Any]:
    """The new body: editable text sections from ``body`` checked, the rest kept."""
    out = dict(doc.body or {})
    errors: dict[str, str] = {}
    editable = {s.key for s in sections_of(doc) if s.editable}
    for key, value in body.items():
        if key not in editable:
            out[key] = value  # structured or generated parts: the kind's own module checks
            continue
        text = str(value or "").replace("\r\n", "\n").strip()
        if "\x00" in text:
            errors[key] = _l("使えない文字 (NUL) が入っています。")
        elif len(text) > SECTION_MAX_CHARS:
            errors[key] = _l("長すぎます。%(n)d文字までにしてください。", n=SECTION_MAX_CHARS)
        out[key] = text
    if errors:
        raise ValidationError(errors)
    return out


def _record(
    session: Session,
    action: str,
    doc: ClientDocument,
    *,
    by: StaffUser | None = None,
    actor_type: str | None = None,
    actor_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        action,
        office_id=doc.office_id,
        actor=by,
        actor_type=actor_type,
        actor_id=actor_id,
        target=doc,
        client_id=doc.client_id,
        detail={"kind": doc.kind.value, "period": doc.period, "version": doc.version}
        | (detail or {}),
    )


def start(
    session: Session,
    client: Client,
    kind: DocKind,
    period: str,
    body: Mapping[str, Any],
    *,
    by: StaffUser | None,
    now: datetime,
    side: DocSide = DocSide.STAFF,
    employer_user: EmployerUser | None = None,
) -> ClientDocument:
    """The series' open version if there is one, else a new version (1, or the next after
    a confirmed one) holding ``body``."""
    existing = current(session, client.id, kind, period, side)
    if existing is not None and not existing.locked:
        return existing
    last = session.scalar(
        select(func.max(ClientDocument.version)).where(
            ClientDocument.client_id == client.id,
            ClientDocument.kind == kind,
            ClientDocument.period == period,
            ClientDocument.side == side,
        )
    )
    if existing is not None:
        existing.current = False
    doc = ClientDocument(
        office_id=client.office_id,
        client_id=client.id,
        kind=kind,
        period=period,
        side=side,
        version=(last or 0) + 1,
        current=True,
        status=DocStatus.DRAFT,
        body={},
        private_items=[],
        revision=1,
        created_at=now,
        created_by_id=by.id if by is not None else None,
        employer_user_id=employer_user.id if employer_user is not None else None,
        updated_at=now,
        updated_by_id=by.id if by is not None else None,
    )
    doc.client = client
    doc.body = _clean_body(doc, body)
    session.add(doc)
    session.flush()
    _record(
        session,
        "document.create",
        doc,
        by=by,
        actor_type="employer" if employer_user is not None else None,
        actor_id=employer_user.id if employer_user is not None else None,
    )
    return doc


def save(
    session: Session,
    doc: ClientDocument,
    body: Mapping[str, Any],
    *,
    revision: int,
    by: StaffUser | None,
    now: datetime,
) -> ClientDocument:
    if doc.locked:
        raise DocumentLocked
    if revision != doc.revision:
        raise DocumentConflict
    doc.body = _clean_body(doc, body)
    doc.revision += 1
    doc.updated_at = now
    doc.updated_by_id = by.id if by is not None else None
    was_sent = doc.status in (DocStatus.SENT, DocStatus.RETURNED)
    if was_sent:
        doc.status = DocStatus.DRAFT  # the client sees it again only when it is sent again
    if spec_for(doc.kind).needs_approval:
        doc.approved_at = None
        doc.approved_by_id = None
    _record(session, "document.save", doc, by=by, detail={"revision": doc.revision})
    return doc


def approve(session: Session, doc: ClientDocument, *, by: StaffUser, now: datetime) -> None:
    if doc.locked:
        raise DocumentLocked
    doc.approved_at = now
    doc.approved_by_id = by.id
    _record(session, "document.approve", doc, by=by)


def send(
    session: Session,
    doc: ClientDocument,
    *,
    by: StaffUser | None,
    now: datetime,
    actor_type: str | None = None,
    actor_id: int | None = None,
) -> None:
    """Ask the client to read and confirm it (a kind the client does not confirm is
    finished here instead). ``by`` is None when the client or the employer hands in their
    own version (an assessment): ``actor_type``/``actor_id`` say who then."""
    if doc.locked:
        raise DocumentLocked
    spec = spec_for(doc.kind)
    if spec.needs_approval and doc.approved_at is None:
        raise ValidationError({"approval": _l("サービス管理責任者の承認がまだです。")})
    doc.sent_at = now
    doc.sent_by_id = by.id if by is not None else None
    doc.client_comment = None
    doc.client_comment_at = None
    if spec.client_confirms:
        doc.status = DocStatus.SENT
        _record(session, "document.send", doc, by=by, actor_type=actor_type, actor_id=actor_id)
    else:
        doc.status = DocStatus.CONFIRMED
        doc.confirmed_at = now
        doc.confirmed_channel = None
        _record(session, "document.finish", doc, by=by, actor_type=actor_type, actor_id=actor_id)


def confirm(
    session: Session,
    doc: ClientDocument,
    *,
    channel: str,
    private_items: list[str],
    now: datetime,
    by: StaffUser | None = None,
) -> None:
    """The client confirmed it (on their page, through LINE, or on paper recorded by
    staff). ``private_items``: the section keys not to share with the employer."""
    if doc.locked:
        raise DocumentLocked
    if doc.status != DocStatus.SENT and channel != "paper":
        raise ValidationError({"status": _l("この書類は いま 確認を お願いしていません。")})
    if channel not in CHANNELS:
        raise ValidationError({"channel": _l("確認の方法が正しくありません。")})
    shareable = {s.key for s in sections_of(doc) if s.shareable}
    unknown = [k for k in private_items if k not in shareable]
    if unknown:
        raise ValidationError({"private_items": _l("項目の指定が正しくありません。")})
    doc.status = DocStatus.CONFIRMED
    doc.confirmed_at = now
    doc.confirmed_channel = channel
    doc.private_items = sorted(set(private_items))
    _record(
        session,
        "document.confirm",
        doc,
        by=by,
        actor_type=None if by is not None else "client",
        actor_id=None if by is not None else doc.client_id,
        detail={"channel": channel, "private_items": doc.private_items},
    )


def return_with_comment(
    session: Session, doc: ClientDocument, comment: str, *, channel: str, now: datetime
) -> None:
    """The client says something is wrong: back to staff with the client's words."""
    if doc.locked:
        raise DocumentLocked
    if doc.status != DocStatus.SENT:
        raise ValidationError({"status": _l("この書類は いま 確認を お願いしていません。")})
    text = (comment or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"comment": _l("どこが ちがうか 書いてください。")})
    if "\x00" in text:
        raise ValidationError({"comment": _l("使えない文字 (NUL) が入っています。")})
    if len(text) > COMMENT_MAX_CHARS:
        raise ValidationError(
            {"comment": _l("長すぎます。%(n)d文字までにしてください。", n=COMMENT_MAX_CHARS)}
        )
    doc.status = DocStatus.RETURNED
    doc.client_comment = text
    doc.client_comment_at = now
    _record(
        session,
        "document.return",
        doc,
        actor_type="client",
        actor_id=doc.client_id,
        detail={"channel": channel},
    )


def revise(
    session: Session, doc: ClientDocument, *, by: StaffUser, now: datetime
) -> ClientDocument:
    """A correction of a confirmed version: a new draft version copied from it."""
    if not doc.current:
        raise DocumentLocked
    if doc.status != DocStatus.CONFIRMED:
        return doc  # still open: edit it in place
    doc.current = False
    new = ClientDocument(
        office_id=doc.office_id,
        client_id=doc.client_id,
        kind=doc.kind,
        period=doc.period,
        side=doc.side,
        version=doc.version + 1,
        current=True,
        status=DocStatus.DRAFT,
        body=dict(doc.body or {}),
        private_items=list(doc.private_items or []),
        revision=1,
        created_at=now,
        created_by_id=by.id,
        employer_user_id=doc.employer_user_id,
        updated_at=now,
        updated_by_id=by.id,
    )
    session.add(new)
    session.flush()
    _record(session, "document.revise", new, by=by, detail={"from_version": doc.version})
    return new
