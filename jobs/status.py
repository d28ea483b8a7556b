"""What the scheduler did, for ``checkin jobs status`` and the /ops/jobs page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import JobRun, JobState, SchedulerLease
from jobs.lease import LEASE_NAME
from jobs.registry import JOBS


@dataclass
class JobRow:
    id: str
    every_seconds: int | None
    description: str
    state: JobState | None


@dataclass
class Status:
    lease: SchedulerLease | None
    jobs: list[JobRow]
    runs: list[JobRun]

    def lease_live(self, now: datetime) -> bool:
        return self.lease is not None and self.lease.expires_at > now


def job_status(session: Session, *, office_id: int | None = None, limit: int = 30) -> Status:
    """The lease, each known job's last tick, and the latest runs (of one office if given)."""
    states = {s.job_id: s for s in session.scalars(select(JobState))}
    rows = [
        JobRow(s.id, int(s.every.total_seconds()), s.description, states.pop(s.id, None))
        for s in JOBS
    ]
    rows += [JobRow(jid, None, "", st) for jid, st in sorted(states.items())]
    q = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if office_id is not None:
        q = q.where(JobRun.office_id == office_id)
    return Status(
        lease=session.get(SchedulerLease, LEASE_NAME),
        jobs=rows,
        runs=list(session.scalars(q)),
    )


def format_counts(counts: dict[str, object] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((counts or {}).items())) or "-"


def format_status(status: Status, now: datetime) -> str:
    out = []
    lease = status.lease
    if lease is None:
        out.append("lease: never taken (no scheduler has run)")
    else:
        live = "held" if status.lease_live(now) else "not held: expired or released"
        out.append(
            f"lease: {lease.holder} ({live}; renewed {_t(lease.renewed_at)}, "
            f"expires {_t(lease.expires_at)})"
        )
    out.append("")
    out.append(f"{'job':<18} {'last tick (UTC)':<20} {'ms':>7}  outcome / error")
    for row in status.jobs:
        st = row.state
        if st is None:
            out.append(f"{row.id:<18} {'never':<20} {'':>7}")
            continue
        what = f"ERROR {st.last_error}" if st.last_error else format_counts(st.last_counts)
        out.append(
            f"{row.id:<18} {_t(st.last_started_at):<20} {st.last_duration_ms or 0:>7}  {what}"
        )
    out.append("")
    out.append("recent runs:")
    if not status.runs:
        out.append("  (none)")
    for r in status.runs:
        what = f"ERROR {r.error}" if r.error else format_counts(r.counts)
        out.append(
            f"  {_t(r.started_at)}  {r.job_id:<16} office {r.office_id:<3} {r.slot:<16} "
            f"{r.status.value:<6} {r.duration_ms:>6} ms  {what}"
        )
    return "\n".join(out)


def _t(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"
