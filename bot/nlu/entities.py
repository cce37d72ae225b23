"""Finds the personal fields in a free-text message: passport number, date of birth,
nationality and the city of the return office.

spaCy (blank pipelines, no trained model) only tokenizes and matches: dates with
token patterns, nationalities and cities with phrase patterns built from the names
bot.core.countries and the embassy profile know. Every match is then read by the
validator the forms already use (bot.core.dates, bot.core.countries, bot.core.validation,
EmbassyProfile.match_offices), so an entity's value is what the form would store.
Dates are taken first, then places, then passport numbers from the tokens left, so
"05-03-1985" never becomes a passport number. A single word no pattern matched may
still be a misspelt nationality ("bolivain", bot.nlu.fuzzy). A passport number typed
in groups ("ZX 44 55 667") is read whole next to a passport cue or as the whole
message; a two-letter country code it starts with ("RD 1234567") is then part of it.

The language only chooses the tokenizer (English or Spanish rules; with no language,
spaCy's language-neutral "xx" rules): the patterns are bilingual, since people mix
languages ("nací el 5 March 1985").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import chain
from typing import Any

import spacy
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex

from bot.core.countries import COMMON_WORDS, nationality_names, parse_nationality
from bot.core.dates import parse_date_of_birth
from bot.core.i18n import LANGUAGES
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.text import fold
from bot.core.validation import validate_passport
from bot.nlu.fuzzy import FuzzyIndex

PASSPORT_NUMBER = "passport_number"
DATE_OF_BIRTH = "date_of_birth"
NATIONALITY = "nationality"
CITY = "city"

NEUTRAL_LANGUAGE = "xx"


@dataclass(frozen=True)
class Entity:
    """A field found in a message; `start` and `end` are offsets in the original text.

    `extra` holds what the value alone does not say: for a date of birth whose day
    and month could be swapped, "alternative" is the month-first reading.
    """

    entity: str
    value: str
    start: int
    end: int
    text: str
    extra: dict[str, str] = field(default_factory=dict)


# Numbers are split at their separators whatever the language ("05/03/1985" ->
# 05 / 03 / 1985, "EA-1234567" -> EA - 1234567); spaCy's English and Spanish rules
# otherwise split them differently.
_NUMBER_INFIXES = (r"(?<=[0-9])[-/.,:](?=[A-Za-z0-9])", r"(?<=[A-Za-z])[-/.](?=[0-9])")
# Markup tags, and "words" too long to hold a field (spaCy's tokenizer is slow on them:
# ten thousand commas take seconds), are blanked out before tokenizing.
_BLANKED = re.compile(r"<[^<>]{0,200}>|\S{64,}")
_JOINERS = re.compile(r"[.'’]")

# Matcher labels that are not entities.
_DATE = "date"
_SPACED_DATE = "spaced_date"
_PASSPORT_CUE = "passport_cue"
_PASSPORT_CUE_AFTER = "passport_cue_after"
_JOINING_CUE = "joining_cue"
_OTHER_NUMBER_CUE = "other_number_cue"
_COUNTRY_CODE = "country_code"
_FLAG = "flag"
_REGION = "region"

_DAY = {"NORM": {"REGEX": r"^\d{1,2}(?:st|nd|rd|th|ero|ro|o)?$"}}
_ORDINAL_SIGN = {"ORTH": {"IN": ["°", "º"]}, "OP": "?"}
# Which words name a month is bot.core.dates' business: any word may stand here, and the
# parser turns the span down when it is not a month.
_MONTH = {"IS_ALPHA": True}
_ABBREVIATION_DOT = {"ORTH": ".", "OP": "?"}
_GAP = [{"NORM": {"IN": ["de", "del", "of", ",", ".", "/", "-", "'", "’"]}, "OP": "?"}] * 3
_YEAR = {"TEXT": {"REGEX": r"^(?:\d{2}|\d{4})$"}}
_FULL_YEAR = {"TEXT": {"REGEX": r"^\d{4}$"}}
_DAY_OR_MONTH = {"TEXT": {"REGEX": r"^\d{1,2}$"}}
_SEPARATOR = {"ORTH": {"IN": ["/", "-", "."]}}
_DATE_PATTERNS = [
    [_DAY, _ORDINAL_SIGN, *_GAP, _MONTH, _ABBREVIATION_DOT, *_GAP, _YEAR],
    [_MONTH, _ABBREVIATION_DOT, *_GAP, _DAY, _ORDINAL_SIGN, *_GAP, _YEAR],
    [_DAY_OR_MONTH, _SEPARATOR, _DAY_OR_MONTH, _SEPARATOR, _YEAR],
    [_FULL_YEAR, _SEPARATOR, _DAY_OR_MONTH, _SEPARATOR, _DAY_OR_MONTH],
]
# Numbers with only spaces between ("12 05 90") may as well be groups of a passport
# number ("12 34 5678"): they leave their digits to it when on no calendar.
_SPACED_DATE_PATTERNS = [[_DAY_OR_MONTH, _DAY_OR_MONTH, _YEAR]]
_NOT_A_DATE = {
    _DATE: {"errors.date_unreadable"},
    _SPACED_DATE: {"errors.date_unreadable", "errors.date_invalid"},
}

# What may stand between a cue and its number: "passport number is", "pasaporte nro.:".
_CUE_TAIL = {
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
_PASSPORT_CUES = [
    [{"NORM": {"IN": ["passport", "pasaporte", "number", "numero", "nro", "nr", "#"]}}, _CUE_TAIL],
    [{"NORM": {"IN": _NUMBER_ABBREVIATIONS}}, {"ORTH": {"IN": [".", "°", "º"]}}, _CUE_TAIL],
    [{"LOWER": {"IN": ["nº", "n°"]}}, _CUE_TAIL],
]
# "... is my passport", "..., that's the passport", "... es mi pasaporte".
_PASSPORT_CUES_AFTER = [
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
_JOINING_CUES = [
    [{"NORM": {"IN": ["is", "its", "thats"]}}, _CUE_TAIL],
    [{"NORM": {"IN": ["it", "that"]}}, {"NORM": "s"}, _CUE_TAIL],
    [{"NORM": "es"}, {"NORM": "el"}, _CUE_TAIL],
]
# Numbers named as something else: a phone, an identity card, a confirmation.
_OTHER_NUMBER_CUES = [
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
_COUNTRY_CODES = [[{"TEXT": {"REGEX": r"^[A-Z]{2,3}$"}}]]
_FLAGS = [[{"TEXT": {"REGEX": "^[\U0001f1e6-\U0001f1ff]$"}}] * 2]

# Regions whose name holds a country's ("America" is the USA): matched so that they
# take their words, but they are no nationality.
_REGIONS = (
    "latin america",
    "south america",
    "central america",
    "north america",
    "america latina",
    "america del sur",
    "america central",
    "america del norte",
)
# Demonyms that are also the bot's languages: "English", "español" mostly ask for one.
_LANGUAGE_NAMES = frozenset({"english", "ingles", "spanish", "espanol"})
# Everyday words, first names and places close enough to a country's name to pass
# for a misspelling of it ("hungry": Hungary, "médico": México, "Georgina": Georgia),
# which are never read as one. "Colombo", "Bolívar" and "Mexicali" are two edits away:
# too far already. "Columbia" is read as Colombia, its most common misspelling.
_NOT_MISSPELT = frozenset(
    {
        "americas",
        "benign",
        "butane",
        "fiance",
        "germane",
        "grenade",
        "hungry",
        "indiana",
        "indies",
        "indigo",
        "italic",
        "malaria",
        "whales",
        "albanil",
        "bermudas",
        "butano",
        "cabana",
        "cabanas",
        "cantar",
        "chiles",
        "correa",
        "espada",
        "franca",
        "franco",
        "francos",
        "francs",
        "germen",
        "gracia",
        "indica",
        "indico",
        "libreria",
        "medico",
        "paraguas",
        "romana",
        "servia",
        "francisca",
        "georgina",
        "germain",
        "indira",
        "jordana",
        "almeria",
    }
)

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


@dataclass(frozen=True)
class _Pipeline:
    nlp: Language
    matcher: Matcher
    phrases: PhraseMatcher
    profile: EmbassyProfile


def _norm(text: str) -> str:
    """Folded as bot.core.countries folds names: no case, accents, dots or apostrophes ("EE.UU." -> "eeuu")."""
    return fold(_JOINERS.sub("", text) or text)


def _doc(nlp: Language, text: str) -> Doc:
    doc = nlp.make_doc(text)
    for token in doc:
        token.norm_ = _norm(token.text)
    return doc


def _nationality_phrases() -> set[str]:
    """Every known name, also hyphenated when it has several words ("guinea-bissau")."""
    return {variant for name in nationality_names() for variant in (name, name.replace(" ", "-"))}


@cache
def _misspellings() -> FuzzyIndex:
    """The one-word names a misspelt word may stand for; the bot's languages are left out."""
    names = nationality_names()
    return FuzzyIndex(
        {name: code for name, code in names.items() if name.isalpha() and name not in _LANGUAGE_NAMES}
    )


