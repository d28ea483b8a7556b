"""The job list: one line per job, with a fixed id (APScheduler's job id and JobRun.job_id).

A job that takes a session can be adapted with :func:`session_job`, e.g.
``JobSpec("x", timedelta(minutes=1), session_job(fn, messenger=lambda ctx: ...))``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from checkin.services.retention import prune_delivery_data
from jobs.base import JobContext, TickResult
from jobs.escalation import escalate_flags
from jobs.line import line_reminders_job
from jobs.morning import morning_signals
from jobs.notify import morning_digest, urgent_mail
from jobs.retrain import retrain_rankers


def N_(text: str) -> str:
    """Marks a description for translation (``make messages``); /ops/jobs shows it in the
    reader's language, the CLI as it is."""
    return text


Tick = Callable[[JobContext], TickResult]


@dataclass(frozen=True)
class JobSpec:
    id: str
    every: timedelta  # how often the tick asks what is due
    func: Tick
    needs_mail: bool = False  # not scheduled while e-mail is off
    description: str = ""


def session_job(fn: Callable[..., Any], **deps: Callable[[JobContext], Any]) -> Tick:
    """Adapt ``fn(session, *, now, **deps)`` to a tick: one transaction, its result counted.

    Each dependency is built from the context per tick (``messenger=lambda ctx: ...``).
    """

    def tick(ctx: JobContext) -> TickResult:
        kwargs = {name: make(ctx) for name, make in deps.items()}
        with ctx.factory.begin() as session:
            out = fn(session, now=ctx.now, **kwargs)
        return TickResult(counts=_as_counts(out))

    tick.__name__ = getattr(fn, "__name__", "session_job")
    return tick


def _as_counts(out: Any) -> Counter[str]:
    if out is None:
        return Counter()
    if isinstance(out, bool):
        return Counter({"done": int(out)})
    if isinstance(out, int):
        return Counter({"done": out})
    if isinstance(out, dict):
        return Counter({str(k): v for k, v in out.items() if isinstance(v, int)})
    if dataclasses.is_dataclass(out) and not isinstance(out, type):
        return _as_counts(dataclasses.asdict(out))
    if isinstance(out, list | tuple | set):
        return Counter({"done": len(out)})
    return Counter()


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "morning-signals",
        timedelta(minutes=5),
        morning_signals,
        description=N_("朝のアラート計算 (各事業所の朝の時刻の1時間前から)"),
    ),
    JobSpec(
        "flag-escalation",
        timedelta(minutes=5),
        escalate_flags,
        description=N_("未確認アラートを副担当とサービス管理責任者へ (事業所の通知の時刻から)"),
    ),
    JobSpec(
        "morning-digest",
        timedelta(minutes=5),
        morning_digest,
        needs_mail=True,
        description=N_("支援員への朝のまとめメール (事業所の朝の時刻)"),
    ),
    JobSpec(
        "line-reminders",
        timedelta(minutes=1),
        line_reminders_job(),
        description=N_("LINEのリマインド (記録がまだの人だけ・月の上限まで) と古いイベントの整理"),
    ),
    JobSpec(
        "urgent-mail",
        timedelta(minutes=1),
        urgent_mail,
        needs_mail=True,
        description=N_("緊急アラートの即時メールと、送れなかったメールの再送"),
    ),
    JobSpec(
        "ranker-retrain",
        timedelta(minutes=30),
        retrain_rankers,
        description=N_(
            "アラートの並び順の再学習 (毎週日曜22時から・ラベルが少なければルールのまま)"
        ),
    ),
    JobSpec(
        "delivery-data-prune",
        timedelta(hours=1),
        session_job(prune_delivery_data),
        description=N_(
            "配信のために保存した内容の整理 (30日たったメール本文・90日たったLINE送信記録・"
            "30日たったLINEイベント)"
        ),
    ),
)


def job_ids() -> list[str]:
    return [spec.id for spec in JOBS]
