"""Reading a nationality typed in English or Spanish, and naming countries.

An answer is matched against country names (pycountry, in English and
Spanish), demonyms and extra names (bot/data/demonyms.yml) and ISO codes, and
stored as the ISO 3166-1 alpha-3 code that passports use ("BOL"). Misspelt names
are read by bot.core.spelling: a sure reading is taken ("voliviano"), a probable
one is offered for confirmation ("boliva": Bolivia?).
"""

from __future__ import annotations

import gettext
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
import yaml

from bot.core.i18n import normalise_language
from bot.core.result import Result
from bot.core.spelling import Spelling, SpellingIndex
from bot.core.text import fold, screen_input

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "demonyms.yml"

# ISO codes that are also everyday words or interjections in English or Spanish
# ("no", "es", "de", "me", "us", "can", "per", "sur") count as codes only when
# typed in capitals ("US", "ES").
COMMON_WORDS = frozenset(
    {
        "ad",
        "ai",
        "al",
        "am",
        "as",
        "at",
        "be",
        "by",
        "de",
        "do",
        "eh",
        "er",
        "es",
        "hm",
        "id",
        "in",
        "is",
        "it",
        "la",
        "ma",
        "me",
        "mm",
        "my",
        "na",
        "ni",
        "no",
        "pa",
        "se",
        "si",
        "so",
        "to",
        "us",
        "va",
        "ve",
        "ago",
        "and",
        "are",
        "arm",
        "bra",
        "can",
        "cod",
        "col",
        "cub",
        "fin",
        "gin",
        "gum",
        "jam",
        "mar",
        "nor",
        "pan",
        "per",
        "pry",
        "sur",
        "ton",
        "vat",
        "ven",
    }
)
# "NO" and "SI" in capitals are still answers, not Norway and Slovenia.
ANSWER_WORDS = frozenset({"no", "si"})
# Words around the country that carry no meaning: "soy de Perú", "I'm a Bolivian citizen".
FILLER_WORDS = frozenset(
    {
        "a",
        "am",
        "an",
        "born",
        "citizen",
        "citizenship",
        "ciudadana",
        "ciudadania",
        "ciudadano",
        "come",
        "country",
        "de",
        "del",
        "el",
        "en",
        "es",
        "favor",
        "from",
        "gracias",
        "i",
        "im",
        "in",
        "is",
        "its",
        "la",
        "las",
        "los",
        "mi",
        "my",
        "nacida",
        "nacido",
        "nacimiento",
        "nacionalidad",
        "national",
        "nationality",
        "natural",
        "of",
        "originaria",
        "originario",
        "pais",
        "pasaporte",
        "passport",
        "please",
        "por",
        "soy",
        "thank",
        "thanks",
        "the",
        "un",
        "una",
        "vengo",
        "yo",
        "you",
    }
)
_REGIONAL_INDICATOR_A = 0x1F1E6
# Country names and demonyms are thousands: an edit is forgiven from six letters of
# the phonetic key on (from five, "tenga" was Tonga and "vamos" the Bahamas).
FUZZY_FROM = 6
# Longer answers are sentences, not a misspelt name.
MAX_SPELT_WORDS = 4


def _words(text: str) -> list[tuple[str, str]]:
    """(as typed, folded) word pairs; dots and apostrophes join ("EE.UU.", "I'm")."""
    joined = re.sub(r"[.'’]", "", text)
    return [(word, fold(word)) for word in re.findall(r"[^\W_]+", joined)]


def _key(text: str) -> str:
    return " ".join(folded for _, folded in _words(text))


def _plural(folded: str, language: str) -> str:
    if language == "es":
        return folded + ("s" if folded[-1] in "aeiou" else "es")
    return folded if folded.endswith("s") else folded + "s"


@lru_cache(maxsize=1)
def _curated() -> dict[str, dict[str, Any]]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        curated: dict[str, dict[str, Any]] = yaml.safe_load(handle)
    return curated


@lru_cache(maxsize=1)
def _spanish() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])


def _curated_keys(entry: dict[str, Any]) -> Iterator[str]:
    for language in ("en", "es"):
        for demonym in entry.get(language, []):
            yield _key(demonym)
            yield _plural(_key(demonym), language)
    for name in [*entry.get("names", []), entry.get("name_en"), entry.get("name_es")]:
        if name:
            yield _key(name)


def _pycountry_names(country: Any) -> Iterator[str]:
    for attribute in ("name", "common_name", "official_name"):
        name = getattr(country, attribute, None)
        if name:
            yield name
            yield _spanish().gettext(name)