def _city_phrases(profile: EmbassyProfile) -> set[str]:
    return {
        name
        for office in profile.offices
        for name in (office.city, office.id, *profile.city_aliases.get(office.city, ()))
    }


@cache
def _pipeline(language: str) -> _Pipeline:
    nlp = spacy.blank(language)
    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, *_NUMBER_INFIXES]).finditer
    matcher = Matcher(nlp.vocab)
    matcher.add(_DATE, _DATE_PATTERNS)
    matcher.add(_SPACED_DATE, _SPACED_DATE_PATTERNS)
    matcher.add(_PASSPORT_CUE, _PASSPORT_CUES, greedy="LONGEST")
    matcher.add(_PASSPORT_CUE_AFTER, _PASSPORT_CUES_AFTER, greedy="LONGEST")
    matcher.add(_JOINING_CUE, _JOINING_CUES, greedy="LONGEST")
    matcher.add(_OTHER_NUMBER_CUE, _OTHER_NUMBER_CUES, greedy="LONGEST")
    matcher.add(_COUNTRY_CODE, _COUNTRY_CODES)
    matcher.add(_FLAG, _FLAGS)
    profile = load_profile()
    phrases = PhraseMatcher(nlp.vocab, attr="NORM")
    phrases.add(NATIONALITY, [_doc(nlp, name) for name in _nationality_phrases()])
    phrases.add(CITY, [_doc(nlp, name) for name in _city_phrases(profile)])
    phrases.add(_REGION, [_doc(nlp, name) for name in _REGIONS])
    return _Pipeline(nlp, matcher, phrases, profile)


