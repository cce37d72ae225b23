"""Passport numbers in free text, with cues and in groups (bot.nlu.passport_rules),
through extract_entities."""

from __future__ import annotations

import pytest

from bot.nlu.entities import PASSPORT_NUMBER
from tests.nlu.test_entities import LANGUAGES, extract, only


@pytest.mark.parametrize(
    ("language", "text", "value", "span"),
    [
        ("es", "mi pasaporte es A1234567", "A1234567", "A1234567"),
        ("en", "my passport number is a1234567", "A1234567", "a1234567"),
        ("es", "pasaporte: EA-1234567", "EA1234567", "EA-1234567"),
        ("en", "passport #4567890", "4567890", "4567890"),
        ("es", "nro. 4567890", "4567890", "4567890"),
        ("es", "N° A1234567", "A1234567", "A1234567"),
        ("es", "Nº 123456", "123456", "123456"),
        ("en", "No. 1234567", "1234567", "1234567"),
        ("es", "número de pasaporte: 987654321", "987654321", "987654321"),
        ("es", "pasaporte a123 4567", "A1234567", "a123 4567"),
        ("es", "pasaporte EA 1234567", "EA1234567", "EA 1234567"),
        (None, "a123 4567", "A1234567", "a123 4567"),
        (None, "A1234567", "A1234567", "A1234567"),
        ("en", "It's A1234567.", "A1234567", "A1234567"),
        ("es", "(A1234567)", "A1234567", "A1234567"),
        ("es", "pasaporte: EA-123-456", "EA123456", "EA-123-456"),
    ],
)
def test_passport_number(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, PASSPORT_NUMBER, language)
    assert (entity.value, entity.text) == (value, span)


@pytest.mark.parametrize(
    "text",
    [
        "1985",
        "3",
        "nací en 1985",
        "tengo 3 hijos",
        "05-03-1985",  # a date, not passport 05031985
        "31/02/1985",  # not on the calendar: no date, and not a passport either
        "05/03/2030",  # in the future: likewise
        "+591 71234567",
        "my phone number is 71234567",
        "mi CI es 7654321",
        "confirmación #ABCD-1234",
        "I filled the DS-260 form",
        "hola a123 4567",  # two short groups inside a sentence are not clearly one number
        "ABCDEF",
    ],
)
def test_numbers_that_are_not_passports(text: str) -> None:
    assert not [entity for entity in extract(text) if entity.entity == PASSPORT_NUMBER]


def test_a_number_after_a_passport_cue_wins_over_the_others() -> None:
    assert only("llamar al 7777777, pasaporte A1234567", PASSPORT_NUMBER).value == "A1234567"
    assert only("mi CI es 7654321 y mi pasaporte 1234567", PASSPORT_NUMBER).value == "1234567"


def test_without_a_cue_every_number_is_offered() -> None:
    assert {e.value for e in extract("A1234567 o B7654321") if e.entity == PASSPORT_NUMBER} == {
        "A1234567",
        "B7654321",
    }


def test_spaced_groups_stop_at_a_short_trailing_number() -> None:
    assert only("passport A1234567 2 copies", PASSPORT_NUMBER, "en").value == "A1234567"


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("mi pasaporte es el g 123 4455", "G1234455", "g 123 4455"),
        ("passport: ZX 44 55 667", "ZX4455667", "ZX 44 55 667"),
        ("my number is 12 34 567", "1234567", "12 34 567"),
        ("número: 12 34 567", "1234567", "12 34 567"),
        ("n° 55 66 778", "5566778", "55 66 778"),
        ("pasaporte AB-12 34 567", "AB1234567", "AB-12 34 567"),
        ("it's 12 34 567", "1234567", "12 34 567"),
        ("es el 12 34 567", "1234567", "12 34 567"),
        # A cue after the number.
        ("4455 6677 is my passport", "44556677", "4455 6677"),
        ("4455 6677, that's my passport", "44556677", "4455 6677"),
        ("sp 1234 567 thats my passport", "SP1234567", "sp 1234 567"),
        ("sp 1234 567 thats the passport", "SP1234567", "sp 1234 567"),
        ("12 34 567 es mi pasaporte", "1234567", "12 34 567"),
        ("PQ 12 3456 7 es mi pasaporte", "PQ1234567", "PQ 12 3456 7"),
        # The whole message.
        ("PQ 12 3456 7", "PQ1234567", "PQ 12 3456 7"),
        ("zx 44 55 667.", "ZX4455667", "zx 44 55 667"),
        # A short everyday word does not start the number.
        ("so 1234 567 is my passport", "1234567", "1234 567"),
        ("y 1234 567 es mi pasaporte", "1234567", "1234 567"),
        ("passport number: ok 1234567", "1234567", "1234567"),
        # A short last group before "y" / "and" still belongs to the number.
        ("mi pasaporte es 12 34 56 7 y nací en Potosí", "1234567", "12 34 56 7"),
        ("pasaporte 12 34 567 +591 7123 4567", "1234567", "12 34 567"),
        ("pasaporte A1234567 3 hijos", "A1234567", "A1234567"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_number_typed_in_groups(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, PASSPORT_NUMBER, language)
    assert (entity.value, entity.text) == (value, span)


@pytest.mark.parametrize(
    "text",
    [
        "hola 12 34 567",  # no cue, not the whole message
        "I have 2 kids and 3 dogs",
        "tengo 12 34 años",
        "my phone number is 12 34 567",
        "mi número de celular es 7123 4567",
        "+591 7123 4567",
        "vivo en la calle 12 número 3",  # too short once joined
    ],
)
def test_groups_that_are_not_passports(text: str) -> None:
    assert not [entity for entity in extract(text) if entity.entity == PASSPORT_NUMBER]


def test_a_number_after_is_does_not_win_over_one_after_a_passport_cue() -> None:
    text = "my passport is A1234567 and my husband's is B7654321"
    assert only(text, PASSPORT_NUMBER, "en").value == "A1234567"
