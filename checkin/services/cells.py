"""Reading spreadsheet cells the way Japanese offices write them.

Each reader takes one cell (a string from a CSV, or what openpyxl gives for an .xlsx cell:
str, int, float, bool, date, datetime, time) and returns the value or raises ``CellError``
with a plain message. A value that Excel may have changed on its way (weekday codes that
became a number and lost their leading 0) is refused, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

from checkin.services.errors import _l
from checkin.services.labels import WEEKDAY_CHARS, normalise

MIN_YEAR, MAX_YEAR = 1900, 2100
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
# Japanese eras a hire or service date may be written in: first day, first year.
ERAS = {
    "令和": date(2019, 5, 1),
    "r": date(2019, 5, 1),
    "平成": date(1989, 1, 8),
    "h": date(1989, 1, 8),
}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", re.ASCII)
COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
ERA = re.compile(
    r"(令和|平成|r|h)\s*(\d{1,2}|元)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
)
MIDNIGHT = re.compile(r"\s+0?0:00(:00)?$", re.ASCII)


class CellError(ValueError):
    """A cell that cannot be read; the message says what to write instead."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _checked(y: int, m: int, d: int) -> date:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise CellError(
            _l(
                "%(year)d年は使えません。年は%(lo)d〜%(hi)dの間で入れてください。",
                year=y,
                lo=MIN_YEAR,
                hi=MAX_YEAR,
            )
        )
    try:
        return date(y, m, d)
    except ValueError:
        raise CellError(_l("%(y)d年%(m)d月%(d)d日という日はありません。", y=y, m=m, d=d)) from None