def _tokenizer_language(language: Any) -> str:
    """ "es", "es-BO", "ES_bo" -> "es"; None or any other language -> the neutral "xx"."""
    code = re.split(r"[-_]", language)[0].lower() if isinstance(language, str) else ""
    return code if code in LANGUAGES else NEUTRAL_LANGUAGE


def prepare() -> None:
    """Builds every pipeline and the misspelling index now (about a second), not on the first message."""
    for language in (*LANGUAGES, NEUTRAL_LANGUAGE):
        _pipeline(language)
    _misspellings()


def _entity(kind: str, span: Span, value: str, **extra: str) -> Entity:
    return Entity(kind, value, span.start_char, span.end_char, span.text, extra)


def _select(found: Iterable[tuple[Span, Entity | None]], taken: set[int]) -> list[Entity]:
    """The longest (then earliest) spans that do not overlap `taken` or each other;
    their tokens are added to `taken`. A span found with None only takes its tokens."""
    kept = []
    for span, entity in sorted(found, key=lambda item: (-len(item[0]), item[0].start)):
        tokens = range(span.start, span.end)
        if taken.isdisjoint(tokens):
            taken.update(tokens)
            if entity is not None:
                kept.append(entity)
    return kept


def _dates(
    doc: Doc, matches: list[tuple[str, int, int]], today: date | None
) -> Iterator[tuple[Span, Entity | None]]:
    """The spans the date parser can read. One that is no possible date of birth (31/02,
    a future date) comes with None: it is no entity, but no other field takes its digits."""
    for label, start, end in matches:
        if label not in (_DATE, _SPACED_DATE):
            continue
        span = doc[start:end]
        result = parse_date_of_birth(span.text, today)
        if result.ok and result.value:
            extra = {"alternative": result.alternative} if result.alternative else {}
            yield span, _entity(DATE_OF_BIRTH, span, result.value, **extra)
        elif result.error not in _NOT_A_DATE[label]:
            yield span, None


