"""Rule-based extraction of the personal fields from free text (bot.nlu.entities): the
fields together, and odd input. The helpers here serve the tests of each rule module too."""

from __future__ import annotations

from datetime import date

import pytest

from bot.nlu.entities import (
    CITY,
    DATE_OF_BIRTH,
    NATIONALITY,
    PASSPORT_NUMBER,
    Entity,
    extract_entities,
)

TODAY = date(2025, 6, 15)
LANGUAGES = ("en", "es", None)


def extract(text: str, language: str | None = "es") -> list[Entity]:
    entities = extract_entities(text, language, today=TODAY)
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text
    return entities


def fields(text: str, language: str | None = "es") -> set[tuple[str, str]]:
    return {(entity.entity, entity.value) for entity in extract(text, language)}


def only(text: str, kind: str, language: str | None = "es") -> Entity:
    found = [entity for entity in extract(text, language) if entity.entity == kind]
    assert len(found) == 1, found
    return found[0]


def test_a_misspelt_nationality_among_the_other_fields() -> None:
    text = "mi pasaporte es el G 123 4455, soy bolivain y nací el 3 de mayo del 88"
    assert fields(text) == {
        (PASSPORT_NUMBER, "G1234455"),
        (NATIONALITY, "BOL"),
        (DATE_OF_BIRTH, "1988-05-03"),
    }


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Soy boliviana, mi pasaporte es A1234567 y nací el 3 de mayo del 88"),
        ("en", "I'm Bolivian, passport #A1234567, born May 3, 1988"),
        (None, "A1234567, 3 de mayo del 88, BOL"),
        ("es", "nací el 3 de mayo de 1988 en Cochabamba, pasaporte A1234567, nacionalidad boliviana"),
    ],
)
def test_all_fields_in_one_message(language: str | None, text: str) -> None:
    found = fields(text, language)
    assert {(PASSPORT_NUMBER, "A1234567"), (DATE_OF_BIRTH, "1988-05-03"), (NATIONALITY, "BOL")} <= found
    assert {kind for kind, _ in found} <= {PASSPORT_NUMBER, DATE_OF_BIRTH, NATIONALITY, CITY}


def test_entities_come_in_text_order_with_their_offsets() -> None:
    text = "pasaporte A1234567, nací el 5/3/1985 en Sucre, soy boliviano"
    expected = [
        (PASSPORT_NUMBER, "A1234567"),
        (DATE_OF_BIRTH, "5/3/1985"),
        (CITY, "Sucre"),
        (NATIONALITY, "boliviano"),
    ]
    assert [(e.entity, e.start, e.end) for e in extract(text)] == [
        (kind, text.index(span), text.index(span) + len(span)) for kind, span in expected
    ]


@pytest.mark.parametrize(
    ("text", "passport", "date_of_birth"),
    [
        ("A1234567 05-03-1985", "A1234567", "1985-03-05"),
        ("05/03/1985 A1234567", "A1234567", "1985-03-05"),
        ("5/3/85,A123456", "A123456", "1985-03-05"),
        ("born 1985-03-05 passport 4567890", "4567890", "1985-03-05"),
    ],
)
def test_a_passport_next_to_a_date(text: str, passport: str, date_of_birth: str) -> None:
    assert fields(text) == {(PASSPORT_NUMBER, passport), (DATE_OF_BIRTH, date_of_birth)}


@pytest.mark.parametrize(
    "text",
    [
        "RD 1234567",
        "RD-1234567",
        "mi pasaporte es RD 1234567",
        "RD 1234567 es mi pasaporte",
        "passport RD 1234567",
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_country_code_that_starts_a_passport_is_no_nationality(language: str | None, text: str) -> None:
    assert fields(text, language) == {(PASSPORT_NUMBER, "RD1234567")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PE 55667788", {(PASSPORT_NUMBER, "PE55667788")}),
        ("pasaporte PE 55667788", {(PASSPORT_NUMBER, "PE55667788")}),
        # Without a cue, in a sentence, the code stays a nationality.
        ("soy de RD 1234567", {(NATIONALITY, "DOM"), (PASSPORT_NUMBER, "1234567")}),
        ("nacionalidad RD, pasaporte 1234567", {(NATIONALITY, "DOM"), (PASSPORT_NUMBER, "1234567")}),
        ("RD", {(NATIONALITY, "DOM")}),
        # Three letters are a nationality, not a prefix.
        ("pasaporte BOL 1234567", {(NATIONALITY, "BOL"), (PASSPORT_NUMBER, "1234567")}),
    ],
)
def test_country_codes_next_to_numbers(text: str, expected: set[tuple[str, str]]) -> None:
    assert fields(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2-2-1999", {(DATE_OF_BIRTH, "1999-02-02")}),
        ("12 05 90", {(DATE_OF_BIRTH, "1990-05-12")}),
        ("pasaporte A1234567 12 05 90", {(PASSPORT_NUMBER, "A1234567"), (DATE_OF_BIRTH, "1990-05-12")}),
        (
            "mi pasaporte es 12 34 567 y nací el 2-2-1999",
            {(PASSPORT_NUMBER, "1234567"), (DATE_OF_BIRTH, "1999-02-02")},
        ),
        (
            "pasaporte ZX 44 55 667 05 03 1985",
            {(PASSPORT_NUMBER, "ZX4455667"), (DATE_OF_BIRTH, "1985-03-05")},
        ),
        # Spaced numbers on no calendar are left to the passport.
        ("my number is 12 34 5678", {(PASSPORT_NUMBER, "12345678")}),
        # On the calendar but in the future: no date, and no passport either.
        ("05 03 2030", set()),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_groups_do_not_swallow_a_date(
    language: str | None, text: str, expected: set[tuple[str, str]]
) -> None:
    assert fields(text, language) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀🎉🇧🇴🇧🇴🇧",
        "\x00\u200b\ufeff",
        "<script>alert('A1234567')</script>",
        "<" * 5000 + ">" * 5000,
        "," * 10_000,
        "1" * 10_000,
        "5 " * 5_000,
        ("Soy boliviana, pasaporte A1234567, 3 de mayo del 88, La Paz. 😀 <b>x</b> " * 200)[:10_000],
        "ñ" * 300 + " A1234567",
    ],
)
@pytest.mark.parametrize("language", [*LANGUAGES, "xx", "🇧🇴"])
def test_odd_input_never_raises(language: str | None, text: str) -> None:
    extract(text, language)


def test_not_a_string_gives_nothing() -> None:
    assert extract_entities(None, "es") == []  # type: ignore[arg-type]
    assert extract_entities("A1234567", 3) != []  # type: ignore[arg-type]


def test_a_long_message_is_searched_to_the_end() -> None:
    text = "bla " * 2_400 + "pasaporte A1234567"
    assert only(text, PASSPORT_NUMBER).start == len(text) - len("A1234567")
