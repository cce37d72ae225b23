"""A calendar file (.ics, RFC 5545) with the 221(g) deadline of a confirmation.

One all-day event on the last day (bot.core.deadline), in the confirmation page's
language, with two reminders: SOON_DAYS (30) and 7 days before. The description holds
the confirmation number and the page's link, nothing else about the person: no
passport, no date of birth, no nationality.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from icalendar import Alarm, Calendar, Event

from bot.core.deadline import SOON_DAYS, send_by
from bot.core.i18n import normalise_language, t
from bot.core.profile import EmbassyProfile
from bot.core.registry import Confirmation

# Days before the deadline that the calendar reminds the person.
REMINDER_DAYS = (SOON_DAYS, 7)
CONTENT_TYPE = "text/calendar"


def calendar_filename(number: str) -> str:
    """ "deadline-<number>.ics", with only letters, digits, "-" and "_" of the number."""
    return f"deadline-{re.sub(r'[^A-Za-z0-9_-]', '', number)}.ics"


def deadline_calendar(
    confirmation: Confirmation,
    profile: EmbassyProfile,
    language: str,
    page_url: str,
    *,
    now: datetime | None = None,
) -> bytes:
    """The .ics file of the confirmation's deadline, in `language`; `page_url` is the
    confirmation page's address and `now` the time stamp (default: now).

    Raises ValueError when the confirmation has no interview date.
    """
    if confirmation.interview_date is None:
        raise ValueError("the confirmation has no interview date, hence no deadline")
    language = normalise_language(language)
    last_day = send_by(confirmation.interview_date)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    summary = t("deadline.calendar_summary", language)

    event = Event()
    # Stable, so that importing the file again updates the event instead of adding one.
    event.add("uid", f"221g-deadline-{confirmation.number}@{profile.id}")
    event.add("dtstamp", stamp)
    event.add("dtstart", last_day)
    event.add("dtend", last_day + timedelta(days=1))
    event.add("summary", summary, parameters={"LANGUAGE": language})
    event.add(
        "description",
        t(
            "deadline.calendar_description",
            language,
            embassy=profile.display_name(language),
            number=confirmation.number,
            link=page_url,
        ),
        parameters={"LANGUAGE": language},
    )
    event.add("url", page_url)
    event.add("transp", "TRANSPARENT")
    for days in REMINDER_DAYS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(days=-days))
        alarm.add(
            "description", t("deadline.calendar_alarm", language, days=days, number=confirmation.number)
        )
        event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", f"-//221(g) courier assistant//{profile.id}//{language.upper()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
