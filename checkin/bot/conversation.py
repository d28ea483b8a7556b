"""The check-in conversation in LINE: one step per webhook event, saved through the same
service as the web form (``record_checkin``).

Every question's buttons carry the step's nonce; the nonce changes after each answer, so a
button tapped later in an old message cannot overwrite a newer answer. Texts are short,
plain Japanese (やさしい日本語), like the web form.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.bot.messenger import Button, Message
from checkin.models import NOTE_MAX_CHARS, Channel, CheckIn, Client, LineAccount, LineConversation
from checkin.services import flags as flag_service
from checkin.services.checkins import CheckinInput, record_checkin
from checkin.services.documents import awaiting_client
from checkin.services.errors import ValidationError
from checkin.services.hours import office_reach
from checkin.signals import contact_candidate, crisis_candidate, has_crisis_words
from checkin.timeutil import local_date

# A conversation left alone this long is forgotten when the client starts again.
RESUME_WITHIN = timedelta(hours=3)

START_WORDS = ("記録", "きろく", "キロク", "記録する", "きろくする")
QUIT_WORDS = ("やめる", "やめます", "中止", "キャンセル")
NONE_WORDS = ("なし", "ない", "ありません", "とくになし", "特になし")
CONTACT_WORDS = ("相談したい", "そうだんしたい", "相談", "そうだん")
NO_CONTACT_WORDS = ("だいじょうぶ", "大丈夫", "いいえ", "しない")
# Asking for the link to 「これまでの きろく」 (compared without spaces).
SELFVIEW_WORDS = (
    "きろくをみる",
    "記録をみる",
    "記録を見る",
    "きろくを見る",
    "これまで",
    "これまでのきろく",
    "これまでの記録",
    "ふりかえり",
)

START_DATA = "ci=start"  # the rich menu's postback data
SELFVIEW_DATA = "ci=me"  # the 「きろくを みる」 button

STEPS = ("mood", "fatigue", "sleep_hours", "sleep_quality", "note", "contact")

CHOICES: dict[str, list[tuple[str, str]]] = {
    "mood": [
        ("5", "5 とても よい"),
        ("4", "4 よい"),
        ("3", "3 ふつう"),
        ("2", "2 よくない"),
        ("1", "1 とても わるい"),
    ],
    "fatigue": [
        ("1", "1 つかれていない"),
        ("2", "2 すこし つかれた"),
        ("3", "3 つかれた"),
        ("4", "4 かなり つかれた"),
        ("5", "5 とても つかれた"),
    ],
    "sleep_hours": [
        ("3", "3時間 以下"),
        *[(str(h), f"{h}時間") for h in range(4, 10)],
        ("10", "10時間 以上"),
    ],
    "sleep_quality": [
        ("5", "5 よく ねむれた"),
        ("4", "4 まあまあ ねむれた"),
        ("3", "3 ふつう"),
        ("2", "2 あまり ねむれない"),
        ("1", "1 ねむれなかった"),
    ],
    "note": [("", "なし")],
    "contact": [("1", "相談したい"), ("0", "だいじょうぶ")],
}

QUESTIONS = {
    "mood": "きょうの きもちは どうですか?",
    "fatigue": "つかれは どのくらい ですか?",
    "sleep_hours": "きのうの よる、何時間 ねましたか?\n(「6.5」のように 数字で 送っても いいです)",
    "sleep_quality": "よく ねむれましたか?",
    "note": (
        "ほかに つたえたいことが あれば、ひとことで 送ってください。\n"
        "なければ「なし」を おしてください。"
    ),
    "contact": "支援員と 話したいことは ありますか?",
}

LABELS = {
    "mood": "きもち",
    "fatigue": "つかれ",
    "sleep_hours": "ねた時間",
    "sleep_quality": "ねむり",
    "note": "メモ",
    "contact": "相談",
}

HELP = Message(
    "記録するときは「記録」と 送るか、下の メニューの「きょうの記録」を おしてください。",
    (Button("記録する", START_DATA), Button("きろくを みる", SELFVIEW_DATA)),
)
EMERGENCY = (
    "いのちに かかわるときや、とても いそぐときは 119 に 電話してください。\n"
    "つらい きもちを だれかに 話したいときは、よりそいホットライン "
    "0120-279-338 (24時間・無料) に 電話できます。"
)


@dataclass(frozen=True)
class Postback:
    action: str
    step: str | None = None
    value: str | None = None
    nonce: str | None = None

    @classmethod
    def parse(cls, data: str) -> Postback | None:
        q = {k: v[0] for k, v in parse_qs(data or "", keep_blank_values=True).items()}
        if "ci" not in q:
            return None
        return cls(q["ci"], q.get("s"), q.get("v"), q.get("n"))


def _data(action: str, nonce: str, **extra: str) -> str:
    return urlencode({"ci": action, **extra, "n": nonce})


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _new_nonce() -> str:
    return secrets.token_urlsafe(6)


def docs_text(url: str, n: int) -> str:
    """The link to what awaits the client's confirmation (``/me/<signed>/docs``)."""
    return f"よんで かくにん する ものが あります ({n}):\n{url}"


