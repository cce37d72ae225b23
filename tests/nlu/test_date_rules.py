"""Dates of birth in free text (bot.nlu.date_rules), through extract_entities."""

from __future__ import annotations

import pytest

from bot.nlu.entities import DATE_OF_BIRTH
from tests.nlu.test_entities import LANGUAGES, only


@pytest.mark.parametrize(
    ("language", "text", "value", "span"),
    [
        ("es", "nací el 3 de mayo del 88", "1988-05-03", "3 de mayo del 88"),
        ("es", "5 de marzo de 1985", "1985-03-05", "5 de marzo de 1985"),
        ("es", "12 de setiembre del 90", "1990-09-12", "12 de setiembre del 90"),
        ("es", "el 1º de mayo de 1980", "1980-05-01", "1º de mayo de 1980"),
        ("es", "1° de mayo del 80", "1980-05-01", "1° de mayo del 80"),
        ("es", "20 abr. 1975", "1975-04-20", "20 abr. 1975"),
        ("es", "marzo 5 de 1985", "1985-03-05", "marzo 5 de 1985"),
        ("es", "lunes 7 de julio de 1969", "1969-07-07", "7 de julio de 1969"),
        ("en", "born March 5, 1985", "1985-03-05", "March 5, 1985"),
        ("en", "5th march 85", "1985-03-05", "5th march 85"),
        ("en", "May 5th, 1985", "1985-05-05", "May 5th, 1985"),
        ("en", "Dec 3 1999", "1999-12-03", "Dec 3 1999"),
        ("en", "the 5th of March 1985", "1985-03-05", "5th of March 1985"),
        ("es", "1985-03-05", "1985-03-05", "1985-03-05"),
        ("en", "born on 21/07/1990.", "1990-07-21", "21/07/1990"),
        # A two-digit year is the latest one in the past.
        ("es", "3 de mayo del 24", "2024-05-03", "3 de mayo del 24"),
        ("en", "5 May 26", "1926-05-05", "5 May 26"),
    ],
)
def test_date_of_birth(language: str | None, text: str, value: str, span: str) -> None:
    entity = only(text, DATE_OF_BIRTH, language)
    assert (entity.value, entity.text, entity.extra) == (value, span, {})


@pytest.mark.parametrize(
    ("text", "value", "alternative"),
    [
        ("05/03/1985", "1985-03-05", "1985-05-03"),
        ("5-3-85", "1985-03-05", "1985-05-03"),
        ("5.3.85", "1985-03-05", "1985-05-03"),
        ("05 / 03 / 1985", "1985-03-05", "1985-05-03"),
        ("05 03 1985", "1985-03-05", "1985-05-03"),
        ("03/05/88", "1988-05-03", "1988-03-05"),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_ambiguous_dates_keep_the_month_first_reading(
    language: str | None, text: str, value: str, alternative: str
) -> None:
    entity = only(text, DATE_OF_BIRTH, language)
    assert (entity.value, entity.extra) == (value, {"alternative": alternative})


def test_a_date_that_cannot_be_ambiguous_has_no_alternative() -> None:
    assert only("25/12/1985", DATE_OF_BIRTH).extra == {}
