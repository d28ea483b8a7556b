"""The monthly support report (支援レポート, seed 002 §14 (3), seed 003): one per client per
month, written by the supporter from the month's data, confirmed by the client.

Its parts follow the form the ministry gives (別添様式1): the month's main goal, the
support given and its result, the direction from here (what the office, the client and the
employer will each do) and the items to share. The record summary at the top is written
from the month's check-ins, flags, contacts and meetings when the draft is made.
"""

from __future__ import annotations

from datetime import date

from checkin.models import ClientDocument, ConsentScope, Disclosure, DocKind
from checkin.services.documents import KindSpec, Section, register
from checkin.services.errors import _l

PERIOD_FORMAT = "%Y-%m"

# (key, staff title, client title, shareable with the employer)
PARTS: list[tuple[str, str, str, bool]] = [
    ("goal", _l("今月の主な支援目標"), _l("こんげつの もくひょう"), True),
    ("support", _l("支援の内容と結果"), _l("こんげつの しえんと けっか"), True),
    ("next_office", _l("今後の支援 (事業所)"), _l("これからの しえん"), True),
    ("next_client", _l("本人の取り組み"), _l("あなたが やること"), True),
    ("next_employer", _l("事業主の取り組み"), _l("会社が やること"), True),
    ("shared", _l("共有事項"), _l("会社と 共有すること"), True),
]
SUMMARY = ("summary", _l("今月の記録のまとめ"), _l("こんげつの きろく"))


def period_of(year: int, month: int) -> str:
    return date(year, month, 1).strftime(PERIOD_FORMAT)


def period_label(period: str) -> str:
    try:
        year, month = (int(p) for p in period.split("-"))
    except ValueError:
        return period
    return str(_l("%(year)d年%(month)d月", year=year, month=month))


def report_sections(doc: ClientDocument) -> list[Section]:
    closed = doc.client.disclosure == Disclosure.CLOSED
    key, title, client_title = SUMMARY
    out = [
        Section(
            key,
            title,
            str(doc.body.get(key) or ""),
            shareable=False,  # the check-in figures reach the employer only by their own scopes
            editable=False,
            client_title=client_title,
        )
    ]
    for key, title, client_title, shareable in PARTS:
        if closed and key in ("next_employer", "shared"):
            continue  # closed employment: nothing is written for or shared with the employer
        out.append(
            Section(
                key,
                title,
                str(doc.body.get(key) or ""),
                shareable=shareable and not closed,
                client_title=client_title,
            )
        )
    return out


SPEC = register(
    KindSpec(
        kind=DocKind.MONTHLY_REPORT,
        title=_l("支援レポート"),
        client_title=_l("こんげつの ふりかえり"),
        sections=report_sections,
        employer_scope=ConsentScope.REPORTS,
        period_label=period_label,
    )
)
