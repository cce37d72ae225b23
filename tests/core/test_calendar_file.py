"""The deadline's calendar file (bot.core.calendar_file), read back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from bot.core.calendar_file import REMINDER_DAYS, calendar_filename, deadline_calendar
from bot.core.profile import load_profile
from tests.core.test_confirmation_page import TOKEN, make_confirmation

PAGE_URL = f"https://assistant.example.org/confirmation/{TOKEN}"
NOW = datetime(2024, 3, 10, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def read_back(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize(
    ("language", "summary", "description"),
    [
        ("en", "Send your 221(g) documents", "Confirmation number: 7K3M-PQ4X"),
        ("es", "Enviar sus documentos de la 221(g)", "Número de confirmación: 7K3M-PQ4X"),
    ],
)
def test_one_all_day_event_on_the_deadline(profile, language, summary, description):
    confirmation = make_confirmation(interview_date=date(2024, 2, 29), language=language)

    calendar, event = read_back(deadline_calendar(confirmation, profile, language, PAGE_URL, now=NOW))

    assert str(calendar["VERSION"]) == "2.0"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (type(start), start, end) == (date, date(2025, 2, 28), date(2025, 3, 1))  # a date: all day
    assert str(event["SUMMARY"]) == summary
    assert event["SUMMARY"].params["LANGUAGE"] == language
    text = str(event["DESCRIPTION"])
    assert description in text
    assert PAGE_URL in text
    assert str(event["URL"]) == PAGE_URL
    assert str(event["UID"]) == "221g-deadline-7K3M-PQ4X@us-embassy-la-paz"
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_two_reminders_thirty_and_seven_days_before(profile):
    confirmation = make_confirmation(interview_date=date(2024, 6, 15))

    _, event = read_back(deadline_calendar(confirmation, profile, "en", PAGE_URL, now=NOW))

    alarms = event.walk("VALARM")
    assert [alarm.decoded("TRIGGER") for alarm in alarms] == [timedelta(days=-30), timedelta(days=-7)]
    assert REMINDER_DAYS == (30, 7)
    assert [str(alarm["ACTION"]) for alarm in alarms] == ["DISPLAY", "DISPLAY"]
    assert (
        str(alarms[0]["DESCRIPTION"])
        == "30 days left to send your 221(g) documents (confirmation 7K3M-PQ4X)."
    )
    assert "Faltan 7 días" in str(
        read_back(deadline_calendar(confirmation, profile, "es", PAGE_URL, now=NOW))[1].walk("VALARM")[1][
            "DESCRIPTION"
        ]
    )


def test_nothing_about_the_person_but_the_confirmation_number(profile):
    confirmation = make_confirmation(
        interview_date=date(2024, 6, 15),
        passport_masked="*****WXY",
        nationality="MEX",
        documents=("passport", "police_certificate"),
    )

    ics = deadline_calendar(confirmation, profile, "en", PAGE_URL, now=NOW).decode()

    unfolded = ics.replace("\r\n ", "")
    for personal in ("WXY", "*****", "MEX", "Mexico", "México", "passport", "police"):
        assert personal not in unfolded
    # The interview date is not in it either: only the deadline.
    assert "20240615" not in unfolded and "15 June 2024" not in unfolded


def test_no_interview_date_no_calendar(profile):
    with pytest.raises(ValueError, match="no interview date"):
        deadline_calendar(make_confirmation(), profile, "en", PAGE_URL)


def test_the_file_name_keeps_only_safe_characters():
    assert calendar_filename("7K3M-PQ4X") == "deadline-7K3M-PQ4X.ics"
    assert calendar_filename('7K3M"; x=/..') == "deadline-7K3Mx.ics"