# A country named as a place, not as someone's nationality: "the embassy in Bolivia",
# "embajada de EEUU", "population of Bolivia", "en Bolivia" (but "born in Bolivia",
# "nací en Bolivia" and "soy de Bolivia" stay nationalities), "translate it to French".
_PLACE_HEADS = {
    "embassy",
    "embajada",
    "consulate",
    "consulado",
    "population",
    "habitantes",
    "capital",
    "weather",
    "clima",
}
_PLACE_PREPOSITIONS = {"in", "en", "to", "into", "al"}
_BIRTH_WORDS = {"born", "naci", "nacio", "nacido", "nacida", "nacimiento"}
_LINK_WORDS = {"of", "de", "del", "the", "la", "el", "los", "in", "en"}


def _names_a_place(span: Span) -> bool:
    before = [token.norm_ for token in span.doc[max(0, span.start - 3) : span.start] if not token.is_punct]
    if not before:
        return False
    heads = [word for word in before if word not in _LINK_WORDS]
    if heads and heads[-1] in _PLACE_HEADS:
        return True
    return before[-1] in _PLACE_PREPOSITIONS and not _BIRTH_WORDS & set(before)


def _named_nationality(span: Span) -> str | None:
    """Names as short as a code ("usa", "uk", "rd") count in capitals only: "usa" is also a Spanish verb."""
    folded = fold(span.text)
    if folded in _LANGUAGE_NAMES or (len(folded) <= 3 and not span.text.isupper()) or _names_a_place(span):
        return None
    return parse_nationality(span.text).value


def _coded_nationality(span: Span, words: int, shouted: bool) -> str | None:
    """An alpha-2 code counts only as the whole message ("BO"); a code that is also a word
    ("PER", "CAN") not in a message typed all in capitals."""
    code = span.text
    if (len(code) == 2 and words > 1) or (shouted and code.lower() in COMMON_WORDS):
        return None
    return parse_nationality(code).value


def _city(span: Span, profile: EmbassyProfile) -> str | None:
    cities = {office.city for office in profile.match_offices(span.text)}
    return cities.pop() if len(cities) == 1 else None


def _places(
    doc: Doc, matches: list[tuple[str, int, int]], profile: EmbassyProfile
) -> Iterator[tuple[Span, Entity | None]]:
    """Cities and nationalities; a region ("South America") only takes its words."""
    words = sum(not (token.is_punct or token.is_space) for token in doc)
    shouted = words > 1 and not any(char.islower() for char in doc.text)
    readers: dict[str, Callable[[Span], str | None]] = {
        CITY: lambda span: _city(span, profile),
        NATIONALITY: _named_nationality,
        _COUNTRY_CODE: lambda span: _coded_nationality(span, words, shouted),
        _FLAG: lambda span: parse_nationality(span.text).value,
    }
    for label, start, end in matches:
        span = doc[start:end]
        if label == _REGION:
            yield span, None
        elif label in readers and (value := readers[label](span)):
            yield span, _entity(CITY if label == CITY else NATIONALITY, span, value)