def _short_form(name: str) -> str:
    """ "Bolivia, Estado plurinacional de" -> "Bolivia"; "Holy See (Vatican...)" -> "Holy See"."""
    return re.sub(r"\s*\(.*?\)", "", name).split(",")[0]


def _add_unambiguous(index: dict[str, str], candidates: dict[str, set[str]]) -> None:
    """Adds the keys not yet indexed that point to a single country."""
    for key, codes in candidates.items():
        if key and key not in index and len(codes) == 1:
            index[key] = next(iter(codes))


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """Folded name or demonym -> alpha-3. Curated entries win over pycountry's
    names, which win over their short forms; a short form shared by two
    countries ("Congo", "Virgin Islands") is left out."""
    index: dict[str, str] = {}
    for code, entry in _curated().items():
        for key in _curated_keys(entry):
            if index.setdefault(key, code) != code:
                raise ValueError(f"{DATA_FILE.name}: {key!r} is both {index[key]} and {code}")
    names: dict[str, set[str]] = defaultdict(set)
    short_forms: dict[str, set[str]] = defaultdict(set)
    for country in pycountry.countries:
        for name in _pycountry_names(country):
            names[_key(name)].add(country.alpha_3)
            short_forms[_key(_short_form(name))].add(country.alpha_3)
    _add_unambiguous(index, names)
    _add_unambiguous(index, short_forms)
    return index


@lru_cache(maxsize=1)
def _spelling() -> SpellingIndex:
    return SpellingIndex(_index(), fuzzy_from=FUZZY_FROM)


def _spelt(words: list[tuple[str, str]]) -> Spelling:
    return _spelling().match_runs([folded for _, folded in words], FILLER_WORDS, MAX_SPELT_WORDS)


def nationality_names() -> dict[str, str]:
    """Every name and demonym parse_nationality knows, folded ("peru", "boliviana"), with its alpha-3."""
    return dict(_index())


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """Alpha-2 and alpha-3 code (upper case) -> alpha-3."""
    codes = {}
    for country in pycountry.countries:
        codes[country.alpha_2] = country.alpha_3
        codes[country.alpha_3] = country.alpha_3
    return codes


def _code(typed: str, folded: str) -> str | None:
    if folded in ANSWER_WORDS or (folded in COMMON_WORDS and not typed.isupper()):
        return None
    return _codes().get(folded.upper())


def _lookup(words: list[tuple[str, str]]) -> str | None:
    found = _index().get(" ".join(folded for _, folded in words))
    if found is None and len(words) == 1:
        found = _code(*words[0])
    return found


def _spans(words: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """Word runs to try: the whole answer, then with filler words peeled off the ends."""
    for start in range(len(words)):
        for end in range(len(words), start, -1):
            yield words[start:end]
            if words[end - 1][1] not in FILLER_WORDS:
                break
        if words[start][1] not in FILLER_WORDS:
            break


def _flag(text: str) -> str | None:
    """ "🇧🇴" -> "BO": a flag emoji is two regional indicator letters."""
    letters = [
        chr(ord(c) - _REGIONAL_INDICATOR_A + ord("A"))
        for c in text
        if 0 <= ord(c) - _REGIONAL_INDICATOR_A < 26
    ]
    return "".join(letters) if len(letters) == 2 else None


def parse_nationality(text: str | None) -> Result:
    """A nationality (name, demonym or code, en/es) as ISO 3166-1 alpha-3.

    A misspelt name is read when sure; a probable reading is not a value: the
    answer is rejected with that reading as `alternative`, for the form to offer."""
    screened = screen_input(text)
    if isinstance(screened, Result):
        return screened
    flag = _flag(screened)
    if flag:
        found = _codes().get(flag)
    else:
        words = _words(re.sub(r"<[^>]*>", " ", screened))
        found = next((code for span in _spans(words) if (code := _lookup(span))), None)
        if found is None:
            spelt = _spelt(words)
            found = spelt.sure
            if spelt.probable:
                return Result(error="errors.nationality_unknown", alternative=spelt.probable)
    if found is None:
        return Result(error="errors.nationality_unknown")
    return Result(value=found)


def country_name(alpha3: str, language: str) -> str:
    """The country's name to show ("Bolivia", "Estados Unidos"); unknown codes come back as is."""
    language = normalise_language(language)
    alpha3 = alpha3.upper()
    override = _curated().get(alpha3, {}).get(f"name_{language}")
    country = pycountry.countries.get(alpha_3=alpha3)
    if override or country is None:
        return override or alpha3
    name = getattr(country, "common_name", None) or country.name
    # "Virgin Islands, British" reads better as its official "British Virgin Islands".
    if "," in name and getattr(country, "official_name", None):
        name = country.official_name
    return _spanish().gettext(name) if language == "es" else name
