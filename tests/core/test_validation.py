"""Passport number validation, the shared Result and input screening (bot.core.validation, bot.core.text)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.i18n import LANGUAGES, t
from bot.core.result import Result
from bot.core.text import MAX_INPUT_CHARS
from bot.core.validation import (
    validate_date_of_birth,
    validate_nationality,
    validate_passport,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A1234567", "A1234567"),
        ("a1234567", "A1234567"),
        ("  ab123456  ", "AB123456"),
        ("12345", "12345"),
        ("X" * 20, "X" * 20),
        ("AB 123 456", "AB123456"),
        ("AB-123-456", "AB123456"),
        ("AB.123.456", "AB123456"),
        ("AB–123—456", "AB123456"),
        ("ＡＢ１２３４５６", "AB123456"),
        ("my passport is AB 123-456", "AB123456"),
        ("My passport number is: ab12345", "AB12345"),
        ("passport no. X1234567", "X1234567"),
        ("passport no 1234567", "1234567"),
        ("The number is 98765", "98765"),
        ("mi pasaporte es 1234567", "1234567"),
        ("Pasaporte: 1234567", "1234567"),
        ("pasaporte:1234567", "1234567"),
        ("PASAPORTE 1234567", "1234567"),
        ("número de pasaporte: A-123.456", "A123456"),
        ("Nro. 1234567", "1234567"),
        ("nro 1234567", "1234567"),
        ("N° 1234567", "1234567"),
        ("Nº1234567", "1234567"),
        ("#1234567", "1234567"),
        ("# 1234567", "1234567"),
        ("pasaporte nro. 1234567", "1234567"),
        # Without a word naming the passport or the number, letters stay in the number.
        ("ES 1234567", "ES1234567"),
        ("NO 1234567", "NO1234567"),
    ],
)
def test_accepts_and_normalises(text: str, expected: str) -> None:
    result = validate_passport(text)
    assert result == Result(value=expected)
    assert result.ok


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("AB1", 3),
        ("1234", 4),
        ("mi pasaporte es 12", 2),
        ("A" * 21, 21),
        ("AB 12-34 56 78 90 12 34 56 78 9", 21),
    ],
)
def test_rejects_length_with_the_count(text: str, count: int) -> None:
    result = validate_passport(text)
    assert result.error == "errors.passport_length"
    assert result.params == {"min": 5, "max": 20, "count": count}
    assert result.value is None
    assert not result.ok


@pytest.mark.parametrize(
    "text",
    [
        "<b>A123</b>",
        "<script>alert(1)</script>",
        "AB12345!",
        "AB_12345",
        "Ñ1234567",
        "ÁB123456",
        "straße12345",
        "😀123456",
        "🛂🛂🛂🛂🛂",
        "A1234567 ✅",
        "---",
        "passport",
        "mi pasaporte",
        "my passport is",
    ],
)
def test_rejects_characters(text: str) -> None:
    assert validate_passport(text) == Result(error="errors.passport_characters")


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_empty_input(text: str | None) -> None:
    assert validate_passport(text) == Result(error="errors.empty")


def test_input_limit_is_on_the_stripped_text() -> None:
    assert validate_passport("A" * MAX_INPUT_CHARS).error == "errors.passport_length"
    assert validate_passport("A" * (MAX_INPUT_CHARS + 1)).error == "errors.too_long"
    assert validate_passport(" " * 500 + "A1234567" + " " * 500).value == "A1234567"


@pytest.mark.parametrize("validate", [validate_passport, validate_date_of_birth, validate_nationality])
def test_every_field_screens_empty_and_huge_input(validate) -> None:
    assert validate("   ").error == "errors.empty"
    assert validate("A1" * 5_000).error == "errors.too_long"
    assert validate("x" * 10_000).error == "errors.too_long"


def test_date_and_nationality_are_delegated() -> None:
    assert validate_date_of_birth("05/03/1985", today=date(2025, 1, 1)) == Result(
        value="1985-03-05", alternative="1985-05-03"
    )
    assert validate_nationality("boliviana") == Result(value="BOL")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", ["", "x" * 10_000, "AB1", "<b>A123</b>"])
def test_every_rejection_renders_in_both_languages(text: str, language: str) -> None:
    result = validate_passport(text)
    message = t(result.error, language, **result.params)
    assert message and "%{" not in message
    if result.params:
        assert str(result.params["count"]) in message
