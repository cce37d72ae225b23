"""The 221(g) deadline (bot.core.deadline): one year after the interview, the days left
counted in the embassy's time zone, and the interview date typed by the person."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.core.deadline import (
    MAX_INTERVIEW_AGE_YEARS,
    SOON_DAYS,
    Deadline,
    DeadlineStatus,
    compute_deadline,
    deadline_message,
    parse_interview_date,
    send_by,
    today_in,
    years_after,
)
from bot.core.i18n import t
from bot.core.result import Result

LA_PAZ = "America/La_Paz"  # UTC-4 all year
EMBASSY = {"en": "U.S. Embassy in La Paz, Bolivia", "es": "Embajada de los Estados Unidos en La Paz, Bolivia"}


def noon_in_la_paz(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=timezone.utc)


# The date one year later


@pytest.mark.parametrize(
    ("interview", "last_day"),
    [
        (date(2024, 2, 29), date(2025, 2, 28)),  # a leap day maps to 28 February
        (date(2023, 2, 28), date(2024, 2, 28)),  # not to the leap day after it
        (date(2023, 3, 1), date(2024, 3, 1)),
        (date(2024, 12, 31), date(2025, 12, 31)),  # the end of a year
        (date(2025, 1, 1), date(2026, 1, 1)),
        (date(2025, 6, 15), date(2026, 6, 15)),
    ],
)
def test_the_deadline_is_one_year_after_the_interview(interview: date, last_day: date) -> None:
    assert send_by(interview) == last_day


def test_years_before_a_leap_day() -> None:
    assert years_after(date(2024, 2, 29), -5) == date(2019, 2, 28)
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)


# Days left, in the embassy's time zone


def test_today_is_the_embassys_date_not_utcs() -> None:
    # 02:30 UTC on 1 March is still 28 February, 22:30, in La Paz.
    now = datetime(2025, 3, 1, 2, 30, tzinfo=timezone.utc)
    assert today_in(LA_PAZ, now) == date(2025, 2, 28)
    assert today_in("UTC", now) == date(2025, 3, 1)


def test_the_last_day_is_still_open_in_la_paz_when_utc_has_passed_it() -> None:
    now = datetime(2025, 3, 1, 2, 30, tzinfo=timezone.utc)

    in_la_paz = compute_deadline(date(2024, 2, 29), LA_PAZ, now)
    in_utc = compute_deadline(date(2024, 2, 29), "UTC", now)

    assert in_la_paz == Deadline(date(2024, 2, 29), date(2025, 2, 28), 0, DeadlineStatus.SOON)
    assert (in_utc.days_left, in_utc.status) == (-1, DeadlineStatus.PASSED)


def test_just_after_midnight_in_la_paz_a_day_is_gone() -> None:
    before = datetime(2025, 6, 15, 3, 59, tzinfo=timezone.utc)  # 23:59 on 14 June in La Paz
    after = datetime(2025, 6, 15, 4, 0, tzinfo=timezone.utc)  # 00:00 on 15 June
    assert compute_deadline(date(2024, 6, 15), LA_PAZ, before).days_left == 1
    assert compute_deadline(date(2024, 6, 15), LA_PAZ, after).days_left == 0


@pytest.mark.parametrize(
    ("days_left", "status"),
    [
        (365, DeadlineStatus.OK),
        (SOON_DAYS + 1, DeadlineStatus.OK),
        (SOON_DAYS, DeadlineStatus.SOON),
        (1, DeadlineStatus.SOON),
        (0, DeadlineStatus.SOON),  # the last day itself
        (-1, DeadlineStatus.PASSED),
        (-400, DeadlineStatus.PASSED),
    ],
)
def test_status_boundaries(days_left: int, status: DeadlineStatus) -> None:
    interview = date(2024, 6, 15)
    today = date(2025, 6, 15) - timedelta(days=days_left)

    deadline = compute_deadline(interview, LA_PAZ, noon_in_la_paz(today))

    assert (deadline.days_left, deadline.status) == (days_left, status)
    assert SOON_DAYS == 30


def test_now_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_deadline(date(2024, 6, 15), LA_PAZ, datetime(2025, 1, 1, 12))


def test_without_now_the_clock_is_read() -> None:
    today = today_in(LA_PAZ)
    assert abs(today - datetime.now(timezone.utc).date()) <= timedelta(days=1)
    assert compute_deadline(today, LA_PAZ).days_left in (365, 366)


# The typed interview date

NOW = noon_in_la_paz(date(2025, 6, 15))


@pytest.mark.parametrize(
    ("text", "value", "alternative"),
    [
        ("12 de marzo de 2025", "2025-03-12", None),
        ("March 12th, 2025", "2025-03-12", None),
        ("2025-03-12", "2025-03-12", None),
        ("fue el 3 de junio del 2025", "2025-06-03", None),
        ("15/06/2025", "2025-06-15", None),  # today
        ("03/05/2025", "2025-05-03", "2025-03-05"),  # day first; month first also possible
        ("05/07/2025", "2025-05-07", None),  # 5 July would be in the future: only 7 May
        ("15/06/2020", "2020-06-15", None),  # exactly five years ago
    ],
)
def test_interview_dates_are_read_like_dates_of_birth(text: str, value: str, alternative: str | None) -> None:
    assert parse_interview_date(text, LA_PAZ, NOW) == Result(value=value, alternative=alternative)


@pytest.mark.parametrize(
    ("text", "error", "params"),
    [
        ("16 June 2025", "deadline.interview_future", {}),
        ("16/06/2025", "deadline.interview_future", {}),
        ("1 January 2030", "deadline.interview_future", {}),
        ("14/06/2020", "deadline.interview_too_old", {"years": MAX_INTERVIEW_AGE_YEARS}),
        ("5 March 1985", "deadline.interview_too_old", {"years": MAX_INTERVIEW_AGE_YEARS}),
        ("1 January 1850", "deadline.interview_too_old", {"years": MAX_INTERVIEW_AGE_YEARS}),
        ("last Tuesday", "deadline.interview_unreadable", {}),
        ("31/02/2025", "errors.date_invalid", {}),
        ("   ", "errors.empty", {}),
        ("1" * 500, "errors.too_long", {}),
        (None, "errors.empty", {}),
    ],
)
def test_impossible_interview_dates_say_why(text: str | None, error: str, params: dict[str, object]) -> None:
    result = parse_interview_date(text, LA_PAZ, NOW)

    assert (result.value, result.error, result.params) == (None, error, params)
    assert t(error, "en", **params) != t(error, "es", **params)  # the key exists in both languages


def test_today_for_a_typed_date_is_the_embassys() -> None:
    # 02:00 UTC on 16 June is 22:00 on 15 June in La Paz: the 16th is still to come.
    now = datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)
    assert parse_interview_date("16 June 2025", LA_PAZ, now).error == "deadline.interview_future"
    assert parse_interview_date("16 June 2025", "UTC", now).value == "2025-06-16"


def test_the_error_texts_name_the_interview() -> None:
    assert "interview" in t("deadline.interview_future", "en")
    assert "entrevista" in t("deadline.interview_future", "es")
    assert "5 years" in t("deadline.interview_too_old", "en", years=5)
    assert "5 años" in t("deadline.interview_too_old", "es", years=5)


# What the person is told


def message_on(today: date, language: str) -> tuple[str, str | None]:
    deadline = compute_deadline(date(2024, 6, 15), LA_PAZ, noon_in_la_paz(today))
    message = deadline_message(deadline, language, embassy=EMBASSY[language])
    return message.text, message.warning


def test_plenty_of_time_gives_the_date_without_a_warning() -> None:
    text, warning = message_on(date(2025, 1, 10), "en")
    assert text.startswith("Your documents must reach the consular section by 15 June 2025")
    assert "interview and 221(g) refusal on 15 June 2024" in text
    assert "you do not pay another application fee" in text
    assert warning is None

    text, warning = message_on(date(2025, 1, 10), "es")
    assert text.startswith("Sus documentos deben llegar a la sección consular hasta el 15 de junio de 2025")
    assert "no paga otra tarifa de solicitud" in text
    assert warning is None


@pytest.mark.parametrize(
    ("today", "english", "spanish"),
    [
        (date(2025, 5, 27), "19 days until 15 June 2025", "faltan 19 días para el 15 de junio de 2025"),
        (
            date(2025, 6, 14),
            "the year ends tomorrow, 15 June 2025",
            "el año termina mañana, 15 de junio de 2025",
        ),
        (date(2025, 6, 15), "the year ends today, 15 June 2025", "el año termina hoy, 15 de junio de 2025"),
    ],
)
def test_little_time_left_adds_a_warning(today: date, english: str, spanish: str) -> None:
    text, warning = message_on(today, "en")
    assert text.startswith("Your documents must reach the consular section by 15 June 2025")
    assert warning is not None and warning.startswith("Little time left:") and english in warning

    _, warning = message_on(today, "es")
    assert warning is not None and warning.startswith("Queda poco tiempo:") and spanish in warning


def test_a_passed_year_says_so_and_points_to_the_consular_section() -> None:
    text, warning = message_on(date(2025, 6, 16), "en")
    assert text == (
        "The year to present your documents ended on 15 June 2025, "
        "one year after your interview and 221(g) refusal on 15 June 2024."
    )
    assert warning is not None
    assert "your case will be closed" in warning
    assert "consular section of the U.S. Embassy in La Paz, Bolivia" in warning
    assert "fee" not in warning  # no official page says a new fee will be charged

    text, warning = message_on(date(2026, 1, 1), "es")
    assert text.startswith("El año para presentar sus documentos terminó el 15 de junio de 2025")
    assert warning is not None
    assert "su caso se cerrará" in warning
    assert "sección consular de la Embajada de los Estados Unidos en La Paz, Bolivia" in warning