def selfview_text(url: str) -> str:
    return f"これまでの きろくは ここで 見られます (7日間 つかえます):\n{url}"


class Conversation:
    """One step of the conversation of one linked, active client.

    ``selfview_url`` makes the signed link to the client's 「これまでの きろく」 (the web
    app's, see ``checkin.services.selfview_links``); without it no link is offered."""

    def __init__(
        self,
        session: Session,
        account: LineAccount,
        client: Client,
        now: datetime,
        selfview_url: Callable[[], str] | None = None,
    ):
        self.session = session
        self.account = account
        self.client = client
        self.now = now
        self.selfview_url = selfview_url
        self.today = local_date(now, client.office.timezone)
        self.conv = session.scalar(
            select(LineConversation).where(LineConversation.account_id == account.id)
        )

    # -- entry points -------------------------------------------------------------------

    def on_text(self, raw: str) -> list[Message]:
        text = _norm(raw)
        if text in START_WORDS:
            return self.start()
        if text in QUIT_WORDS:
            return self.quit()
        if "".join(text.split()) in SELFVIEW_WORDS and self.selfview_url is not None:
            return self.selfview()
        conv = self.conv
        if conv is None:
            return self._outside(text)
        if conv.step == "note":
            if text in NONE_WORDS:
                return self._answer("note", "")
            return self._answer("note", raw.strip())
        if conv.step == "contact" and text in CONTACT_WORDS:
            return self._answer("contact", "1")
        if conv.step == "contact" and text in NO_CONTACT_WORDS:
            return self._answer("contact", "0")
        urgent = self._urgent_words(text)  # typed in the middle of any question
        if urgent:
            return [*urgent, *self._ask()]
        if conv.step == "sleep_hours":
            return self._answer("sleep_hours", text.replace("時間", ""))
        if text.isdigit() and conv.step != "contact":
            return self._answer(conv.step, text)
        return self._ask(prefix="ボタンで こたえてください。")

    def on_postback(self, pb: Postback) -> list[Message]:
        if pb.action == "start":
            return self.start()
        if pb.action == "me" and self.selfview_url is not None:
            return self.selfview()
        conv = self.conv
        if conv is None or pb.nonce != conv.nonce:
            return self._stale()
        if pb.action == "ans":
            if pb.step != conv.step or pb.value is None:
                return self._stale()
            return self._answer(conv.step, pb.value)
        if pb.action == "resume":
            return self._ask()
        if pb.action == "restart":
            return self._begin()
        if pb.action == "quit":
            return self.quit()
        return self._stale()

    def on_other_message(self) -> list[Message]:
        """A sticker, photo, ...: kindly ask for buttons or words."""
        if self.conv is None:
            return [HELP]
        return self._ask(prefix="ボタンか 文字で こたえてください。")

    # -- steps ----------------------------------------------------------------------------

    def start(self) -> list[Message]:
        conv = self.conv
        if conv is not None and self._fresh(conv):
            n = conv.nonce
            return [
                Message(
                    "とちゅうの 記録が あります。つづけますか?",
                    (
                        Button("つづける", _data("resume", n)),
                        Button("はじめから", _data("restart", n)),
                        Button("やめる", _data("quit", n)),
                    ),
                )
            ]
        return self._begin()

    def selfview(self) -> list[Message]:
        """The link to 「これまでの きろく」 (and to what awaits the client's confirmation,
        when something does); a check-in under way carries on after it."""
        assert self.selfview_url is not None
        url = self.selfview_url()
        text = selfview_text(url)
        waiting = len(awaiting_client(self.session, self.client.id))
        if waiting:
            text += "\n\n" + docs_text(url + "/docs", waiting)
        if self.conv is None:
            return [Message(text, (HELP.buttons[0],))]
        return [Message(text), *self._ask()]

    def quit(self) -> list[Message]:
        if self.conv is not None:
            self.session.delete(self.conv)
            self.conv = None
        return [Message("記録を やめました。記録するときは また「記録」と 送ってください。")]

    def _fresh(self, conv: LineConversation) -> bool:
        return conv.local_date == self.today and self.now - conv.updated_at < RESUME_WITHIN

    def _begin(self) -> list[Message]:
        if self.conv is not None:
            self.session.delete(self.conv)
            self.session.flush()
        self.conv = LineConversation(
            account_id=self.account.id,
            local_date=self.today,
            step=STEPS[0],
            answers={},
            nonce=_new_nonce(),
            started_at=self.now,
            updated_at=self.now,
        )
        self.session.add(self.conv)
        already = self.session.scalar(
            select(CheckIn.id).where(
                CheckIn.client_id == self.client.id, CheckIn.local_date == self.today
            )
        )
        prefix = (
            "きょうの 記録は もう あります。もう一度 こたえると、あたらしい こたえに なります。"
            if already
            else "きょうの 記録を はじめます。"
        )
        return self._ask(prefix=prefix)

    def _ask(self, prefix: str | None = None) -> list[Message]:
        conv = self.conv
        assert conv is not None
        step = conv.step
        buttons = [
            Button(label, _data("ans", conv.nonce, s=step, v=value))
            for value, label in CHOICES[step]
        ]
        buttons.append(Button("やめる", _data("quit", conv.nonce)))
        text = QUESTIONS[step] if prefix is None else f"{prefix}\n\n{QUESTIONS[step]}"
        return [Message(text, tuple(buttons))]

    def _answer(self, step: str, raw: str) -> list[Message]:
        conv = self.conv
        assert conv is not None
        value, problem = _parse(step, raw)
        if problem is not None:
            return self._ask(prefix=problem)
        answers = dict(conv.answers)
        answers[step] = value
        conv.answers = answers
        conv.nonce = _new_nonce()
        conv.updated_at = self.now
        # A note with crisis words is saved at once: the supporter must hear today even if
        # the client stops answering here.
        urgent_note = step == "note" and has_crisis_words(value)
        nxt = STEPS.index(step) + 1
        if nxt < len(STEPS) and not urgent_note:
            conv.step = STEPS[nxt]
            return self._ask()
        return self._save()

    def _save(self) -> list[Message]:
        conv = self.conv
        assert conv is not None
        a: dict[str, Any] = conv.answers
        data = CheckinInput(
            mood=int(a["mood"]),
            fatigue=int(a["fatigue"]),
            sleep_hours=Decimal(a["sleep_hours"]),
            sleep_quality=int(a["sleep_quality"]),
            note=a.get("note") or None,
            wants_contact=a.get("contact") == "1",
            local_date=conv.local_date,
        )
        try:
            result = record_checkin(
                self.session, self.client, data, channel=Channel.LINE, now=self.now
            )
        except ValidationError:
            # Only the date can be wrong here (a conversation left over from days ago).
            self.session.delete(conv)
            self.conv = None
            return [Message("時間が たったので、はじめから お願いします。", HELP.buttons)]
        self.session.delete(conv)
        self.conv = None
        text = "記録しました。ありがとうございます。\n\n" + _summary(a)
        if self.selfview_url is not None:
            text += "\n\n" + selfview_text(self.selfview_url())
        done = Message(text, (Button("なおす", START_DATA, "記録をなおす"),))
        if result.urgent_flags:
            return [done, Message(self._supporter_will_call() + "\n\n" + EMERGENCY)]
        return [done]

    # -- outside a conversation ---------------------------------------------------------------

    def _outside(self, text: str) -> list[Message]:
        urgent = self._urgent_words(text)
        return urgent or [HELP]

    def _urgent_words(self, text: str) -> list[Message]:
        """「相談したい」 or crisis words typed as a message: tell the supporter at once."""
        candidates = []
        if has_crisis_words(text):
            candidates.append(crisis_candidate(self.client.id, self.today))
        if any(w in text for w in ("相談したい", "そうだんしたい")):
            candidates.append(contact_candidate(self.client.id, self.today))
        if not candidates:
            return []
        flag_service.upsert_candidates(
            self.session,
            self.client.office,
            self.today,
            candidates,
            now=self.now,
            source="immediate",
        )
        return [Message(self._supporter_will_call() + "\n\n" + EMERGENCY)]

    def _supporter_will_call(self) -> str:
        """What happens next: 「支援員から 連絡します」 while the office is open; outside its
        hours, when it will look (the same promise as the web done page)."""
        reach = office_reach(self.session, self.client.office, self.now)
        if reach.open_now:
            text = "支援員に つたえました。支援員から 連絡します。"
        else:
            text = f"支援員に つたえました。{reach.closed_text()}"
        if reach.phone and not reach.open_now:
            text += f"\nじむしょの 電話 (あいている 時間): {reach.phone}"
        elif reach.phone:
            text += f"\nじむしょの 電話: {reach.phone}"
        return text + "\nひとりで かかえこまないで くださいね。"

    def _stale(self) -> list[Message]:
        if self.conv is None:
            return [
                Message(
                    "この ボタンは もう つかえません。記録するときは「記録」と 送ってください。",
                    HELP.buttons,
                )
            ]
        return self._ask(
            prefix="この ボタンは 古いので つかえません。いまの しつもんに こたえてください。"
        )


