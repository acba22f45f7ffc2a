"""An agreement's refresh schedule, read from the words of its terms.

The schedule is free text in the agreement ("Quarterly, after each count date", "every 6
months"). `refresh_interval` finds the interval it names, or None when it names none (the data
is disclosed once, or the text needs a person: then nothing is refreshed automatically).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_EVERY = re.compile(
    r"\bevery\s+(?:(\d{1,3}|" + "|".join(_NUMBERS) + r")\s+)?(day|week|month|quarter|year)s?\b"
)
# Words, most specific first ("semiannually" before "annually", "biweekly" before "weekly").
_WORDS = (
    (re.compile(r"\b(?:semi-?annual(?:ly)?|twice a year|half-?yearly)\b"), 6, 0),
    (re.compile(r"\b(?:bi-?weekly|fortnightly)\b"), 0, 14),
    (re.compile(r"\b(?:annual(?:ly)?|yearly|once a year|each year)\b"), 12, 0),
    (re.compile(r"\bquarterly\b"), 3, 0),
    (re.compile(r"\bmonthly\b"), 1, 0),
    (re.compile(r"\bweekly\b"), 0, 7),
    (re.compile(r"\bdaily\b"), 0, 1),
)
_NONE = re.compile(r"^\s*(?:none|no refresh(?:es)?|once|n/?a|-)?\s*[.;]?\s*$")


@dataclass(frozen=True)
class Interval:
    months: int = 0
    days: int = 0

    def after(self, day: date) -> date:
        """The day one interval after `day` (the 31st becomes a short month's last day)."""
        month = day.month - 1 + self.months
        year, month = day.year + month // 12, month % 12 + 1
        last = calendar.monthrange(year, month)[1]
        return date(year, month, min(day.day, last)) + timedelta(days=self.days)

    def describe(self) -> str:
        if self.months:
            return "every month" if self.months == 1 else f"every {self.months} months"
        return "every day" if self.days == 1 else f"every {self.days} days"


def refresh_interval(text: str) -> Interval | None:
    """The interval the schedule names; None when it names none."""
    words = (text or "").lower()
    if _NONE.match(words):
        return None
    every = _EVERY.search(words)
    if every:
        count = every.group(1) or "1"
        n = int(count) if count.isdigit() else _NUMBERS[count]
        if n < 1:
            return None
        unit = every.group(2)
        months = {"month": n, "quarter": 3 * n, "year": 12 * n}.get(unit, 0)
        days = {"day": n, "week": 7 * n}.get(unit, 0)
        return Interval(months, days)
    for pattern, months, days in _WORDS:
        if pattern.search(words):
            return Interval(months, days)
    return None
