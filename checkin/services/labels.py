"""The words people see for each stored code: one place for pages, exports and imports.

Each ``Labels`` maps a code to its label (lazy: the reader's language when shown) and reads
a cell back: the code itself, the Japanese label, the label in the reader's language, or one
of the other names offices use (e.g. 順行期 for the adjustment stage, オープン for open
employment).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from flask_babel import force_locale, get_locale

from checkin.models import (
    Attendee,
    Channel,
    ClientStatus,
    ConcernTopic,
    ConsentScope,
    ContactKind,
    Disclosure,
    DocStatus,
    EmployerNoteKind,
    EmploymentKind,
    FlagStatus,
    ServiceType,
    Stage,
)
from checkin.services.errors import _l
from checkin.services.timeline import CONTACT_LABELS, SEVERITY_LABELS, WEEKDAYS

E = TypeVar("E")
SEPARATOR = _l("・")  # between the items of a list in a sentence


def normalise(value: Any) -> str:
    """A cell as comparable text: full-width letters and digits folded (NFKC), spaces
    (also the ideographic space) dropped at both ends, Latin letters lower-cased."""
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


class Labels(Generic[E]):
    def __init__(self, labels: Mapping[E, str], aliases: Mapping[str, E] | None = None) -> None:
        self.labels = dict(labels)
        self.aliases = dict(aliases or {})
        self._lookups: dict[str, dict[str, E]] = {}  # per language of the reader

    def __getitem__(self, code: E) -> str:
        return self.labels[code]

    def items(self) -> Iterable[tuple[E, str]]:
        return self.labels.items()

    def label(self, code: Any) -> str:
        """The label of a code (an enum or its value); an unknown code shows as it is."""
        for key, text in self.labels.items():
            if key == code or getattr(key, "value", key) == code:
                return str(text)
        return str(code)

    def japanese(self, code: E) -> str:
        with force_locale("ja"):
            return self.label(code)

    def allowed(self) -> str:
        """The labels people may write, for a message (「模索期・調整期・…」)."""
        return str(SEPARATOR).join(str(t) for t in self.labels.values())

    def lookup(self) -> dict[str, E]:
        language = str(get_locale() or "")
        if language not in self._lookups:
            self._lookups[language] = self._lookup()
        return self._lookups[language]

    def _lookup(self) -> dict[str, E]:
        table: dict[str, E] = {}
        for code, text in self.labels.items():
            table[normalise(getattr(code, "value", code))] = code
            table[normalise(self.japanese(code))] = code
            table[normalise(str(text))] = code
        for alias, code in self.aliases.items():
            table[normalise(alias)] = code
        return table

    def parse(self, value: Any) -> E | None:
        """The code a cell names, or None when it names none."""
        return self.lookup().get(normalise(value))


STAGES: Labels[Stage] = Labels(
    {
        Stage.EXPLORATION: _l("模索期"),
        Stage.ADJUSTMENT: _l("調整期"),
        Stage.STABILITY: _l("安定期"),
        Stage.SELF_DRIVING: _l("自走期"),
    },
    # The other names of each stage in the support plan (seed 002 §7-9).
    {"順行期": Stage.ADJUSTMENT, "自立拡大期": Stage.STABILITY, "支援離脱期": Stage.SELF_DRIVING},
)
DISCLOSURES: Labels[Disclosure] = Labels(
    {Disclosure.OPEN: _l("オープン就労"), Disclosure.CLOSED: _l("クローズ就労")},
    {
        "オープン": Disclosure.OPEN,
        "クローズ": Disclosure.CLOSED,
        "開示": Disclosure.OPEN,
        "非開示": Disclosure.CLOSED,
        "オープン就労 (会社に開示)": Disclosure.OPEN,
        "クローズ就労 (非開示)": Disclosure.CLOSED,
    },
)
CHANNELS: Labels[Channel] = Labels(
    {
        Channel.WEB: _l("ウェブ"),
        Channel.LINE: _l("LINE"),
        Channel.IMPORT: _l("取り込み"),
        Channel.STAFF: _l("職員が入力"),
    },
    {"web": Channel.WEB, "ウェブ (web)": Channel.WEB, "ライン": Channel.LINE},
)
# What a client may choose to check in with (the others say how an entry arrived).
CHANNEL_PREFERENCES: Labels[Channel] = Labels(
    {k: v for k, v in CHANNELS.items() if k in (Channel.WEB, Channel.LINE)},
    {k: v for k, v in CHANNELS.aliases.items() if v in (Channel.WEB, Channel.LINE)},
)
CLIENT_STATUSES: Labels[ClientStatus] = Labels(
    {
        ClientStatus.ACTIVE: _l("利用中"),
        ClientStatus.PAUSED: _l("一時停止中"),
        ClientStatus.ENDED: _l("支援終了"),
    },
    {"一時停止": ClientStatus.PAUSED, "終了": ClientStatus.ENDED},
)
FLAG_STATUSES: Labels[FlagStatus] = Labels(
    {
        FlagStatus.OPEN: _l("未対応"),
        FlagStatus.ACKNOWLEDGED: _l("確認済み"),
        FlagStatus.RESOLVED: _l("対応済み"),
    }
)
SEVERITIES: Labels[str] = Labels(SEVERITY_LABELS)  # the timeline's, which the pages show
FLAG_KINDS: Labels[str] = Labels(
    {
        "contact": _l("相談したい"),
        "crisis": _l("危機のことば"),
        "trend": _l("調子の変化"),
        "missing": _l("記録なし"),
        "line_silent": _l("LINEに返事なし"),
        "employer": _l("勤め先から"),
    },
    {"悪化の傾向": "trend", "記録がない": "missing"},  # the words older exports used
)
CONTACT_KINDS: Labels[ContactKind] = Labels(CONTACT_LABELS)  # the contact form's
# What a consent lets an employer see or do (the consent form's choices).
CONSENT_SCOPES: Labels[ConsentScope] = Labels(
    {
        ConsentScope.TREND: _l("気分・疲れ・睡眠の週平均"),
        ConsentScope.ANSWER_RATE: _l("記録した日の数"),
        ConsentScope.FLAGS: _l("アラートの件数 (理由は含まない)"),
        ConsentScope.NOTES: _l("本人のメモ"),
        ConsentScope.REPORTS: _l("支援レポート (本人が確認し、共有してよいとした項目)"),
        ConsentScope.ASSESSMENT: _l("定期チェックに職場として回答すること"),
        ConsentScope.EMPLOYER_VOICE: _l(
            "勤め先から事業所へ「気になること」と月1回の連絡の返事を送る"
        ),
    }
)
DOC_STATUSES: Labels[DocStatus] = Labels(
    {
        DocStatus.DRAFT: _l("下書き"),
        DocStatus.SENT: _l("本人の確認待ち"),
        DocStatus.RETURNED: _l("本人からコメントあり"),
        DocStatus.CONFIRMED: _l("本人確認済み"),
    }
)
DOC_FINISHED = _l("確定")  # a kind the client does not confirm, once finished
# How the client confirmed a document.
CONFIRM_CHANNELS: dict[str, str] = {
    "web": _l("ウェブ"),
    "line": _l("LINE"),
    "paper": _l("紙 (職員が記録)"),
}
ATTENDEES: Labels[Attendee] = Labels(
    {
        Attendee.CLIENT: _l("本人"),
        Attendee.SUPPORTER: _l("支援員"),
        Attendee.EMPLOYER: _l("企業の方"),
    }
)
EMPLOYER_NOTE_KINDS: Labels[EmployerNoteKind] = Labels(
    {
        EmployerNoteKind.CONCERN: _l("気になること"),
        EmployerNoteKind.MONTHLY_ANSWER: _l("月1回の連絡への返事"),
    }
)
CONCERN_TOPICS: Labels[ConcernTopic] = Labels(
    {
        ConcernTopic.LATE: _l("遅刻"),
        ConcernTopic.ABSENCE: _l("欠勤・早退"),
        ConcernTopic.CHANGE: _l("職場の変化 (異動・仕事の内容・上司など)"),
        ConcernTopic.OTHER: _l("その他"),
    }
)
SERVICE_TYPES: Labels[ServiceType] = Labels(
    {
        ServiceType.STANDARD: _l("通常 (入社から6か月後に開始)"),
        ServiceType.HOURS_EXTENSION: _l("労働時間延長支援型から"),
        ServiceType.RETURN_TO_WORK: _l("復職支援型から"),
    },
    {"通常": ServiceType.STANDARD, "労働時間延長支援型": ServiceType.HOURS_EXTENSION},
)
EMPLOYMENT_KINDS: Labels[EmploymentKind] = Labels(
    {
        EmploymentKind.EMPLOYED: _l("在職 (確認)"),
        EmploymentKind.CHANGED_JOB: _l("転職 (新しい仕事の初日)"),
        EmploymentKind.LEFT: _l("離職 (最後の勤務日)"),
        EmploymentKind.ON_LEAVE: _l("休職 (在籍中)"),
    },
    {"在職": EmploymentKind.EMPLOYED, "転職": EmploymentKind.CHANGED_JOB},
)
# Monday first, as date.weekday() and Client.checkin_weekdays (Monday = "0").
WEEKDAY_CHARS = "月火水木金土日"


def weekdays_label(codes: str) -> str:
    """「月火水木金」 for "01234" (always Japanese: it is also how a file writes them)."""
    return "".join(WEEKDAY_CHARS[int(c)] for c in codes if c.isdigit() and int(c) < 7)


def weekdays_shown(codes: str) -> str:
    """The weekdays of "01234" in the reader's language (月火水木金 / Mon, Tue, ...)."""
    names = str(WEEKDAYS).split(",")
    picked = [names[int(c)] for c in codes if c.isdigit() and int(c) < 7]
    return ("" if all(len(n) == 1 for n in names) else ", ").join(picked)


def _duty_labels() -> tuple[Labels[str], Labels[str], Labels[str]]:
    from checkin.services.monthly import EmployerState, ReportState

    # The report's states are the documents' (one set of words), and "not started".
    reports: Labels[str] = Labels(
        {
            ReportState.NONE: _l("未作成"),
            **{ReportState(k.value): v for k, v in DOC_STATUSES.items()},
        }
    )
    employer: Labels[str] = Labels(
        {
            EmployerState.DONE: _l("連絡済み"),
            EmployerState.OPEN: _l("未連絡"),
            EmployerState.CLOSED_EMPLOYMENT: _l("対象外 (クローズ就労)"),
            EmployerState.NO_EMPLOYER: _l("対象外 (勤め先の登録なし)"),
        }
    )
    items: Labels[str] = Labels(
        {"meeting": _l("面談"), "report": _l("支援レポート"), "employer": _l("企業への連絡")}
    )
    return reports, employer, items


# The duties board's words (/duties, its export and the morning list's duties).
REPORT_STATES, EMPLOYER_STATES, DUTY_ITEMS = _duty_labels()