def _parse(step: str, raw: str) -> tuple[str, str | None]:
    """The stored answer, or a plain message saying what to send instead."""
    if step in ("mood", "fatigue", "sleep_quality"):
        v = _norm(raw)
        if v.isascii() and v.isdigit() and 1 <= int(v) <= 5:
            return v, None
        return "", "1から5の ボタンで こたえてください。"
    if step == "sleep_hours":
        try:
            hours = Decimal(_norm(raw).replace(",", "."))
        except InvalidOperation:
            hours = Decimal(-1)
        if hours.is_finite() and 0 <= hours <= 24:
            return str(hours.quantize(Decimal("0.1"))), None
        return "", "ねた時間を 0から24の 数字で こたえてください。"
    if step == "note":
        note = raw.strip()
        if len(note) > NOTE_MAX_CHARS:
            return "", f"メモは {NOTE_MAX_CHARS}文字までに してください。"
        return note, None
    if step == "contact":
        if raw in ("0", "1"):
            return raw, None
        return "", "ボタンで こたえてください。"
    return "", "ボタンで こたえてください。"


def _summary(a: dict[str, Any]) -> str:
    def label(step: str) -> str:
        value = str(a.get(step, ""))
        for v, text in CHOICES[step]:
            if v == value:
                return text
        return value

    lines = [
        f"{LABELS['mood']}: {label('mood')}",
        f"{LABELS['fatigue']}: {label('fatigue')}",
        f"{LABELS['sleep_hours']}: {Decimal(a['sleep_hours']).normalize():f}時間",
        f"{LABELS['sleep_quality']}: {label('sleep_quality')}",
    ]
    if a.get("note"):
        lines.append(f"{LABELS['note']}: {a['note']}")
    if a.get("contact") == "1":
        lines.append(f"{LABELS['contact']}: 相談したい")
    return "\n".join(lines)
