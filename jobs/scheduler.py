"""Wiring the job list into one APScheduler ``BlockingScheduler``, behind the lease."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import JobState
from checkin.timeutil import utcnow
from jobs.base import JobContext, TickResult, short_error
from jobs.lease import DEFAULT_TTL, Lease
from jobs.mail import Mailer, MailSettings
from jobs.registry import JOBS, JobSpec

log = logging.getLogger(__name__)

HEARTBEAT_ID = "lease-heartbeat"
# Renewals per lease lifetime: a leader may miss five beats (a busy database) and keep it.
DEFAULT_HEARTBEAT = timedelta(seconds=10)
# Jobs started together (at start, on a takeover) start this far apart, in list order.
STAGGER = timedelta(seconds=1)


def takeover_bound(
    ttl: timedelta = DEFAULT_TTL, heartbeat: timedelta = DEFAULT_HEARTBEAT, jobs: int = len(JOBS)
) -> timedelta:
    """The longest a standby may take, after the leader dies, to start the last job: the
    leader renewed just before it died, the lease expires one TTL later, the standby's next
    beat takes it and starts every job, one STAGGER apart."""
    return ttl + heartbeat + STAGGER * max(jobs - 1, 0)


class SchedulerApp:
    """The jobs of one process: each tick runs only while this process holds the lease."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        mail: MailSettings | None = None,
        mailer: Mailer | None = None,
        jobs: Sequence[JobSpec] = JOBS,
        clock: Callable[[], datetime] = utcnow,
        holder: str | None = None,
        lease_ttl: timedelta = DEFAULT_TTL,
        heartbeat: timedelta = DEFAULT_HEARTBEAT,
    ) -> None:
        self.factory = factory
        self.mail = mail
        self.mailer = mailer
        self.jobs = [j for j in jobs if mail is not None or not j.needs_mail]
        self.clock = clock
        self.lease = Lease(factory, holder, ttl=lease_ttl)
        self.heartbeat_every = heartbeat
        self._scheduler: BaseScheduler | None = None
        # Set once this process found the lease held elsewhere: when it then takes the
        # lease (the leader died), every job runs at once instead of at its next interval
        # (up to 30 minutes later).
        self._standby = False

    @property
    def holder(self) -> str:
        return self.lease.holder

    def heartbeat(self) -> bool:
        """Renew (or, on a standby process, try to take) the lease."""
        try:
            return self._renew(self.clock())
        except Exception:  # e.g. SQLite busy past its timeout: try again next beat
            log.warning("lease heartbeat failed", exc_info=True)
            return False

    def _renew(self, now: datetime, running: str | None = None) -> bool:
        """Take or renew the lease; on a takeover from standby, start every job now (the
        one ``running`` is already running)."""
        got = self.lease.acquire(now)
        if not got:
            self._standby = True
        elif self._standby:
            self._standby = False
            log.info("%s took over the lease: every job runs now", self.holder)
            self._run_every_job_now(skip=running)
        return got

    def _run_every_job_now(self, skip: str | None) -> None:
        sched = self._scheduler
        if sched is None:  # run_due, tests: nothing scheduled
            return
        start = datetime.now(UTC)  # APScheduler's own clock
        for i, spec in enumerate(j for j in self.jobs if j.id != skip):
            sched.modify_job(spec.id, next_run_time=start + STAGGER * i)

    def context(self, now: datetime) -> JobContext:
        return JobContext(
            factory=self.factory,
            now=now,
            mail=self.mail,
            mailer=self.mailer,
            holder=self.holder,
            still_leader=lambda: self.lease.held(self.clock()),
        )

    def run_job(self, spec: JobSpec) -> TickResult | None:
        """One tick of one job; None when another process holds the lease (standby)."""
        now = self.clock()
        if not self._renew(now, running=spec.id):
            log.debug("%s: standby, the lease is held elsewhere", spec.id)
            return None
        started = time.monotonic()
        try:
            result = spec.func(self.context(now))
        except Exception as exc:
            log.exception("%s failed", spec.id)
            result = TickResult(errors=[short_error(exc)])
            result.counts["tick_failed"] += 1
        self._record_tick(spec.id, now, time.monotonic() - started, result)
        return result

    def run_due(self) -> dict[str, TickResult | None]:
        """Every job once, in list order (``checkin jobs run-due``, tests)."""
        return {spec.id: self.run_job(spec) for spec in self.jobs}

    def _record_tick(self, job_id: str, now: datetime, elapsed: float, res: TickResult) -> None:
        counts = {k: v for k, v in res.counts.items() if v}
        error = "; ".join(res.errors)[:1000] or None
        try:
            with self.factory() as session:
                state = session.get(JobState, job_id) or JobState(job_id=job_id)
                state.last_started_at = now
                state.last_finished_at = now + timedelta(seconds=elapsed)
                state.last_duration_ms = int(elapsed * 1000)
                state.last_counts = counts
                state.last_error = error
                state.holder = self.holder
                if error is None:
                    state.last_ok_at = now
                session.add(state)
                session.commit()
        except Exception:
            log.exception("could not record the tick of %s", job_id)

    def build(self, scheduler: BaseScheduler | None = None) -> BaseScheduler:
        """Add the heartbeat and every job, each with its fixed id, to a scheduler.

        Jobs run one at a time in one worker thread (simple to reason about); the heartbeat
        has its own thread so a long morning never lets the lease expire. Every job also runs
        once at start, which is how a morning missed while the process was down is caught up.
        """
        sched = scheduler or BlockingScheduler(timezone=UTC)
        self._scheduler = sched
        sched.add_executor(ThreadPoolExecutor(1), "default")
        sched.add_executor(ThreadPoolExecutor(1), "heartbeat")
        start = datetime.now(UTC)
        sched.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=self.heartbeat_every.total_seconds(), timezone=UTC),
            id=HEARTBEAT_ID,
            executor="heartbeat",
            next_run_time=start,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )
        for i, spec in enumerate(self.jobs):
            sched.add_job(
                self.run_job,
                IntervalTrigger(seconds=spec.every.total_seconds(), timezone=UTC),
                args=[spec],
                id=spec.id,
                name=spec.description or spec.id,
                # Staggered by a second, in list order: the morning runs before the jobs
                # that wait for it, at start and (same intervals) ever after.
                next_run_time=start + STAGGER * i,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                replace_existing=True,
            )
        return sched

    def shutdown(self) -> None:
        try:
            self.lease.release(self.clock())
        except Exception:
            log.exception("could not release the lease")
