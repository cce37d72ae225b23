"""Passport numbers among the tokens no other field took, read by bot.core.validation:
those next to a cue ("pasaporte", "nro.", "is my passport") win over the rest, and a
number typed in groups ("ZX 44 55 667") is read whole next to a cue or as the whole
message, with a two-letter country code it starts with ("RD 1234567")."""

from __future__ import annotations

import re
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS
from spacy.tokens import Doc, Span

from bot.core.text import fold
from bot.core.validation import validate_passport
from bot.nlu.entity_types import PASSPORT_NUMBER, Entity, Match, Pattern, entity_of

# Matcher labels.
PASSPORT_CUE = "passport_cue"
PASSPORT_CUE_AFTER = "passport_cue_after"
JOINING_CUE = "joining_cue"
OTHER_NUMBER_CUE = "other_number_cue"

# What may stand between a cue and its number: "passport number is", "pasaporte nro.:".
_CUE_TAIL: dict[str, Any] = {
    "NORM": {
        "IN": [
            "my",
            "mi",
            "su",
            "the",
            "el",
            "its",
            "it",
            "s",
            "is",
            "es",
            "de",
            "del",
            "of",
            "passport",
            "pasaporte",
            "id",
            "number",
            "numero",
            "nro",
            "nr",
            "num",
            "no",
            ":",
            "=",
            ".",
            "-",
            "°",
            "#",
        ]
    },
    "OP": "*",
}
_NUMBER_ABBREVIATIONS = ["n", "no", "nr", "nro", "num"]
PASSPORT_CUES: list[Pattern] = [
    [{"NORM": {"IN": ["passport", "pasaporte", "number", "numero", "nro", "nr", "#"]}}, _CUE_TAIL],
    [{"NORM": {"IN": _NUMBER_ABBREVIATIONS}}, {"ORTH": {"IN": [".", "°", "º"]}}, _CUE_TAIL],
    [{"LOWER": {"IN": ["nº", "n°"]}}, _CUE_TAIL],
]
# "... is my passport", "..., that's the passport", "... es mi pasaporte".
PASSPORT_CUES_AFTER: list[Pattern] = [
    [
        {"IS_PUNCT": True, "OP": "?"},
        {"NORM": {"IN": ["that", "this", "ese", "este", "eso", "esto"]}, "OP": "?"},
        {"NORM": {"IN": ["is", "es", "s", "its", "thats"]}},
        {"NORM": {"IN": ["my", "mi", "the", "el", "su"]}, "OP": "?"},
        {"NORM": {"IN": ["passport", "pasaporte"]}},
    ]
]
# "it's g 123 4455", "es el 12 34 567": the groups after these read as one number,
# but such a number does not win over those after a passport cue.
JOINING_CUES: list[Pattern] = [
    [{"NORM": {"IN": ["is", "its", "thats"]}}, _CUE_TAIL],
    [{"NORM": {"IN": ["it", "that"]}}, {"NORM": "s"}, _CUE_TAIL],
    [{"NORM": "es"}, {"NORM": "el"}, _CUE_TAIL],
]
# Numbers named as something else: a phone, an identity card, a confirmation.
OTHER_NUMBER_CUES: list[Pattern] = [
    [
        {
            "NORM": {
                "IN": [
                    "phone",
                    "telephone",
                    "tel",
                    "telf",
                    "telefono",
                    "cell",
                    "cel",
                    "celular",
                    "mobile",
                    "movil",
                    "whatsapp",
                    "ci",
                    "carnet",
                    "cedula",
                    "dni",
                    "confirmation",
                    "confirmacion",
                    "case",
                    "caso",
                ]
            }
        },
        _CUE_TAIL,
    ]
]

_NUMBER_PART = re.compile(r"[A-Za-z0-9]+")
_NUMBER_GLUE = frozenset({"-", "."})
# US immigration forms ("DS-260", "I-864A") read like short passport numbers.
_FORM_NAME = re.compile(r"(?:DS|I)\d{3}[A-Z]?")
# A number's groups after the first hold a digit; letters alone only start it, three
# at most ("g 123 4455", "ZX 44 55 667"), and never as a short everyday word ("so",
# "mi", "the"), unless typed in capitals.
_MAX_LETTER_PREFIX = 3
_STOP_WORDS = frozenset(fold(word) for word in (*ENGLISH_STOP_WORDS, *SPANISH_STOP_WORDS))
_NOT_A_PREFIX = frozenset(
    word for word in (*_STOP_WORDS, "ok", "yes", "hi", "hey") if len(word) <= _MAX_LETTER_PREFIX
)
# A group this short right before a word counts the word ("A1234567 2 copies").
_MIN_GROUP_CHARS = 3


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)


