"""Each office's learned ranking: train from its outcome labels, store, load for the morning.

- **Training** (:func:`train_office`): the office's history (every client, whatever their
  status: the ones who quit are the lesson) over the last ``TRAIN_DAYS`` mornings goes
  through the same detector as the morning job (:func:`checkin.signals.engine.detect`); the
  labels are the outcomes and flag feedback supporters recorded
  (:func:`checkin.services.outcomes.office_labels`); :func:`checkin.signals.ranker.train_ranker`
  fits and calibrates on a time split, or falls back to the rules when labels are few.
- **Storage**: a :class:`RankerModel` row per training. A trained model is serialized with
  skops (no pickle: loading runs no code, and only the types in ``TRUSTED_TYPES`` may
  appear) and becomes the office's active model; a fallback row records the reason, holds
  no model and changes nothing.
- **Loading** (:func:`active_rankers`): the blob's SHA-256 must match the row and skops
  must find no type outside ``TRUSTED_TYPES``; otherwise the model is refused and the office
  stays on the rules that morning. Loaded models are cached per row in the process.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer
from threadpoolctl import threadpool_limits

from checkin.models import CheckIn, Client, Office, Outcome, OutcomeKind, RankerModel
from checkin.services.checkins import SIGNAL_ITEMS
from checkin.services.frames import (
    CLIENT_DTYPES,
    add_answerable_from,
    fetch_entries,
    fetch_frame,
)
from checkin.services.office import load_closed_days
from checkin.services.outcomes import office_labels
from checkin.signals import RULES_VERSION
from checkin.signals.engine import detect
from checkin.signals.params import LOOKBACK_DAYS
from checkin.signals.ranker import Ranker, build_labels, train_ranker

log = logging.getLogger(__name__)

TRAIN_DAYS = 365  # mornings learned from (the last year)
FIRST_MORNING_AFTER = 28  # days after the first entry before a morning has a usual
# Beyond the types skops trusts by default (scikit-learn estimators, numpy arrays): the
# private pieces of a calibrated HistGradientBoostingClassifier. Nothing else may load.
TRUSTED_TYPES = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[int, str], Ranker] = OrderedDict()


class RankerRefused(Exception):
    """A stored model that must not be loaded (altered, corrupt or with untrusted types)."""


def dump_model(model: Any) -> bytes:
    import skops.io as sio

    return bytes(sio.dumps(model, compression=zipfile.ZIP_DEFLATED))


def load_model(blob: bytes, expected_sha256: str | None) -> Any:
    """The model in ``blob``, refused unless its hash matches and every type is trusted."""
    import skops.io as sio

    if expected_sha256 is None or hashlib.sha256(blob).hexdigest() != expected_sha256:
        raise RankerRefused("the stored model does not match its recorded SHA-256")
    try:
        untrusted = set(sio.get_untrusted_types(data=blob))
    except Exception as exc:  # not a skops file at all
        raise RankerRefused(f"not a readable skops model: {type(exc).__name__}") from exc
    extra = sorted(untrusted - set(TRUSTED_TYPES))
    if extra:
        raise RankerRefused(f"untrusted types in the stored model: {', '.join(extra)}")
    try:
        return sio.loads(blob, trusted=list(TRUSTED_TYPES))
    except Exception as exc:
        raise RankerRefused(f"the stored model cannot be loaded: {type(exc).__name__}") from exc


def ranker_from_row(row: RankerModel) -> Ranker:
    """The :class:`Ranker` of a stored, trained row (RankerRefused if it must not load).

    A model already loaded in this process is taken from the cache without reading the
    blob (callers may defer ``model_blob``: it is then fetched only on a cache miss)."""
    key = (row.id, row.blob_sha256 or "")
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    if row.model_blob is None:
        raise RankerRefused("this row records a fallback to the rules: no model")
    model = load_model(row.model_blob, row.blob_sha256)
    metrics = {k: float(v) for k, v in (row.metrics or {}).items() if isinstance(v, int | float)}
    ranker = Ranker(
        row.version,
        model,
        list(row.features or []),
        row.n_positive + row.n_negative,
        row.n_positive,
        None,
        metrics,
    )
    _cache[key] = ranker
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return ranker


def active_rankers(session: Session, office_ids: Sequence[int]) -> dict[int, Ranker]:
    """The active trained ranker of each office that has one. A model that fails its checks
    is logged and left out: that office's flags come from the rules."""
    out: dict[int, Ranker] = {}
    if not office_ids:
        return out
    rows = session.scalars(
        select(RankerModel)
        .options(defer(RankerModel.model_blob))  # read only for a model not yet cached
        .where(RankerModel.office_id.in_(list(office_ids)), RankerModel.active.is_(True))
    )
    for row in rows:
        try:
            out[row.office_id] = ranker_from_row(row)
        except RankerRefused as exc:
            log.error(
                "office %s: ranker %s refused (%s); using the rules", row.office_id, row.id, exc
            )
    return out


def active_model(session: Session, office_id: int) -> RankerModel | None:
    return session.scalar(
        select(RankerModel).where(RankerModel.office_id == office_id, RankerModel.active.is_(True))
    )


