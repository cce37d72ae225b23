"""The date by which 221(g) documents must be presented, and how much time is left.

The interview date is the day the consular officer refused the visa under 221(g) and
gave the note. Documents presented within one year need no new application fee (the
embassy's 221(g) page; 22 CFR 42.81(e)), and after that year the case is closed
(usvisa-info.com, Bolivia; 22 CFR 42.83(b)); see docs/sources.md. The deadline is the
same day a year later (a 29 February interview gives 28 February), and "today" is the
embassy's day, in the time zone of its profile.

Typed interview dates are read by bot.core.dates, as dates of birth are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from bot.core.dates import format_date, one_reading, parse_date_of_birth
from bot.core.i18n import normalise_language, t
from bot.core.result import Result

# At most this many days left (the deadline day included) is "soon".
SOON_DAYS = 30
# An interview longer ago than this is taken for a typing slip.
MAX_INTERVIEW_AGE_YEARS = 5
# The period to present the documents in.
DEADLINE_YEARS = 1

# What bot.core.dates answers for a date of birth -> what the person is told here.
_PARSE_ERRORS = {
    "errors.date_unreadable": "deadline.interview_unreadable",
    "errors.date_future": "deadline.interview_future",
    "errors.date_too_old": "deadline.interview_too_old",
}


class DeadlineStatus(str, Enum):
    OK = "ok"
    SOON = "soon"  # SOON_DAYS or fewer days left
    PASSED = "passed"


@dataclass(frozen=True)
class Deadline:
    interview_date: date
    send_by: date  # the last day
    days_left: int  # days from today to send_by: 0 on the last day, negative after it
    status: DeadlineStatus


@dataclass(frozen=True)
class DeadlineMessage:
    """What a person is told about their deadline, in one language: the deadline
    sentence, and a warning when little time is left or the year has passed."""

    text: str
    warning: str | None


def years_after(day: date, years: int) -> date:
    """The same day `years` later (or earlier, when negative); 29 February gives 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def send_by(interview_date: date) -> date:
    """The last day to present the documents: one year after the interview."""
    return years_after(interview_date, DEADLINE_YEARS)


def today_in(time_zone: str, now: datetime | None = None) -> date:
    """The date in `time_zone` (an IANA name) at `now` (timezone-aware; default: now)."""
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(time_zone)).date()


def compute_deadline(interview_date: date, time_zone: str, now: datetime | None = None) -> Deadline:
    """The deadline of an interview on `interview_date`, with the days left counted
    from today in `time_zone` (at `now`, default: now)."""
    last_day = send_by(interview_date)
    days_left = (last_day - today_in(time_zone, now)).days
    if days_left < 0:
        status = DeadlineStatus.PASSED
    elif days_left <= SOON_DAYS:
        status = DeadlineStatus.SOON
    else:
        status = DeadlineStatus.OK
    return Deadline(interview_date=interview_date, send_by=last_day, days_left=days_left, status=status)


def check_interview_date(interview_date: date, today: date) -> Result:
    """The date as "YYYY-MM-DD", or why it cannot be an interview date (a key under `deadline.`)."""
    if interview_date > today:
        return Result(error="deadline.interview_future")
    if interview_date < years_after(today, -MAX_INTERVIEW_AGE_YEARS):
        return Result(error="deadline.interview_too_old", params={"years": MAX_INTERVIEW_AGE_YEARS})
    return Result(value=interview_date.isoformat())


def parse_interview_date(text: str | None, time_zone: str, now: datetime | None = None) -> Result:
    """An interview date typed in English or Spanish, as "YYYY-MM-DD".

    Read like a date of birth (bot.core.dates: day first, the month-first reading as
    `alternative` when both are possible), then checked against today in `time_zone`:
    not in the future, not more than MAX_INTERVIEW_AGE_YEARS ago. The error is a
    locale key: deadline.interview_unreadable, deadline.interview_future,
    deadline.interview_too_old (params: years), errors.date_invalid, errors.empty or
    errors.too_long.
    """
    today = today_in(time_zone, now)
    parsed = parse_date_of_birth(text, today)
    if not parsed.ok:
        error = parsed.error or "errors.date_invalid"
        if error == "errors.date_too_old":
            return Result(error=_PARSE_ERRORS[error], params={"years": MAX_INTERVIEW_AGE_YEARS})
        return Result(error=_PARSE_ERRORS.get(error, error))
    readings = [reading for reading in (parsed.value, parsed.alternative) if reading]
    return one_reading([check_interview_date(date.fromisoformat(reading), today) for reading in readings])


def deadline_message(deadline: Deadline, language: str, *, embassy: str) -> DeadlineMessage:
    """The deadline sentence and, when soon or passed, the warning, in `language`;
    `embassy` is the embassy's display name (EmbassyProfile.display_name)."""
    language = normalise_language(language)
    last_day = format_date(deadline.send_by.isoformat(), language)
    interview = format_date(deadline.interview_date.isoformat(), language)
    if deadline.status is DeadlineStatus.PASSED:
        return DeadlineMessage(
            text=t("deadline.ended", language, date=last_day, interview_date=interview),
            warning=t("deadline.passed", language, embassy=embassy),
        )
    text = t("deadline.send_by", language, date=last_day, interview_date=interview)
    if deadline.status is DeadlineStatus.OK:
        return DeadlineMessage(text=text, warning=None)
    if deadline.days_left == 0:
        warning = t("deadline.soon_today", language, date=last_day)
    elif deadline.days_left == 1:
        warning = t("deadline.soon_tomorrow", language, date=last_day)
    else:
        warning = t("deadline.soon", language, date=last_day, days=deadline.days_left)
    return DeadlineMessage(text=text, warning=warning)
