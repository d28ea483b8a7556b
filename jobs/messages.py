"""The text of staff mails. Pure functions: no session, no clock.

Mails never carry the reasons of a flag or any check-in answer. How much they say about
who is concerned follows the office's ``mail_detail``: ``counts`` (default) only counts by
severity; ``initials`` adds a masked name (田○ 健○) and the kind of flag; ``names`` the full
name and the kind. Everything else is behind the login, on the alert list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from checkin.models import Client, Flag, FlagStatus, HandoverNotice, MailDetail, Severity

SEVERITY_JA = {"urgent": "緊急", "high": "高", "watch": "注意"}
KIND_JA = {
    "contact": "相談したい",
    "crisis": "危機のことば",
    "trend": "調子の変化",
    "missing": "記録なし",
    "line_silent": "LINEに返事なし",
    "employer": "勤め先から",
}
FOOTER = (
    "※ このメールには利用者の体調や記録の内容を書いていません。"
    "理由や記録はログインしてアラート一覧で確認してください。\n"
    "checkin (就労定着支援 日々の記録と早期アラート)"
)


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def masked_name(name: str) -> str:
    """田中 健太 -> 田○ 健○: enough for the supporter to recognize, little for anyone else."""
    parts = name.replace("\u3000", " ").split()
    return " ".join(p[0] + "○" for p in parts) or "○"


def client_label(flag: Flag, detail: MailDetail) -> str | None:
    if detail == MailDetail.NAMES:
        return flag.client.name
    if detail == MailDetail.INITIALS:
        return masked_name(flag.client.name)
    return None


def jp_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def link(base_url: str | None, path: str, label: str = "アラート一覧") -> str:
    """A link on ``CHECKIN_PUBLIC_BASE_URL`` (the jobs run outside any web request)."""
    if not base_url:
        return "アラート一覧を開いてください (checkin にログイン)。"
    return f"{label}: {base_url.rstrip('/')}{path}"


def flag_path(flag_id: int) -> str:
    """/flags/<id> (checkin.web.alerts.open_flag): after the login, the flag itself on the
    reader's alert list (the whole office's for a manager), else on the client's page."""
    return f"/flags/{flag_id}"


def by_urgency(flags: Sequence[Flag]) -> list[Flag]:
    return sorted(
        flags, key=lambda f: (f.severity.rank, f.status != FlagStatus.OPEN, -f.score, f.id)
    )


def severity_counts(flags: Sequence[Flag]) -> str:
    c = Counter(f.severity.value for f in flags)
    return " / ".join(f"{SEVERITY_JA[s.value]} {c[s.value]}件" for s in Severity if c[s.value])


def _lines(flags: Sequence[Flag], detail: MailDetail, *, with_assignee: bool = False) -> list[str]:
    out = []
    for f in by_urgency(flags):
        label = client_label(f, detail)
        if label is None:
            continue
        line = f"  - [{SEVERITY_JA[f.severity.value]}] {label}  {KIND_JA.get(f.kind, f.kind)}"
        if f.status == FlagStatus.ACKNOWLEDGED:
            line += " (確認済み)"
        if with_assignee and f.assignee is not None:
            line += f"  担当: {f.assignee.name}"
        out.append(line)
    return out


DUTY_JA = {"meeting": "面談", "report": "支援レポート", "employer": "企業への連絡"}


def duty_lines(duties: dict[str, int] | None, base_url: str | None) -> list[str]:
    """「今月の義務で まだのもの: 3件 (面談 1件 / 支援レポート 2件)」, or nothing."""
    if not duties or not duties.get("total"):
        return []
    parts = " / ".join(f"{DUTY_JA[k]} {duties[k]}件" for k in DUTY_JA if duties.get(k))
    return [
        "",
        f"今月の義務で まだのもの: {duties['total']}件 ({parts})",
        "  月末まで1週間を切りました。",
        "  " + link(base_url, "/duties", "今月の義務の一覧"),
    ]


def _who(names: Sequence[str], detail: MailDetail) -> str:
    if detail == MailDetail.NAMES:
        return ": " + "、".join(names)
    if detail == MailDetail.INITIALS:
        return ": " + "、".join(masked_name(n) for n in names)
    return ""


