"""Validation and normalisation of the personal fields the bot collects.

Every validator takes the user's raw text and returns a `Result`: the
normalised value, or the locale key (under `errors.`) of the reason it was
rejected. Validators never raise on odd input (markup, emoji, huge messages).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from bot.core.countries import parse_nationality
from bot.core.dates import parse_date_of_birth
from bot.core.result import Result
from bot.core.text import screen_input

PASSPORT_MIN_CHARS = 5
PASSPORT_MAX_CHARS = 20


# A leading "my passport number is", "pasaporte:", "nro.", "n°", "#" ... is dropped,
# but only when it names the passport or the number, so "NO 123456" stays whole.
_PASSPORT_KEYWORDS = r"passport|pasaporte|number|n[uú]mero|nro\.?|nr\.?|num\.?|no\.|n[°º]|#"
_PASSPORT_FILLERS = r"my|mi|su|the|el|its|it's|is|es|de|del|of|no|:|="
_PASSPORT_PREFIX = re.compile(
    rf"^(?:(?:(?P<keyword>{_PASSPORT_KEYWORDS})|{_PASSPORT_FILLERS})"
    r"(?:\s+|(?<=[.°º#:=])|(?=[:#=])|$))+",
    re.IGNORECASE,
)
_PASSPORT_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]+")
_PASSPORT_CHARS = re.compile(r"[A-Za-z0-9]+")


def _strip_passport_prefix(text: str) -> str:
    """`text` without a leading "my passport is"; "" when it holds nothing else."""
    match = _PASSPORT_PREFIX.match(text)
    if match is None or match.group("keyword") is None:
        return text
    return text[match.end() :]


def validate_passport(text: str | None) -> Result:
    """A passport number: upper case, 5–20 letters A–Z and digits, separators dropped."""
    screened = screen_input(text)
    if isinstance(screened, Result):
        return screened
    # NFKC turns full-width letters and digits into ASCII.
    body = unicodedata.normalize("NFKC", _strip_passport_prefix(screened))
    number = _PASSPORT_SEPARATORS.sub("", body)
    if not _PASSPORT_CHARS.fullmatch(number):
        return Result(error="errors.passport_characters")
    number = number.upper()
    if not PASSPORT_MIN_CHARS <= len(number) <= PASSPORT_MAX_CHARS:
        return Result(
            error="errors.passport_length",
            params={"min": PASSPORT_MIN_CHARS, "max": PASSPORT_MAX_CHARS, "count": len(number)},
        )
    return Result(value=number)


def validate_date_of_birth(text: str | None, today: date | None = None) -> Result:
    """See bot.core.dates.parse_date_of_birth."""
    return parse_date_of_birth(text, today)


def validate_nationality(text: str | None) -> Result:
    """See bot.core.countries.parse_nationality."""
    return parse_nationality(text)