def parse_date(value: Any) -> date:
    """2026-06-01, 2026/6/1, 2026/06/01, 2026年6月1日, 20260601, 令和8年6月1日, R8.6.1,
    an Excel date cell, or an Excel serial day number (a date column read as a number)."""
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise CellError(_l("日付に時刻が入っています。日付だけにしてください。"))
        return _checked(value.year, value.month, value.day)
    if isinstance(value, date):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, bool):
        raise CellError(_l("日付ではありません。2026/6/1 の形で入れてください。"))
    if isinstance(value, int | float):
        if value == int(value) and 19000101 <= value <= 21001231:  # 20260601
            n = int(value)
            return _checked(n // 10000, n // 100 % 100, n % 100)
        if value != int(value) or not 1 <= value <= 2958465:
            raise CellError(_l("日付ではありません。2026/6/1 の形で入れてください。"))
        d = EXCEL_EPOCH + timedelta(days=int(value))
        return _checked(d.year, d.month, d.day)
    text = str(value).strip()
    if ISO.fullmatch(text):  # the usual case, fast
        return _checked(int(text[:4]), int(text[5:7]), int(text[8:]))
    text = MIDNIGHT.sub("", normalise(text))
    if m := YMD.fullmatch(text) or COMPACT.fullmatch(text):
        return _checked(int(m[1]), int(m[2]), int(m[3]))
    if m := ERA.fullmatch(text):
        first = ERAS[m[1]]
        year = first.year + (1 if m[2] == "元" else int(m[2])) - 1
        d = _checked(year, int(m[3]), int(m[4]))
        if d < first or (m[1] in ("平成", "h") and d >= ERAS["令和"]):
            raise CellError(
                _l("%(text)s は元号と日付が合いません。2026/6/1 の形で入れてください。", text=value)
            )
        return d
    raise CellError(
        _l("「%(text)s」は日付として読めません。2026/6/1 の形で入れてください。", text=value)
    )


def parse_time(value: Any) -> time:
    """19:00, 19:00:00, 19時, 19時30分, an Excel time cell or its fraction of a day."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60)
    text = normalise(value)
    if m := re.fullmatch(r"(\d{1,2})\s*(?::|時)\s*(\d{1,2})?\s*(?::\d{2})?\s*分?", text):
        h, mi = int(m[1]), int(m[2] or 0)
        if h < 24 and mi < 60:
            return time(h, mi)
    raise CellError(
        _l("「%(text)s」は時刻として読めません。19:00 の形で入れてください。", text=value)
    )


ENGLISH_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENGLISH_DAY = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?")
DAY_RANGE = re.compile(
    r"([月火水木金土日])(?:曜日?)?\s*[〜~\-ー－から]+\s*([月火水木金土日])(?:曜日?)?"
)
SEPARATORS = re.compile(r"[\s,、・/]+|曜日?")


def parse_weekdays(value: Any) -> str:
    """The weekday codes (Monday = "0", sorted) of 「月火水木金」, 「月,火,水」, 「月〜金」,
    「月-金」, 「平日」, 「毎日」, their English (Mon-Fri, Mon,Wed, weekdays) or digit codes
    ("01234"). A number (an .xlsx cell Excel
    made numeric) is refused: Excel drops the leading 0, so Monday would be lost."""
    if isinstance(value, int | float):  # bool too
        shown = int(value) if value == int(value) else value
        raise CellError(
            _l(
                "曜日が数値 %(value)s になっています。Excel が先頭の 0 (月曜日) を消した"
                "おそれがあるので取り込みません。「月火水木金」のように曜日の文字で入れてください。",
                value=shown,
            )
        )
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    text = re.sub(r"week ?days", "平日", text)
    text = re.sub(r"every ?day|daily", "毎日", text)
    text = ENGLISH_DAY.sub(lambda m: WEEKDAY_CHARS[ENGLISH_DAYS.index(m[1])], text)
    if text in ("平日",):
        return "01234"
    if text in ("毎日", "全日"):
        return "0123456"
    if text.isdigit():
        if any(c not in "0123456" for c in text) or len(set(text)) != len(text):
            raise CellError(_l("曜日の数字は 月=0 … 日=6 です (例 01234)。"))
        return "".join(sorted(text))
    if m := DAY_RANGE.fullmatch(text):
        a, b = WEEKDAY_CHARS.index(m[1]), WEEKDAY_CHARS.index(m[2])
        if a > b:
            raise CellError(_l("曜日の範囲は 月〜金 のように前から順に書いてください。"))
        return "".join(str(i) for i in range(a, b + 1))
    chars = SEPARATORS.sub("", text)
    if chars and all(c in WEEKDAY_CHARS for c in chars) and len(set(chars)) == len(chars):
        return "".join(sorted(str(WEEKDAY_CHARS.index(c)) for c in chars))
    raise CellError(
        _l(
            "「%(text)s」は曜日として読めません。「月火水木金」「月〜金」「平日」のように入れてください。",
            text=value,
        )
    )


def parse_int(value: Any, lo: int, hi: int) -> int:
    plain = isinstance(value, str) and value.isascii() and value.isdigit()
    if plain and lo <= int(value) <= hi:  # the usual case
        return int(value)
    if isinstance(value, bool):
        raise CellError(_l("数字を入れてください。"))
    if isinstance(value, int | float):
        number = value
    else:
        try:
            number = float(normalise(value))
        except ValueError:
            raise CellError(_l("「%(text)s」は数字ではありません。", text=value)) from None
    if number != int(number):
        raise CellError(_l("整数で入れてください。"))
    if not lo <= number <= hi:
        raise CellError(_l("%(lo)d〜%(hi)dの数字で入れてください。", lo=lo, hi=hi))
    return int(number)


def parse_float(value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise CellError(_l("数字を入れてください。"))
    try:
        number = float(value)
    except ValueError:
        number = None
    try:
        if number is None:
            number = float(normalise(value))
    except ValueError:
        raise CellError(_l("「%(text)s」は数字ではありません。", text=value)) from None
    if not lo <= number <= hi:
        raise CellError(_l("%(lo)s〜%(hi)sの数字で入れてください。", lo=f"{lo:g}", hi=f"{hi:g}"))
    return number


YES = {"true", "1", "yes", "y", "t", "はい", "○", "〇", "◯", "✓", "✔", "あり", "有", "する"}
NO = {"false", "0", "no", "n", "f", "いいえ", "×", "✕", "-", "なし", "無", "しない", ""}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = value.lower() if isinstance(value, str) and value.isascii() else normalise(value)
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_l("「%(text)s」は はい / いいえ で入れてください。", text=value))
