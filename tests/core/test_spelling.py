"""Names matched by their sound in Spanish and by edit distance (bot.core.spelling),
with the measurement that sets its limits: no word of the conversation is a name."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml

from bot.core.countries import FUZZY_FROM, nationality_names
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.settings import DEFAULT_PROFILE, PROJECT_ROOT
from bot.core.spelling import (
    NO_MATCH,
    REAL_WORDS,
    Spelling,
    SpellingIndex,
    Sureness,
    phonetic_key,
    runs,
)
from bot.core.text import fold

SURE, PROBABLE = Sureness.SURE, Sureness.PROBABLE


@cache
def countries() -> SpellingIndex:
    return SpellingIndex(nationality_names(), fuzzy_from=FUZZY_FROM)


@cache
def profile() -> EmbassyProfile:
    return load_profile(DEFAULT_PROFILE)


@cache
def cities() -> SpellingIndex:
    return SpellingIndex({name: city for city in profile().cities() for name in profile().city_names(city)})


# --- the phonetic key ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("boliviano", "voliviano", "Voliviáno", "bolibiano", "BOLIVIANO", "boliviiano"),
        ("Bolivia", "bolibia", "volivia", "bolivya"),
        ("peruana", "perúana", "Peruanna"),
        ("Cochabamba", "cochavamba", "cochabamva", "cochabanba", "kochabamba", "Cochabamba!"),
        ("Santa Cruz", "santa crus", "santa kruz", "zanta cruz", "santa cruzz"),
        ("Potosí", "potosi", "potossi", "potozi"),
        ("Sucre", "zucre", "sukre", "Súcre"),
        ("Cobija", "covija"),
        ("costarricense", "costaricense", "kostarrisense"),
        ("paraguayo", "paraguallo", "Paraguayo"),
        ("ecuatoriano", "equatoriano", "ekuatoriano"),
        ("hondureño", "ondureno", "hondureno"),
        ("argentina", "arjentina"),
        ("guatemalteco", "guatemalteko", "Guatemalteco"),
        ("colombiana", "colonbiana", "kolombiana"),
        ("estadounidense", "estadounidence", "estadounidenze"),
        ("Germany", "jermany"),
        ("Chile", "chile", "CHILE", "chiile"),
    ],
)
def test_spellings_of_one_sound_have_one_key(spellings: tuple[str, ...]) -> None:
    assert len({phonetic_key(spelling) for spelling in spellings}) == 1, [
        phonetic_key(spelling) for spelling in spellings
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("chile", "cile"),  # "ch" is its own sound, not a k or an s
        ("la paz", "lapaz"),  # words stay words
        ("guinea", "jinea"),  # "gu" before e/i is a hard g
        ("peru", "pero"),
        ("bolivia", "libia"),
        ("cuba", "cuna"),
    ],
)
def test_different_sounds_keep_different_keys(first: str, second: str) -> None:
    assert phonetic_key(first) != phonetic_key(second)


def test_the_key_keeps_one_key_a_word() -> None:
    assert phonetic_key("  Santa   Crúz, de la Sierra!") == "santa krus de la siera"
    assert phonetic_key("") == ""
    assert phonetic_key("¿?") == ""


# --- matching ----------------------------------------------------------------------------


# The spellings the issue names, and many more of the kind.
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("voliviano", "BOL"),
        ("bolibia", "BOL"),
        ("perúana", "PER"),
        ("colonbiana", "COL"),
        ("arjentino", "ARG"),
        ("ekuatoriano", "ECU"),
        ("venesolano", "VEN"),
        ("paraguallo", "PRY"),
        ("urugualla", "URY"),
        ("ondureño", "HND"),
        ("salbadoreño", "SLV"),
        ("nikaraguense", "NIC"),
        ("guatemalteka", "GTM"),
        ("kubano", "CUB"),
        ("dominikano", "DOM"),
        ("estadounidence", "USA"),
        ("estados hunidos", "USA"),
        ("jermany", "DEU"),
        ("bolivain", "BOL"),  # one swap in eight letters
        ("mexciano", "MEX"),  # one swap: two edits of the key, one of the letters
        ("colombaino", "COL"),
        ("peruanoo", "PER"),
        ("bolivianx", "BOL"),
        ("estado unidos", "USA"),
    ],
)
def test_sure_nationalities(text: str, value: str) -> None:
    assert countries().match(text) == Spelling(value, SURE)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("boliva", "BOL"),  # one edit in six letters: asked
        ("bolivi", "BOL"),
        ("obliviano", "BOL"),  # the first letter is wrong
        ("perauno", "PER"),
        ("estado unido", "USA"),
    ],
)
def test_probable_nationalities(text: str, value: str) -> None:
    assert countries().match(text) == Spelling(value, PROBABLE)


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("cochavamba", "Cochabamba"),
        ("cochabamva", "Cochabamba"),
        ("cochabanba", "Cochabamba"),
        ("Cochabamba", "Cochabamba"),
        ("cochabmba", "Cochabamba"),
        ("santa crus", "Santa Cruz de la Sierra"),
        ("santacruz", "Santa Cruz de la Sierra"),  # the words run together
        ("santa crus de la siera", "Santa Cruz de la Sierra"),
        ("el alto", "El Alto"),
        ("elalto", "El Alto"),
        ("la pas", "La Paz"),
        ("lapaz", "La Paz"),
        ("potosi", "Potosí"),
        ("potossi", "Potosí"),
        ("sucre", "Sucre"),
        ("zucre", "Sucre"),
        ("covija", "Cobija"),
        ("chukisaka", "Sucre"),  # an alias, by its sound
    ],
)
def test_sure_cities(text: str, city: str) -> None:
    assert cities().match(text) == Spelling(city, SURE)


@pytest.mark.parametrize(
    ("text", "city"),
    [("tarixa", "Tarija"), ("trinida", "Trinidad"), ("oruru", "Oruro"), ("potsi", "Potosí")],
)
def test_probable_cities(text: str, city: str) -> None:
    assert cities().match(text) == Spelling(city, PROBABLE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "asdfgh",
        "qwerty",
        "xyz",
        "Narnia",
        "latino",
        "virgin islands",  # British or American
        "austrlian",  # as near Austria as Australia
        "dominicna",  # as near Dominica as the Dominican Republic
        "blivia",  # as near Bolivia as Libya
        "pero",  # four letters: one edit from "peru", never forgiven
        "tall",  # sounds like "Thai", but too short to be read by sound
        "to go",  # "togo" typed as two words is no name
        "bolivia y peru",
        "hola",
        "gracias",
        "si",
        "ok",
        *sorted(REAL_WORDS),
    ],
)
def test_nonsense_and_everyday_words_match_no_country(text: str) -> None:
    assert countries().match(text) == NO_MATCH


@pytest.mark.parametrize(
    "text", ["asdfgh", "yes", "hola", "Lima", "Tokyo", "sucr", "poosi", "cbba", "cochabambino", "tarifa"]
)
def test_nonsense_matches_no_city(text: str) -> None:
    # "cbba" is an alias, but only as typed (bot.core.profile): three letters are no sound.
    assert cities().match(text) == NO_MATCH


def test_two_values_equally_near_match_nothing() -> None:
    index = SpellingIndex({"austria": "AUT", "australia": "AUS", "bolivia": "BOL"})
    assert index.match("austrlia") == NO_MATCH
    assert index.match("australa") == Spelling("AUS", SURE)  # one edit from Australia, two from Austria
    assert SpellingIndex({"bolibia": "BOL", "volivia": "XXX"}).match("bolivia") == NO_MATCH


def test_only_the_whole_text_is_matched() -> None:
    assert countries().match("soy voliviano") == NO_MATCH
    assert countries().match_runs(["soy", "voliviano"], frozenset({"soy"}), 4) == Spelling("BOL", SURE)


def test_runs_peel_filler_words_off_either_end() -> None:
    fillers = frozenset({"en", "por", "favor"})
    assert [" ".join(run) for run in runs(["en", "santa", "crus", "por", "favor"], fillers)] == [
        "en santa crus por favor",
        "en santa crus por",
        "en santa crus",
        "santa crus por favor",
        "santa crus por",
        "santa crus",
    ]
    assert [list(run) for run in runs(["la", "paz"], fillers)] == [["la", "paz"]]


def test_a_sure_run_wins_over_an_earlier_probable_one() -> None:
    index = SpellingIndex({"potosi": "PTS", "la paz": "LPZ"})
    assert index.match_runs(["potsi", "la", "pas"], frozenset({"potsi"}), 4) == Spelling("LPZ", SURE)
    assert index.match_runs(["potsi"], frozenset(), 4) == Spelling("PTS", PROBABLE)
    assert index.match_runs(["en", "a", "b", "potosi"], frozenset({"en"}), 2) == NO_MATCH


# --- the measurement behind the limits ----------------------------------------------------

# Misspelt names that the training messages hold on purpose, and what they are read as.
MISSPELT_IN_THE_DATA = {
    "bolivain": "BOL",
    "bolivano": "BOL",
    "brazillian": "BRA",
    "espaniol": "ESP",
    "espano": "ESP",
    "inglez": "GBR",
    "spanis": "ESP",
    "spansih": "ESP",
}


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)
    elif isinstance(node, str):
        yield node


def _messages() -> Iterator[str]:
    """Every training and test message, and every reply of the assistant."""
    for path in sorted(
        [*PROJECT_ROOT.glob("data/nlu/*/*.yml"), *PROJECT_ROOT.glob("tests/data/nlu/**/*.yml")]
    ):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                # "[Bolivian](nationality)" -> "Bolivian"
                yield re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", line.strip().removeprefix("- "))
    for language in ("en", "es"):
        yield from _texts(
            yaml.safe_load((PROJECT_ROOT / "locales" / f"{language}.yml").read_text(encoding="utf-8"))
        )


@cache
def conversation_phrases() -> frozenset[str]:
    """Every word, and every run of two and three words, the conversation uses."""
    phrases = set()
    for message in _messages():
        words = re.findall(r"[^\W\d_]+", fold(message))
        for size in (1, 2, 3):
            phrases.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return frozenset(phrases)


def test_the_measurement_reads_thousands_of_phrases() -> None:
    assert len(conversation_phrases()) > 20_000


def _sub_runs(words: list[str]) -> Iterator[list[str]]:
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            yield words[start:end]


def test_no_word_of_the_conversation_is_taken_for_a_country() -> None:
    names = nationality_names()
    found = {}
    for phrase in conversation_phrases():
        reading = countries().match(phrase)
        # A name itself, or a name with a word around it ("bolivia o"), is no false reading.
        if reading.value and not any(" ".join(run) in names for run in _sub_runs(phrase.split())):
            found[phrase] = reading.value
    assert found == MISSPELT_IN_THE_DATA


def test_no_word_of_the_conversation_is_taken_for_a_city() -> None:
    names = {fold(name) for city in profile().cities() for name in profile().city_names(city)}
    found = {
        phrase: reading.value
        for phrase in conversation_phrases()
        if (reading := cities().match(phrase)).value and not any(name in phrase for name in names)
    }
    assert found == {}


def _typo(rng: random.Random, word: str) -> str:
    """`word` with one slip after its first letter: a letter left out, added, changed or swapped."""
    i = rng.randint(1, len(word) - 2)
    return rng.choice(
        [
            word[:i] + word[i + 1 :],
            word[:i] + rng.choice("aeiounrst") + word[i:],
            word[:i] + rng.choice("aeiounrst") + word[i + 1 :],
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        ]
    )


AMERICAS = {"ARG", "BOL", "BRA", "CHL", "COL", "CRI", "CUB", "DOM", "ECU", "GTM", "HND", "MEX"}
AMERICAS |= {"NIC", "PAN", "PER", "PRY", "SLV", "URY", "USA", "VEN", "ESP"}


def test_one_slip_in_a_nationality_is_read_or_offered_and_never_misread() -> None:
    rng = random.Random(221)
    names = [(fold(n), code) for n, code in nationality_names().items() if code in AMERICAS and n.isalpha()]
    outcomes = {"sure": 0, "probable": 0, "none": 0, "wrong": 0}
    for name, code in names:
        if len(name) < 5:
            continue
        reading = countries().match(_typo(rng, name))
        outcomes["wrong" if reading.value not in (None, code) else reading.sureness.value] += 1
    total = sum(outcomes.values())
    assert outcomes["wrong"] == 0, outcomes
    assert outcomes["sure"] + outcomes["probable"] >= 0.9 * total, outcomes
    assert outcomes["sure"] >= 0.7 * total, outcomes