def _is_number_part(doc: Doc, index: int, taken: set[int]) -> bool:
    return index not in taken and bool(_NUMBER_PART.fullmatch(doc[index].text))


def _glued_end(doc: Doc, start: int, taken: set[int]) -> int:
    """End of the number written from token `start` without spaces ("EA-1234567", "A.123.456")."""
    end = start + 1
    while (
        end + 1 < len(doc)
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and doc[end].text in _NUMBER_GLUE
        and _is_number_part(doc, end + 1, taken)
    ):
        end += 2
    return end


def _may_start_number(group: str) -> bool:
    """A first group holds a digit, or is up to three letters that are no everyday word."""
    if _has_digit(group):
        return True
    return len(group) <= _MAX_LETTER_PREFIX and (group.isupper() or fold(group) not in _NOT_A_PREFIX)


def _counts_a_word(doc: Doc, group: Span, cued_after: set[int]) -> bool:
    """A short group right before a word counts it ("2 copies", "3 hijos"), but not before
    a word such as "y" or "and", nor before "is my passport"."""
    if len(group.text) >= _MIN_GROUP_CHARS or group.end == len(doc) or group.end in cued_after:
        return False
    following = doc[group.end]
    return following.is_alpha and following.norm_ not in _STOP_WORDS


def _grouped_end(doc: Doc, start: int, taken: set[int], cued_after: set[int]) -> int:
    """Like _glued_end, then further groups after single spaces ("g 123 4455", "ZX 44 55 667",
    "EA 1234567") while each holds a digit; "A1234567 2 copies" stops before the 2."""
    end = _glued_end(doc, start, taken)
    if not _may_start_number(doc[start:end].text):
        return end
    while end < len(doc) and doc[end - 1].whitespace_ == " " and _is_number_part(doc, end, taken):
        group = doc[end : _glued_end(doc, end, taken)]
        if not _has_digit(group.text) or _counts_a_word(doc, group, cued_after):
            break
        end = group.end
    return end


def _passport_number(text: str) -> str | None:
    number = validate_passport(text).value
    if number is None or not _has_digit(number) or _FORM_NAME.fullmatch(number):
        return None
    return number


def passports(doc: Doc, matches: list[Match], taken: set[int], codes: set[int]) -> list[Entity]:
    """Passport numbers among the tokens no other field took. Those next to a cue
    ("passport", "pasaporte", "nro.", "#" before, "is my passport" after) win over the
    rest; numbers after a phone or identity-card cue, or after "+591", are left out.
    Groups separated by spaces are read as one number next to a cue (also after "is",
    "es el") or when they are the whole message; only such a number may start with a
    two-letter country code taken as a nationality, whose token is in `codes`."""
    cues: dict[str, set[int]] = {PASSPORT_CUE: set(), JOINING_CUE: set(), OTHER_NUMBER_CUE: set()}
    cued_after: set[int] = set()
    for label, start, end in matches:
        if label == PASSPORT_CUE_AFTER:
            cued_after.add(start)
        elif label in cues:
            cues[label].add(end)
    words = [token.i for token in doc if not (token.is_punct or token.is_space)]
    found: dict[bool, list[Entity]] = {True: [], False: []}
    start = 0
    while start < len(doc):
        is_code = start in codes
        if not (is_code or _is_number_part(doc, start, taken)):
            start += 1
            continue
        end = _grouped_end(doc, start, taken, cued_after)
        named = start in cues[PASSPORT_CUE] or end in cued_after
        whole_message = words[0] == start and words[-1] < end
        if not (named or whole_message or start in cues[JOINING_CUE]):
            if is_code:
                start += 1
                continue
            end = _glued_end(doc, start, taken)
        number = _passport_number(doc[start:end].text)
        after_phone_prefix = start > 0 and doc[start - 1].text.startswith("+")
        if number and start not in cues[OTHER_NUMBER_CUE] and not after_phone_prefix:
            found[named].append(entity_of(PASSPORT_NUMBER, doc[start:end], number))
        start = end
    return found[True] or found[False]