def _misspelt_nationalities(doc: Doc, matches: list[tuple[str, int, int]]) -> Iterator[tuple[Span, Entity]]:
    """Single words no pattern matched that are a near miss of one country's name or
    demonym ("bolivain", "colombaino"); see bot.nlu.fuzzy for how near."""
    matched = {index for _, start, end in matches for index in range(start, end)}
    for token in doc:
        word = token.norm_
        if token.i in matched or not word.isalpha() or word in _NOT_MISSPELT:
            continue
        if code := _misspellings().lookup(word):
            span = doc[token.i : token.i + 1]
            yield span, _entity(NATIONALITY, span, code)


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


def _passports(
    doc: Doc, matches: list[tuple[str, int, int]], taken: set[int], codes: set[int]
) -> list[Entity]:
    """Passport numbers among the tokens no other field took. Those next to a cue
    ("passport", "pasaporte", "nro.", "#" before, "is my passport" after) win over the
    rest; numbers after a phone or identity-card cue, or after "+591", are left out.
    Groups separated by spaces are read as one number next to a cue (also after "is",
    "es el") or when they are the whole message; only such a number may start with a
    two-letter country code taken as a nationality, whose token is in `codes`."""
    cues: dict[str, set[int]] = {_PASSPORT_CUE: set(), _JOINING_CUE: set(), _OTHER_NUMBER_CUE: set()}
    cued_after: set[int] = set()
    for label, start, end in matches:
        if label == _PASSPORT_CUE_AFTER:
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
        named = start in cues[_PASSPORT_CUE] or end in cued_after
        whole_message = words[0] == start and words[-1] < end
        if not (named or whole_message or start in cues[_JOINING_CUE]):
            if is_code:
                start += 1
                continue
            end = _glued_end(doc, start, taken)
        number = _passport_number(doc[start:end].text)
        after_phone_prefix = start > 0 and doc[start - 1].text.startswith("+")
        if number and start not in cues[_OTHER_NUMBER_CUE] and not after_phone_prefix:
            found[named].append(_entity(PASSPORT_NUMBER, doc[start:end], number))
        start = end
    return found[True] or found[False]


def _country_codes(doc: Doc, places: list[Entity]) -> set[int]:
    """The tokens of nationalities written as a two-letter code ("RD")."""
    starts = {
        place.start
        for place in places
        if place.entity == NATIONALITY and len(place.text) == 2 and place.text.isalpha()
    }
    return {token.i for token in doc if token.idx in starts}


def extract_entities(text: str, language: str | None, *, today: date | None = None) -> list[Entity]:
    """The passport numbers, dates of birth, nationalities and return cities in `text`,
    in the order they appear. `language` ("en", "es", "es-BO", None) picks the
    tokenizer; `today` is for the date checks (default: today). Never raises on odd text.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    pipeline = _pipeline(_tokenizer_language(language))
    # Blanked parts become spaces of the same length, so offsets still point into `text`.
    doc = _doc(pipeline.nlp, _BLANKED.sub(lambda part: " " * len(part.group()), text))
    strings = pipeline.nlp.vocab.strings
    matches = [
        (strings[match_id], start, end)
        for match_id, start, end in (*pipeline.matcher(doc), *pipeline.phrases(doc))
    ]
    taken: set[int] = set()
    dates = _select(_dates(doc, matches, today), taken)
    places = _select(
        chain(_places(doc, matches, pipeline.profile), _misspelt_nationalities(doc, matches)), taken
    )
    passports = _passports(doc, matches, taken, _country_codes(doc, places))
    # A country code a passport number starts with is no longer a nationality.
    places = [place for place in places if not any(p.start <= place.start < p.end for p in passports)]
    return sorted(dates + places + passports, key=lambda entity: entity.start)
