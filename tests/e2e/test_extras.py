"""The deadline and the checklist after the confirmation, through the REST channel,
to the page, the PDF and the calendar file."""

from __future__ import annotations

import io
from datetime import timedelta

import icalendar
import pypdf
import pytest

from bot.core.deadline import today_in
from bot.core.i18n import t
from tests.e2e.support import Chat, expect, http, new_passport, register_new

DATES = {"en": "10 March 2026", "es": "10 de marzo de 2026"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_deadline_and_checklist_reach_the_page_the_pdf_and_the_calendar(chat: Chat, language: str) -> None:
    chat.language = language
    interview = today_in("America/La_Paz") - timedelta(days=60)
    typed = f"{interview.day:02d}/{interview.month:02d}/{interview.year}"
    _, link = register_new(chat, new_passport(), "1988-11-30", "Bolivia", "Potosí", language)
    expect(chat, "extras.offer", language)

    chat.say("sí" if language == "es" else "yes")
    expect(chat, "extras.ask_interview", language)
    # A returning greeting resumes the question (no new registration starts).
    chat.say("hola" if language == "es" else "hello")
    expect(chat, "extras.ask_interview", language)
    chat.say(typed)
    assert str(interview.year + 1) in chat.text
    expect(chat, "extras.ask_documents", language)
    chat.say("certificado de antecedentes" if language == "es" else "police certificate")
    expect(chat, "extras.added", language, documents=_label(language))
    chat.say(t("extras.done", language))
    expect(chat, "extras.saved", language, what=t("extras.saved_both", language), link=link)

    status, page, _ = http("GET", link)
    assert status == 200
    assert _label(language) in page.decode()
    status, pdf, headers = http("GET", f"{link}.pdf")
    assert status == 200
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert _label(language) in " ".join(text.split())
    status, ics, headers = http("GET", f"{link}.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    event = next(component for component in icalendar.Calendar.from_ical(ics).walk("VEVENT"))
    deadline = interview.replace(year=interview.year + 1)
    assert event.decoded("DTSTART") == deadline


def _label(language: str) -> str:
    return "Certificado de antecedentes policiales" if language == "es" else "Police certificate"


def test_a_no_to_the_offer_is_a_polite_end(chat: Chat) -> None:
    chat.language = "en"
    register_new(chat, new_passport(), "1988-11-30", "Bolivia", "Potosí", "en")
    chat.say("no thanks")
    expect(chat, "extras.declined", "en")
