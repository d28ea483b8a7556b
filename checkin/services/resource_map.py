"""The client's resource map (資源マップ, seed 002 §22 (2)): who to consult about what, and how.

One living document per client (kind ``resource_map``, one series): for work, health,
money, daily life and a crisis, the people and places to turn to, with their phone numbers
and hours. The supporter builds it with the client on a staff form, sends it, and the client
confirms it on the shared confirm page; the client keeps it on their phone page and as a
one-page A4 print. A change after confirmation is a new version (the foundation's rule). It
is never shared with the employer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from checkin.models import ClientDocument, DocKind
from checkin.services.documents import KindSpec, Section, register
from checkin.services.errors import ValidationError, _l

PERIOD = "map"  # one series per client
ROWS = 3  # entries per topic on the form
FIELD_MAX = {"who": 100, "what": 200, "phone": 30, "hours": 100, "place": 200}
FIELDS = ("who", "what", "place", "phone", "hours")
FIELD_LABELS = {
    "who": _l("相談先 (人・窓口)"),
    "what": _l("相談できること"),
    "place": _l("場所"),
    "phone": _l("電話"),
    "hours": _l("受付時間"),
}
# key, staff title, client title (plain Japanese)
TOPICS: tuple[tuple[str, str, str], ...] = (
    ("work", _l("仕事のこと"), _l("しごとの こと")),
    ("health", _l("体調・通院のこと"), _l("からだと こころの こと")),
    ("money", _l("お金のこと"), _l("おかねの こと")),
    ("life", _l("暮らしのこと"), _l("くらしの こと")),
    ("crisis", _l("とても困ったとき・夜や休日"), _l("とても こまった とき・夜や 休みの日")),
)
PHONE_CHARS = set("0123456789-+() ")


def entries(body: Mapping[str, Any] | None, topic: str) -> list[dict[str, str]]:
    raw = (body or {}).get(topic) or []
    out = []
    for row in raw if isinstance(raw, list) else []:
        if isinstance(row, dict):
            clean = {f: str(row.get(f) or "") for f in FIELDS}
            if any(clean.values()):
                out.append(clean)
    return out


def tel(phone: str) -> str:
    """A ``tel:`` address (digits and +) from a number as typed."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit() or ch == "+")


def parse_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The body from the staff form: ``e-<topic>-<n>-<field>``; a row needs who or what;
    a phone number is digits, spaces, -, + and brackets. A ValidationError names the
    field; nothing is kept then."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for topic, title, _client in TOPICS:
        rows = []
        for n in range(ROWS):
            row = {}
            for f in FIELDS:
                name = f"e-{topic}-{n}-{f}"
                value = " ".join((form.get(name) or "").split())
                if f == "phone":
                    value = unicodedata.normalize("NFKC", value)
                if "\x00" in value:
                    errors[name] = _l("使えない文字 (NUL) が入っています。")
                elif len(value) > FIELD_MAX[f]:
                    errors[name] = _l(
                        "「%(topic)s」の%(field)sは%(n)d文字までにしてください。",
                        topic=title,
                        field=FIELD_LABELS[f],
                        n=FIELD_MAX[f],
                    )
                elif f == "phone" and value and not set(value) <= PHONE_CHARS:
                    errors[name] = _l(
                        "「%(topic)s」の電話番号は 数字と - で書いてください。", topic=title
                    )
                row[f] = value
            if any(row.values()):
                if not (row["who"] or row["what"]):
                    errors[f"e-{topic}-{n}-who"] = _l(
                        "「%(topic)s」の相談先か相談できることを書いてください。", topic=title
                    )
                rows.append(row)
        body[topic] = rows
    if errors:
        raise ValidationError(errors)
    return body


def _sections(doc: ClientDocument) -> list[Section]:
    out = []
    for key, title, client_title in TOPICS:
        text = "\n".join(
            " / ".join(v for v in (r["who"], r["what"], r["phone"], r["hours"], r["place"]) if v)
            for r in entries(doc.body, key)
        )
        out.append(
            Section(key, title, text, shareable=False, editable=False, client_title=client_title)
        )
    return out


def _edit_url(doc: ClientDocument) -> str:
    from flask import url_for

    return url_for("assessments.resource_map_form", client_id=doc.client_id)


SPEC = register(
    KindSpec(
        kind=DocKind.RESOURCE_MAP,
        title=_l("資源マップ"),
        client_title=_l("こまった ときの そうだん先"),
        sections=_sections,
        client_confirms=True,
        employer_scope=None,  # never shared with the employer
        body_template="resource_map/_doc.html",
        period_label=lambda period: str(_l("最新版")),
        edit_url=_edit_url,
    )
)