def training_frames(
    session: Session, office_id: int, first_morning: date, through: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries before ``through`` (from the lookback before ``first_morning``) and every
    client of the office; a client who quit is inactive from the day they quit."""
    clients = fetch_frame(
        session,
        select(
            Client.id,
            Client.office_id,
            Client.stage,
            Client.checkin_weekdays,
            func.coalesce(Client.service_start, Client.hire_date),
            Client.service_end,
            Client.created_at,
        ).where(Client.office_id == office_id),
        ["client_id", "office_id", "stage", "workdays", "active_from", "active_to", "created"],
        CLIENT_DTYPES,
    )
    # as in the morning job: without a start date, active from the day of registration
    created = pd.to_datetime(clients["created"], utc=True, format="mixed").dt.tz_localize(None)
    clients["active_from"] = pd.to_datetime(clients["active_from"]).fillna(created.dt.normalize())
    # (a plain dict: mapping through an empty datetime Series fails in pandas)
    quit_on = {
        int(cid): pd.Timestamp(day)
        for cid, day in session.execute(
            select(Outcome.client_id, Outcome.occurred_on).where(
                Outcome.office_id == office_id,
                Outcome.kind == OutcomeKind.QUIT,
                Outcome.deleted_at.is_(None),
            )
        ).all()
    }
    active_to = pd.to_datetime(clients["active_to"])
    quit_to = pd.to_datetime(clients["client_id"].map(quit_on)).astype("datetime64[ns]")
    clients["active_to"] = active_to.where(active_to.notna() & ~(quit_to < active_to), quit_to)
    clients = clients.drop(columns="created")
    clients = add_answerable_from(session, clients, [office_id], through)
    entries = fetch_entries(
        session,
        select(
            CheckIn.client_id,
            CheckIn.local_date,
            *SIGNAL_ITEMS,
            CheckIn.wants_contact,
            CheckIn.note,
        )
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            Client.office_id == office_id,
            CheckIn.local_date >= first_morning - timedelta(days=LOOKBACK_DAYS),
            CheckIn.local_date < through,
        ),
    )
    return entries, clients


@dataclass(frozen=True)
class TrainResult:
    office_id: int
    row: RankerModel  # the trained model, or the recorded fallback to the rules
    trained: bool

    @property
    def version(self) -> str:
        return self.row.version


def _first_entry(session: Session, office_id: int) -> date | None:
    return session.scalar(
        select(CheckIn.local_date)
        .join(Client, Client.id == CheckIn.client_id)
        .where(Client.office_id == office_id)
        .order_by(CheckIn.local_date)
        .limit(1)
    )


def train_office(
    session: Session, office: Office, through: date, *, now: datetime, train_days: int = TRAIN_DAYS
) -> TrainResult:
    """Train ``office``'s ranking on the mornings up to ``through`` and record the result.

    A trained model becomes the office's active one (the previous one is deactivated); a
    fallback (too few labels) is recorded with its reason and changes nothing. Must not
    commit: the caller owns the transaction.
    """
    first_entry = _first_entry(session, office.id)
    if first_entry is None or first_entry + timedelta(days=FIRST_MORNING_AFTER) > through:
        reason = "no check-ins yet" if first_entry is None else "less than 4 weeks of check-ins"
        return TrainResult(office.id, _store_fallback(session, office, through, now, reason), False)
    first_morning = max(
        through - timedelta(days=train_days - 1),
        first_entry + timedelta(days=FIRST_MORNING_AFTER),
    )
    entries, clients = training_frames(session, office.id, first_morning, through)
    mornings = pd.date_range(first_morning, through, freq="D")
    closed = load_closed_days(
        session, [office.id], first_morning - timedelta(days=LOOKBACK_DAYS), through
    )
    det = detect(entries, clients, mornings, closed)
    if len(det) == 0:
        return TrainResult(
            office.id, _store_fallback(session, office, through, now, "no active clients"), False
        )
    outcomes, feedback = office_labels(session, office.id)
    # One thread: the data are small (hundreds to thousands of labelled mornings), and
    # OpenMP threads competing for a busy 2-core machine made the fit 7x slower (72 s vs 10 s).
    with threadpool_limits(limits=1):
        ranker = train_ranker(det, build_labels(det, outcomes, feedback))
    if ranker.is_fallback:
        row = _store_fallback(
            session,
            office,
            through,
            now,
            ranker.fallback_reason or "too few labels",
            n_positive=ranker.n_positive,
            n_negative=ranker.n_labels - ranker.n_positive,
        )
        return TrainResult(office.id, row, False)
    blob = dump_model(ranker.model)
    session.execute(
        update(RankerModel)
        .where(RankerModel.office_id == office.id, RankerModel.active.is_(True))
        .values(active=False)
    )
    row = RankerModel(
        office_id=office.id,
        version=ranker.version,
        trained_at=now,
        trained_through=through,
        n_positive=ranker.n_positive,
        n_negative=ranker.n_labels - ranker.n_positive,
        metrics=dict(ranker.metrics),
        features=list(ranker.features),
        fallback_reason=None,
        model_blob=blob,
        blob_sha256=hashlib.sha256(blob).hexdigest(),
        active=True,
    )
    session.add(row)
    session.flush()
    return TrainResult(office.id, row, True)


def _store_fallback(
    session: Session,
    office: Office,
    through: date,
    now: datetime,
    reason: str,
    *,
    n_positive: int = 0,
    n_negative: int = 0,
) -> RankerModel:
    row = RankerModel(
        office_id=office.id,
        version=RULES_VERSION,
        trained_at=now,
        trained_through=through,
        n_positive=n_positive,
        n_negative=n_negative,
        metrics=None,
        features=None,
        fallback_reason=reason,
        model_blob=None,
        blob_sha256=None,
        active=False,
    )
    session.add(row)
    session.flush()
    return row


def latest_models(session: Session, office_id: int, limit: int = 10) -> list[RankerModel]:
    """The office's latest trainings, for the operations page (without the model blobs)."""
    return list(
        session.scalars(
            select(RankerModel)
            .options(defer(RankerModel.model_blob))
            .where(RankerModel.office_id == office_id)
            .order_by(RankerModel.trained_at.desc(), RankerModel.id.desc())
            .limit(limit)
        )
    )
