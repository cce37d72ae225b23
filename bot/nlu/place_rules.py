"""Nationalities and return cities: the names bot.core.countries and the embassy profile
know (matched as phrases), country codes and flags, and single words that are a near
miss of a country's name (bot.nlu.fuzzy) or sound like one (bot.core.spelling:
"voliviano"); each read by the validator the forms use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

from spacy.tokens import Doc, Span

from bot.core import countries
from bot.core.countries import COMMON_WORDS, nationality_names, parse_nationality
from bot.core.profile import EmbassyProfile
from bot.core.spelling import REAL_WORDS, SpellingIndex, phonetic_key
from bot.core.text import fold
from bot.nlu.entity_types import CITY, NATIONALITY, Entity, Found, Match, Pattern, entity_of
from bot.nlu.fuzzy import FuzzyIndex

# Matcher labels that are not entities.
COUNTRY_CODE = "country_code"
FLAG = "flag"
REGION = "region"

COUNTRY_CODE_PATTERNS: list[Pattern] = [[{"TEXT": {"REGEX": r"^[A-Z]{2,3}$"}}]]
FLAG_PATTERNS: list[Pattern] = [[{"TEXT": {"REGEX": "^[\U0001f1e6-\U0001f1ff]$"}}] * 2]

# Regions whose name holds a country's ("America" is the USA): matched so that they
# take their words, but they are no nationality.
REGIONS = (
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


def nationality_phrases() -> set[str]:
    """Every known name, also hyphenated when it has several words ("guinea-bissau")."""
    return {variant for name in nationality_names() for variant in (name, name.replace(" ", "-"))}


def _one_word_names() -> dict[str, str]:
    """The one-word names a misspelt word may stand for; the bot's languages are left out."""
    return {
        name: code
        for name, code in nationality_names().items()
        if name.isalpha() and name not in _LANGUAGE_NAMES
    }


@cache
def misspellings() -> FuzzyIndex:
    return FuzzyIndex(_one_word_names())


@cache
def sound_alikes() -> SpellingIndex:
    """The same names by their sound in Spanish ("voliviano", "colonbiana"), but for
    the languages' other forms too ("spanis" sounds like the plural "spanishs")."""
    return SpellingIndex(
        {
            name: code
            for name, code in _one_word_names().items()
            if not name.startswith(tuple(_LANGUAGE_NAMES))
        },
        fuzzy_from=countries.FUZZY_FROM,
    )


def city_phrases(profile: EmbassyProfile) -> set[str]:
    return {
        name
        for office in profile.offices
        for name in (office.city, office.id, *profile.city_aliases.get(office.city, ()))
    }


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


# The most words a city's name or alias has ("santa cruz de la sierra").
_CITY_WORDS = 5


def _cities_by_sound(doc: Doc, profile: EmbassyProfile) -> Iterator[Found]:
    """Runs of words that sound like a city's name or alias ("cochavamba", "santa crus")."""
    keys = [phonetic_key(token.text) if token.is_alpha else "" for token in doc]
    for start in range(len(doc)):
        for end in range(start + 1, min(len(doc), start + _CITY_WORDS) + 1):
            if not keys[end - 1]:
                break
            if city := profile.city_by_sound(keys[start:end]):
                span = doc[start:end]
                yield span, entity_of(CITY, span, city)


def places(doc: Doc, matches: list[Match], profile: EmbassyProfile) -> Iterator[Found]:
    """Cities and nationalities, also cities spelt by their sound; a region ("South
    America") only takes its words."""
    words = sum(not (token.is_punct or token.is_space) for token in doc)
    shouted = words > 1 and not any(char.islower() for char in doc.text)
    readers: dict[str, Callable[[Span], str | None]] = {
        CITY: lambda span: _city(span, profile),
        NATIONALITY: _named_nationality,
        COUNTRY_CODE: lambda span: _coded_nationality(span, words, shouted),
        FLAG: lambda span: parse_nationality(span.text).value,
    }
    for label, start, end in matches:
        span = doc[start:end]
        if label == REGION:
            yield span, None
        elif label in readers and (value := readers[label](span)):
            yield span, entity_of(CITY if label == CITY else NATIONALITY, span, value)
    yield from _cities_by_sound(doc, profile)


def misspelt_nationalities(doc: Doc, matches: list[Match]) -> Iterator[tuple[Span, Entity]]:
    """Single words no pattern matched that are a near miss of one country's name or
    demonym ("bolivain", "colombaino"; see bot.nlu.fuzzy for how near), or that surely
    sound like one ("voliviano", "colonbiano"; see bot.core.spelling)."""
    matched = {index for _, start, end in matches for index in range(start, end)}
    for token in doc:
        word = token.norm_
        if token.i in matched or not word.isalpha() or word in _NOT_MISSPELT or word in REAL_WORDS:
            continue
        if code := misspellings().lookup(word) or sound_alikes().match(word).sure:
            span = doc[token.i : token.i + 1]
            yield span, entity_of(NATIONALITY, span, code)
