"""The blank spaCy pipelines (bot.nlu.spacy_pipeline): the tokenizer a language picks,
numbers split at their separators, folded norms, markup blanked out."""

from __future__ import annotations

import pytest

from bot.nlu.entities import DATE_OF_BIRTH, PASSPORT_NUMBER
from bot.nlu.spacy_pipeline import NEUTRAL_LANGUAGE, pipeline, tokenizer_language
from tests.nlu.test_entities import LANGUAGES, fields


@pytest.mark.parametrize(
    "text",
    [
        "Soy boliviana, mi pasaporte es A1234567 y nací el 3 de mayo del 88",
        "I'm Bolivian, passport #EA-1234567, born 05/03/1985, office in Santa Cruz",
    ],
)
def test_the_language_only_chooses_the_tokenizer(text: str) -> None:
    results = {language: fields(text, language) for language in (*LANGUAGES, "es-BO", "fr", "EN")}
    assert len(set(map(frozenset, results.values()))) == 1
    assert len(results["es"]) >= 3


def test_markup_is_ignored_and_offsets_still_fit_the_original() -> None:
    text = "<p>pasaporte <b>A1234567</b></p><br/>nací el 5 de marzo de 1985"
    assert fields(text) == {(PASSPORT_NUMBER, "A1234567"), (DATE_OF_BIRTH, "1985-03-05")}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "es"),
        ("es-BO", "es"),
        ("ES_bo", "es"),
        ("EN", "en"),
        (None, NEUTRAL_LANGUAGE),
        ("fr", NEUTRAL_LANGUAGE),
        ("", NEUTRAL_LANGUAGE),
        (3, NEUTRAL_LANGUAGE),
    ],
)
def test_the_tokenizer_language(language: object, expected: str) -> None:
    assert tokenizer_language(language) == expected


@pytest.mark.parametrize("language", ["en", "es", NEUTRAL_LANGUAGE])
def test_numbers_are_split_at_their_separators_and_norms_folded(language: str) -> None:
    doc, matches = pipeline(language).match("05/03/1985 EA-1234567 Perú")
    assert [token.text for token in doc] == ["05", "/", "03", "/", "1985", "EA", "-", "1234567", "Perú"]
    assert [token.norm_ for token in doc][5:] == ["ea", "-", "1234567", "peru"]
    assert ("date", 0, 5) in matches
    assert pipeline(language) is pipeline(language)


def test_markup_is_blanked_with_spaces_of_its_length() -> None:
    doc, _ = pipeline("es").match("<b>A1234567</b>")
    assert doc.text == "   A1234567    "
