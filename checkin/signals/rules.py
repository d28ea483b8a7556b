"""First rule-based signals: wants-contact, crisis words, worse than own usual, missed entries.

Pure functions over pandas frames; "today" is an argument (the morning being computed) and
each morning sees only entries dated before it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from checkin.signals.types import FlagCandidate, Reason

CRISIS_WORDS = ("死にたい", "しにたい", "消えたい", "きえたい", "自殺", "死のう", "いなくなりたい")

BASELINE_DAYS = 28  # the client's "usual": entries in the 4 weeks before the recent window
RECENT_DAYS = 3  # the recent window compared with the usual
MIN_BASELINE_ENTRIES = 5
SHIFT_WATCH = 1.0  # points on the 1-5 scale
SHIFT_HIGH = 1.5

# Expected days of silence before a flag, by stage: more sensitive early on.
MISSING_DAYS_BY_STAGE = {"exploration": 2, "adjustment": 3, "stability": 3, "self_driving": 5}


def jp_date(d: date | pd.Timestamp) -> str:
    return f"{d.month}月{d.day}日"


def has_crisis_words(note: str | None) -> bool:
    return bool(note) and any(w in str(note) for w in CRISIS_WORDS)


def _expected_mask(days: pd.DatetimeIndex, workdays: str) -> np.ndarray:
    wd = {int(c) for c in workdays if c.isdigit()}
    return np.isin(days.day_of_week, list(wd))


def compute_flags(entries: pd.DataFrame, clients: pd.DataFrame, today: date) -> list[FlagCandidate]:
    """Flags to show on the morning of ``today`` from entries dated before ``today``."""
    today_ts = pd.Timestamp(today)
    entries = entries[entries["date"] < today_ts]
    active = clients[
        (clients["active_from"].isna() | (clients["active_from"] <= today_ts))
        & (clients["active_to"].isna() | (clients["active_to"] >= today_ts))
    ]
    entries = entries[entries["client_id"].isin(active["client_id"])]
    out: list[FlagCandidate] = []
    out += _hard_triggers(entries, today_ts)
    out += _worse_than_usual(entries, today_ts, active)
    out += _missing(entries, today_ts, active)
    return out


def _hard_triggers(entries: pd.DataFrame, today: pd.Timestamp) -> list[FlagCandidate]:
    # Only yesterday's answers (and today's own, if present) trigger: older requests were
    # already raised at once when they were saved, or by an earlier morning.
    recent = entries[entries["date"] >= today - pd.Timedelta(days=1)]
    out = []
    for row in recent.itertuples(index=False):
        d = row.date.date()
        if bool(row.wants_contact):
            out.append(contact_candidate(int(row.client_id), d))
        if has_crisis_words(row.note):
            out.append(crisis_candidate(int(row.client_id), d))
    return out


def contact_candidate(client_id: int, day: date) -> FlagCandidate:
    return FlagCandidate(
        client_id,
        "contact",
        "urgent",
        100.0,
        (
            Reason(
                "wants_contact", f"{jp_date(day)}に「相談したい」と答えました", {"date": str(day)}
            ),
        ),
    )


def crisis_candidate(client_id: int, day: date) -> FlagCandidate:
    return FlagCandidate(
        client_id,
        "crisis",
        "urgent",
        120.0,
        (
            Reason(
                "crisis_words",
                f"{jp_date(day)}のメモに、つらい気持ちを表すことばがあります。すぐに連絡してください",
                {"date": str(day)},
            ),
        ),
    )


def _worse_than_usual(
    entries: pd.DataFrame, today: pd.Timestamp, clients: pd.DataFrame
) -> list[FlagCandidate]:
    recent_start = today - pd.Timedelta(days=RECENT_DAYS)
    base_start = recent_start - pd.Timedelta(days=BASELINE_DAYS)
    base = entries[(entries["date"] >= base_start) & (entries["date"] < recent_start)]
    rec = entries[entries["date"] >= recent_start]
    b = base.groupby("client_id").agg(
        n_base=("mood", "size"), mood_base=("mood", "median"), fat_base=("fatigue", "median")
    )
    r = rec.groupby("client_id").agg(
        n_rec=("mood", "size"), mood_rec=("mood", "mean"), fat_rec=("fatigue", "mean")
    )
    j = b.join(r, how="inner")
    j = j[(j["n_base"] >= MIN_BASELINE_ENTRIES) & (j["n_rec"] >= 2)]
    j["mood_drop"] = j["mood_base"] - j["mood_rec"]
    j["fat_rise"] = j["fat_rec"] - j["fat_base"]
    j = j[(j["mood_drop"] >= SHIFT_WATCH) | (j["fat_rise"] >= SHIFT_WATCH)]
    out = []
    for cid, row in j.iterrows():
        reasons = []
        if row.mood_drop >= SHIFT_WATCH:
            reasons.append(
                Reason(
                    "mood_below_usual",
                    f"気分が本人のふだんより低い日が続いています"
                    f" (ふだん{row.mood_base:.1f}→最近{int(row.n_rec)}日の平均{row.mood_rec:.1f})",
                    {
                        "usual": float(row.mood_base),
                        "recent": round(float(row.mood_rec), 2),
                        "days": int(row.n_rec),
                    },
                )
            )
        if row.fat_rise >= SHIFT_WATCH:
            reasons.append(
                Reason(
                    "fatigue_above_usual",
                    f"疲れが本人のふだんより強い日が続いています"
                    f" (ふだん{row.fat_base:.1f}→最近{int(row.n_rec)}日の平均{row.fat_rec:.1f})",
                    {
                        "usual": float(row.fat_base),
                        "recent": round(float(row.fat_rec), 2),
                        "days": int(row.n_rec),
                    },
                )
            )
        shift = max(row.mood_drop, row.fat_rise)
        severity = "high" if shift >= SHIFT_HIGH else "watch"
        out.append(
            FlagCandidate(
                int(cid), "trend", severity, round(10 + 20 * float(shift), 1), tuple(reasons)
            )
        )
    return out


def _missing(
    entries: pd.DataFrame, today: pd.Timestamp, clients: pd.DataFrame
) -> list[FlagCandidate]:
    last = entries.groupby("client_id")["date"].max()
    out = []
    for row in clients.itertuples(index=False):
        cid = int(row.client_id)
        since = last.get(cid)
        start = since + pd.Timedelta(days=1) if since is not None else row.active_from
        if start is None or pd.isna(start):
            continue
        window_start = max(start, today - pd.Timedelta(days=60))
        days = pd.date_range(window_start, today - pd.Timedelta(days=1), freq="D")
        silent = int(_expected_mask(days, row.workdays).sum())
        threshold = MISSING_DAYS_BY_STAGE.get(str(row.stage), 3)
        if silent < threshold:
            continue
        since_txt = f"最後の記録: {jp_date(since)}" if since is not None else "まだ記録がありません"
        severity = "high" if silent >= 2 * threshold else "watch"
        out.append(
            FlagCandidate(
                cid,
                "missing",
                severity,
                round(15.0 + 8.0 * silent, 1),
                (
                    Reason(
                        "missed_entries",
                        f"記録する予定の日に{silent}日続けて記録がありません ({since_txt})",
                        {
                            "expected_days_silent": silent,
                            "last_entry": None if since is None else str(since.date()),
                        },
                    ),
                ),
            )
        )
    return out
