"""Reading a date of birth typed in English or Spanish, and writing one back.

A small regex-and-table parser covers the forms people type ("5 de marzo de
1985", "March 5th, 1985", "05/03/1985", "1985-03-05"). Numeric dates are read
day first, as Latin-American users write them; when the month-first reading is
also a valid date of birth it is returned as `alternative` so the bot can ask.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.i18n import normalise_language
from bot.core.result import Result
from bot.core.text import fold, screen_input

MAX_AGE = 120

MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def _month_table() -> dict[str, int]:
    """Folded month word -> month number: full names, 3-letter forms and variants."""
    table = {"sept": 9, "set": 9, "setiembre": 9}
    for names in MONTH_NAMES.values():
        for number, name in enumerate(names, start=1):
            table[fold(name)] = number
            table[fold(name)[:3]] = number
    return table


_MONTHS = _month_table()
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th|ero|ro|o|°)?"
_YEAR = r"(?P<year>\d{4}|\d{2})(?!\d)"
# Between the parts: spaces and punctuation, and maybe "de", "del" or "of".
_GAP = r"[\s,./'’-]*(?:\b(?:del|de|of)\b[\s,./'’-]*)?"
_NUMERIC_GAP = r"(?:\s*[-/.]\s*|\s+)"

_ISO = re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)")
_SPELLED = (
    re.compile(_DAY + _GAP + _MONTH + _GAP + _YEAR),
    re.compile(r"\b" + _MONTH + _GAP + _DAY + r"\b" + _GAP + _YEAR),
)
_NUMERIC = re.compile(
    r"(?<!\d)(?P<first>\d{1,2})" + _NUMERIC_GAP + r"(?P<second>\d{1,2})" + _NUMERIC_GAP + _YEAR
)


def _calendar_date(year_text: str, month: int, day: int, today: date) -> date | None:
    """The date, or None if it is not on the calendar.

    A two-digit year takes the latest century that puts the date in the past.
    """
    if len(year_text) == 4:
        years = [int(year_text)]
    else:
        latest = today.year // 100 * 100 + int(year_text)
        years = [latest, latest - 100]
    candidates: list[date] = []
    for year in years:
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    past = [candidate for candidate in candidates if candidate <= today]
    return next(iter(past or candidates), None)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _check(born: date, today: date) -> Result:
    if born > today:
        return Result(error="errors.date_future")
    if _age(born, today) > MAX_AGE:
        return Result(error="errors.date_too_old", params={"max_age": MAX_AGE})
    return Result(value=born.isoformat())


def _readings(text: str, today: date) -> list[date | None] | None:
    """The possible dates in `text`, preferred first; None when no date is written."""
    match = _ISO.search(text)
    if match:
        return [_calendar_date(match["year"], int(match["month"]), int(match["day"]), today)]
    for pattern in _SPELLED:
        match = pattern.search(text)
        if match:
            month = _MONTHS[match["month"]]
            return [_calendar_date(match["year"], month, int(match["day"]), today)]
    match = _NUMERIC.search(text)
    if match:
        first, second = int(match["first"]), int(match["second"])
        return [
            _calendar_date(match["year"], second, first, today),
            _calendar_date(match["year"], first, second, today),
        ]
    return None


def parse_date_of_birth(text: str | None, today: date | None = None) -> Result:
    """A date of birth as "YYYY-MM-DD", with the month-first reading when ambiguous."""
    screened = screen_input(text)
    if isinstance(screened, Result):
        return screened
    today = today or date.today()
    readings = _readings(fold(screened), today)
    if readings is None:
        return Result(error="errors.date_unreadable")
    on_calendar = list(dict.fromkeys(born for born in readings if born is not None))
    if not on_calendar:
        return Result(error="errors.date_invalid")
    return one_reading([_check(born, today) for born in on_calendar])


def one_reading(checked: list[Result]) -> Result:
    """The verdict on a date's readings (day first, then month first): the one that
    passed its checks, both (the second as `alternative`), or the first one's error."""
    accepted = [result for result in checked if result.ok]
    if not accepted:
        return checked[0]
    if len(accepted) == 1:
        return accepted[0]
    return Result(value=accepted[0].value, alternative=accepted[1].value)


# A correction of one part of the date given before: "no, I was born on the 4th",
# "nací el 4", "the year is 1988", "born in May". A bare number ("el 4") or a month
# counts only next to a word about the birth date; an ordinal ("the 4th") always does.
_BIRTH_CUE = re.compile(
    r"\b(?:born|birth|birthday|dob|naci|nacio|nacido|nacida|nacimiento|cumpleanos|day|dia|month|mes|year|ano)\b"
)
_ORDINAL_DAY = re.compile(r"(?<![\d/.-])(?P<day>\d{1,2})(?:st|nd|rd|th)\b")
_CUED_DAY = re.compile(
    r"\b(?:the|on|el|day|dia)\s+(?:(?:the|dia|es|is)\s+)*(?P<day>\d{1,2})(?:ero|ro|o|°)?(?![\d/.:-])"
)
_CUED_MONTH = re.compile(r"\b(?:in|en|de|of|month|mes|is|es)\s+(?:(?:is|es|de)\s+)?" + _MONTH)
_CUED_YEAR = re.compile(r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})(?![\d/.-])")


def parse_date_correction(text: str | None) -> dict[str, int]:
    """The parts ("day", "month", "year") of a date of birth a message corrects
    without giving the whole date; empty when it corrects none (or gives a whole date)."""
    screened = screen_input(text)
    if isinstance(screened, Result):
        return {}
    folded = fold(screened)
    if _readings(folded, date.today()) is not None:
        return {}
    cued = _BIRTH_CUE.search(folded) is not None
    parts: dict[str, int] = {}
    day = _ORDINAL_DAY.search(folded) or (_CUED_DAY.search(folded) if cued else None)
    if day:
        parts["day"] = int(day["day"])
    if cued:
        month = _CUED_MONTH.search(folded)
        if month:
            parts["month"] = _MONTHS[month["month"]]
        year = _CUED_YEAR.search(folded)
        if year:
            parts["year"] = int(year["year"])
    return parts


def correct_date_of_birth(current: str, parts: dict[str, int], today: date | None = None) -> Result:
    """The date of birth `current` ("YYYY-MM-DD") with `parts` replaced, checked again."""
    try:
        corrected = date.fromisoformat(current).replace(**parts)
    except ValueError:
        return Result(error="errors.date_invalid")
    return _check(corrected, today or date.today())


def format_date(iso: str, language: str) -> str:
    """ "1985-03-05" -> "5 March 1985" (en) or "5 de marzo de 1985" (es)."""
    born = date.fromisoformat(iso)
    language = normalise_language(language)
    month = MONTH_NAMES[language][born.month - 1]
    if language == "es":
        return f"{born.day} de {month} de {born.year}"
    return f"{born.day} {month} {born.year}"