def plan_duty_lines(
    reviews: Sequence[Client],
    notices: Sequence[HandoverNotice],
    detail: MailDetail,
    *,
    checks: Sequence[Client] = (),
) -> list[str]:
    """Duties that are not flags: overdue support plan reviews, overdue periodic checks
    (the clients with one), and clients near the end of the service with no handover
    decision (each such notice is mailed once)."""
    out = []
    if reviews:
        out.append(
            f"  - 支援計画の見直し期限を過ぎています {len(reviews)}件"
            + _who([c.name for c in reviews], detail)
        )
    if checks:
        out.append(
            f"  - 定期チェックの期限を過ぎています {len(checks)}件"
            + _who([c.name for c in checks], detail)
        )
    for months in sorted({n.months for n in notices}):
        these = [n for n in notices if n.months == months]
        out.append(
            f"  - 支援終了まで{months}か月を切り、引継ぎの方針が未記録 {len(these)}件"
            + _who([n.client.name for n in these], detail)
        )
    return out


def digest_mail(
    staff_name: str,
    flags: Sequence[Flag],
    day: date,
    detail: MailDetail,
    base_url: str | None,
    *,
    duties: dict[str, int] | None = None,
    plan_duties: Sequence[str] = (),
) -> Mail:
    urgent = sum(1 for f in flags if f.severity == Severity.URGENT)
    unseen = sum(1 for f in flags if f.status == FlagStatus.OPEN)
    subject = f"[checkin] {jp_day(day)} 朝のアラート {len(flags)}件"
    if urgent:
        subject += f" (緊急 {urgent}件)"
    if duties and duties.get("total"):
        subject += f" ・今月の義務 {duties['total']}件"
    elif plan_duties:
        subject += " ・期限のある仕事あり"
    body = [f"{staff_name}さん", ""]
    if flags:
        body += [
            f"{jp_day(day)}の朝のアラートは {len(flags)}件です (未確認 {unseen}件)。",
            f"  {severity_counts(flags)}",
        ]
    else:
        body += [f"{jp_day(day)}の朝のアラートはありません。"]
    lines = _lines(flags, detail)
    if lines:
        body += ["", "緊急のものから:", *lines]
    body += duty_lines(duties, base_url)
    if plan_duties:
        body += ["", "期限のある仕事 (アラートとは別):", *plan_duties]
    body += ["", link(base_url, "/alerts"), "", FOOTER]
    return Mail(subject, "\n".join(body) + "\n")


def urgent_mail(staff_name: str, flag: Flag, detail: MailDetail, base_url: str | None) -> Mail:
    employer = flag.kind == "employer" and flag.severity != Severity.URGENT
    first = (
        "担当の利用者について、勤め先から「気になること」が届きました。確認してください。"
        if employer
        else "担当の利用者に緊急のアラートがあります。できるだけ早く確認してください。"
    )
    body = [f"{staff_name}さん", "", first]
    label = client_label(flag, detail)
    if label is not None:
        body += [f"  利用者: {label}", f"  種類: {KIND_JA.get(flag.kind, flag.kind)}"]
    body += ["", link(base_url, flag_path(flag.id), "このアラートを開く"), "", FOOTER]
    subject = (
        "[checkin] 勤め先から「気になること」が届きました"
        if employer
        else "[checkin] 緊急のアラートがあります"
    )
    return Mail(subject, "\n".join(body) + "\n")


def escalation_mail(
    staff_name: str,
    flags: Sequence[Flag],
    hour: int,
    detail: MailDetail,
    base_url: str | None,
    *,
    whole_office: bool,
) -> Mail:
    body = [
        f"{staff_name}さん",
        "",
        f"{hour}時になっても担当者が確認していないアラートが {len(flags)}件あります。",
        "担当者に代わって確認するか、担当者に連絡してください。",
        f"  {severity_counts(flags)}",
    ]
    lines = _lines(flags, detail, with_assignee=True)
    if not lines:  # counts only: who is concerned stays out, who is assigned may be said
        assignees = Counter(f.assignee.name if f.assignee else "未割り当て" for f in flags)
        lines = [f"  - 担当: {name} {n}件" for name, n in sorted(assignees.items())]
    body += ["", *lines, "", link(base_url, "/alerts?all=1" if whole_office else "/alerts")]
    body += ["", FOOTER]
    return Mail(f"[checkin] 未確認のアラート {len(flags)}件 ({hour}時時点)", "\n".join(body) + "\n")
