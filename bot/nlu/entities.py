"""Finds the personal fields in a free-text message: passport number, date of birth,
nationality and return city. Dates are taken first, then places, then passport numbers
from the tokens left, so "05-03-1985" never becomes a passport number; each value is
what the form would store (bot.nlu.date_rules, place_rules, passport_rules)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import chain

from spacy.tokens import Doc

from bot.core.i18n import LANGUAGES
from bot.nlu import date_rules, passport_rules, place_rules, spacy_pipeline
from bot.nlu.entity_types import CITY, DATE_OF_BIRTH, NATIONALITY, PASSPORT_NUMBER, Entity, Found

__all__ = [
    "CITY",
    "DATE_OF_BIRTH",
    "NATIONALITY",
    "PASSPORT_NUMBER",
    "Entity",
    "extract_entities",
    "prepare",
]


def prepare() -> None:
    """Builds every pipeline and the misspelling index now (about a second), not on the first message."""
    for language in (*LANGUAGES, spacy_pipeline.NEUTRAL_LANGUAGE):
        spacy_pipeline.pipeline(language)
    place_rules.misspellings()


def _select(found: Iterable[Found], taken: set[int]) -> list[Entity]:
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
    pipeline = spacy_pipeline.pipeline(spacy_pipeline.tokenizer_language(language))
    doc, matches = pipeline.match(text)
    taken: set[int] = set()
    dates = _select(date_rules.dates(doc, matches, today), taken)
    places = _select(
        chain(
            place_rules.places(doc, matches, pipeline.profile),
            place_rules.misspelt_nationalities(doc, matches),
        ),
        taken,
    )
    passports = passport_rules.passports(doc, matches, taken, _country_codes(doc, places))
    # A country code a passport number starts with is no longer a nationality.
    places = [place for place in places if not any(p.start <= place.start < p.end for p in passports)]
    return sorted(dates + places + passports, key=lambda entity: entity.start)
