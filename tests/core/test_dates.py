"""Reading and writing dates of birth (bot.core.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.dates import (
    MONTH_NAMES,
    correct_date_of_birth,
    format_date,
    parse_date_correction,
    parse_date_of_birth,
)
from bot.core.i18n import LANGUAGES, t
from bot.core.result import Result

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Spanish, spelled out
        ("5 de marzo de 1985", "1985-03-05"),
        ("5 de marzo del 85", "1985-03-05"),
        ("el 5 de marzo de 1985", "1985-03-05"),
        ("nací el 5 de marzo de 1985", "1985-03-05"),
        ("NACI EL 5 DE MARZO DE 1985", "1985-03-05"),
        ("5 marzo, 1985", "1985-03-05"),
        ("marzo 5 de 1985", "1985-03-05"),
        ("1ro de mayo de 1980", "1980-05-01"),
        ("1º de mayo de 1980", "1980-05-01"),
        ("12 de setiembre de 1990", "1990-09-12"),
        ("12 de septiembre de 1990", "1990-09-12"),
        ("12 set 1990", "1990-09-12"),
        ("3 ene 2000", "2000-01-03"),
        ("20 abr. 1975", "1975-04-20"),
        ("15 ago 1966", "1966-08-15"),
        ("3 dic 1999", "1999-12-03"),
        ("lunes 7 de julio de 1969", "1969-07-07"),
        # English, spelled out
        ("March 5, 1985", "1985-03-05"),
        ("5 March 1985", "1985-03-05"),
        ("march 5th 1985", "1985-03-05"),
        ("5th of March, 1985", "1985-03-05"),
        ("I was born on the 5th of March 1985", "1985-03-05"),
        ("Mar 5, 85", "1985-03-05"),
        ("Sept 21st 1971", "1971-09-21"),
        ("jan 2 2001", "2001-01-02"),
        ("Aug 22nd, 1990", "1990-08-22"),
        ("Dec 3rd 1999", "1999-12-03"),
        ("May 5 1985", "1985-05-05"),
        # Numbers
        ("1985-03-05", "1985-03-05"),
        ("1985/3/5", "1985-03-05"),
        ("25/03/1985", "1985-03-25"),
        ("03/25/1985", "1985-03-25"),
        ("05/05/1985", "1985-05-05"),
        ("31.12.1999", "1999-12-31"),
        ("29/02/2024", "2024-02-29"),
        ("15/06/2025", "2025-06-15"),
        ("15 June 1905", "1905-06-15"),
        ("<b>25/3/1985</b>", "1985-03-25"),
    ],
)
def test_reads_dates_in_both_languages(text: str, expected: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) == Result(value=expected)


@pytest.mark.parametrize(
    ("text", "day_first", "month_first"),
    [
        ("05/03/1985", "1985-03-05", "1985-05-03"),
        ("5-3-1985", "1985-03-05", "1985-05-03"),
        ("05.03.1985", "1985-03-05", "1985-05-03"),
        ("05 / 03 / 1985", "1985-03-05", "1985-05-03"),
        ("mi fecha de nacimiento es 1/12/1970", "1970-12-01", "1970-01-12"),
    ],
)
def test_ambiguous_numeric_dates_offer_the_month_first_reading(
    text: str, day_first: str, month_first: str
) -> None:
    result = parse_date_of_birth(text, today=TODAY)
    assert result == Result(value=day_first, alternative=month_first)


def test_month_first_reading_is_kept_only_when_it_is_a_possible_birth_date() -> None:
    # Day first (1 December 2025) is in the future, so only 12 January is left.
    assert parse_date_of_birth("01/12/2025", today=TODAY) == Result(value="2025-01-12")
    # Month first (10 June 2025) is fine, day first (6 October 2025) is not.
    assert parse_date_of_birth("06/10/2025", today=TODAY) == Result(value="2025-06-10")
    # Both in the future: the day-first reading decides the error.
    assert parse_date_of_birth("11/12/2025", today=TODAY).error == "errors.date_future"


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("05/03/85", TODAY, "1985-03-05"),
        ("25/03/99", TODAY, "1999-03-25"),
        ("25/03/00", TODAY, "2000-03-25"),
        ("25/03/25", TODAY, "2025-03-25"),
        ("25/07/25", TODAY, "1925-07-25"),
        ("25/03/26", TODAY, "1926-03-25"),
        ("5 de marzo del 30", date(2031, 1, 1), "2030-03-05"),
        ("5 de marzo del 30", date(2029, 1, 1), "1930-03-05"),
        ("March 5, 05", date(2006, 1, 1), "2005-03-05"),
        ("29/02/24", date(2023, 1, 1), "1924-02-29"),
    ],
)
def test_two_digit_years_take_the_latest_century_in_the_past(text: str, today: date, expected: str) -> None:
    assert parse_date_of_birth(text, today=today).value == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("31/02/1990", "errors.date_invalid"),
        ("29/02/2023", "errors.date_invalid"),
        ("2001-13-01", "errors.date_invalid"),
        ("13/13/1990", "errors.date_invalid"),
        ("32 de marzo de 1990", "errors.date_invalid"),
        ("31 April 1990", "errors.date_invalid"),
        ("0000-01-01", "errors.date_invalid"),
        ("16/06/2025", "errors.date_future"),
        ("01/01/2030", "errors.date_future"),
        ("5 de marzo de 2099", "errors.date_future"),
        ("15/06/1904", "errors.date_too_old"),
        ("01/01/1900", "errors.date_too_old"),
        ("March 5, 1850", "errors.date_too_old"),
        ("ayer", "errors.date_unreadable"),
        ("no sé", "errors.date_unreadable"),
        ("5 de marzo", "errors.date_unreadable"),
        ("marzo de 1985", "errors.date_unreadable"),
        ("1985", "errors.date_unreadable"),
        ("5/3", "errors.date_unreadable"),
        ("🎂🎂🎂", "errors.date_unreadable"),
        ("<script>alert(1)</script>", "errors.date_unreadable"),
        ("05/03/19850", "errors.date_unreadable"),
        ("   ", "errors.empty"),
        (None, "errors.empty"),
        ("5 de marzo de 1985 " * 600, "errors.too_long"),
    ],
)
def test_rejections(text: str | None, error: str) -> None:
    result = parse_date_of_birth(text, today=TODAY)
    assert result.error == error
    assert result.value is None


def test_too_old_carries_the_age_limit_for_the_message() -> None:
    assert parse_date_of_birth("01/01/1900", today=TODAY).params == {"max_age": 120}


def test_born_today_and_aged_120_are_accepted() -> None:
    assert parse_date_of_birth("15/06/2025", today=TODAY).ok
    assert parse_date_of_birth("15/06/1905", today=TODAY).ok
    # Turns 121 tomorrow.
    assert parse_date_of_birth("16/06/1904", today=TODAY).value == "1904-06-16"


def test_today_defaults_to_the_real_date() -> None:
    assert parse_date_of_birth("01/01/2999").error == "errors.date_future"
    assert parse_date_of_birth("1985-03-05").value == "1985-03-05"


@pytest.mark.parametrize(
    ("iso", "language", "expected"),
    [
        ("1985-03-05", "en", "5 March 1985"),
        ("1985-03-05", "es", "5 de marzo de 1985"),
        ("2001-09-11", "es", "11 de septiembre de 2001"),
        ("1999-12-31", "en", "31 December 1999"),
        ("1985-03-05", "pt", "5 March 1985"),
    ],
)
def test_format_date(iso: str, language: str, expected: str) -> None:
    assert format_date(iso, language) == expected


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("month", range(1, 13))
def test_formatted_dates_read_back(language: str, month: int) -> None:
    iso = date(1990, month, 28).isoformat()
    assert parse_date_of_birth(format_date(iso, language), today=TODAY).value == iso
    assert len(MONTH_NAMES[language]) == 12


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", ["", "x" * 10_000, "ayer", "31/02/1990", "01/01/2030", "01/01/1900"])
def test_every_rejection_renders_in_both_languages(text: str, language: str) -> None:
    result = parse_date_of_birth(text, today=TODAY)
    message = t(result.error, language, **result.params)
    assert message and "%{" not in message


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("no, I was born on the 4th", {"day": 4}),
        ("it's the 21st not the 20th", {"day": 21}),
        ("my birthday is on the 3rd", {"day": 3}),
        ("nací el 4", {"day": 4}),
        ("naci el dia 14", {"day": 14}),
        ("perdón, el día es 9", {"day": 9}),
        ("no, nací el 4 de mayo", {"day": 4, "month": 5}),
        ("born in May", {"month": 5}),
        ("el mes es diciembre", {"month": 12}),
        ("the year is 1988", {"year": 1988}),
        ("me equivoqué en el año, es 1987", {"year": 1987}),
        ("nací en 1990", {"year": 1990}),
        # No correction: a whole date, a number without a word about the birth date,
        # a passport number, a month name used as a word.
        ("no, I was born on 24 March 1985", {}),
        ("me equivoqué, es 4567891", {}),
        ("opción 4", {}),
        ("el 4", {}),
        ("I may be wrong", {}),
        ("", {}),
        ("🙂", {}),
    ],
)
def test_reads_the_part_of_the_date_a_correction_changes(text: str, parts: dict[str, int]) -> None:
    assert parse_date_correction(text) == parts


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"day": 4}, Result(value="1985-03-04")),
        ({"month": 5, "day": 1}, Result(value="1985-05-01")),
        ({"year": 1990}, Result(value="1990-03-25")),
        ({"day": 31, "month": 2}, Result(error="errors.date_invalid")),
        ({"year": 2030}, Result(error="errors.date_future")),
    ],
)
def test_a_correction_replaces_only_its_parts_and_is_checked(parts: dict[str, int], expected: Result) -> None:
    assert correct_date_of_birth("1985-03-25", parts, TODAY) == expected
