"""Dates of birth: token patterns for a date written with a month name ("5 de marzo de
1985", "March 5, 1985") or in numbers ("05/03/1985", "12 05 90"), each match read by
bot.core.dates, so that its value is what the form would store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from spacy.tokens import Doc

from bot.core.dates import parse_date_of_birth
from bot.nlu.entity_types import DATE_OF_BIRTH, Found, Match, Pattern, entity_of

# Matcher labels.
DATE = "date"
SPACED_DATE = "spaced_date"

_DAY: dict[str, Any] = {"NORM": {"REGEX": r"^\d{1,2}(?:st|nd|rd|th|ero|ro|o)?$"}}
_ORDINAL_SIGN: dict[str, Any] = {"ORTH": {"IN": ["°", "º"]}, "OP": "?"}
# Which words name a month is bot.core.dates' business: any word may stand here, and the
# parser turns the span down when it is not a month.
_MONTH: dict[str, Any] = {"IS_ALPHA": True}
_ABBREVIATION_DOT: dict[str, Any] = {"ORTH": ".", "OP": "?"}
_GAP: Pattern = [{"NORM": {"IN": ["de", "del", "of", ",", ".", "/", "-", "'", "’"]}, "OP": "?"}] * 3
_YEAR: dict[str, Any] = {"TEXT": {"REGEX": r"^(?:\d{2}|\d{4})$"}}
_FULL_YEAR: dict[str, Any] = {"TEXT": {"REGEX": r"^\d{4}$"}}
_DAY_OR_MONTH: dict[str, Any] = {"TEXT": {"REGEX": r"^\d{1,2}$"}}
_SEPARATOR: dict[str, Any] = {"ORTH": {"IN": ["/", "-", "."]}}
DATE_PATTERNS: list[Pattern] = [
    [_DAY, _ORDINAL_SIGN, *_GAP, _MONTH, _ABBREVIATION_DOT, *_GAP, _YEAR],
    [_MONTH, _ABBREVIATION_DOT, *_GAP, _DAY, _ORDINAL_SIGN, *_GAP, _YEAR],
    [_DAY_OR_MONTH, _SEPARATOR, _DAY_OR_MONTH, _SEPARATOR, _YEAR],
    [_FULL_YEAR, _SEPARATOR, _DAY_OR_MONTH, _SEPARATOR, _DAY_OR_MONTH],
]
# Numbers with only spaces between ("12 05 90") may as well be groups of a passport
# number ("12 34 5678"): they leave their digits to it when on no calendar.
SPACED_DATE_PATTERNS: list[Pattern] = [[_DAY_OR_MONTH, _DAY_OR_MONTH, _YEAR]]
_NOT_A_DATE = {
    DATE: {"errors.date_unreadable"},
    SPACED_DATE: {"errors.date_unreadable", "errors.date_invalid"},
}


def dates(doc: Doc, matches: list[Match], today: date | None) -> Iterator[Found]:
    """The spans the date parser can read. One that is no possible date of birth (31/02,
    a future date) comes with None: it is no entity, but no other field takes its digits."""
    for label, start, end in matches:
        if label not in (DATE, SPACED_DATE):
            continue
        span = doc[start:end]
        result = parse_date_of_birth(span.text, today)
        if result.ok and result.value:
            extra = {"alternative": result.alternative} if result.alternative else {}
            yield span, entity_of(DATE_OF_BIRTH, span, result.value, **extra)
        elif result.error not in _NOT_A_DATE[label]:
            yield span, None
