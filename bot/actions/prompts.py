"""The question for each form slot, asked by the `action_ask_*` actions (also right
after the fallback's "I didn't understand", which adds the question's hint)."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.actions.history import asked_when_person_answered, changed_since_latest_message, latest_intent
from bot.actions.reply import Reply, intent_payload
from bot.actions.services import services
from bot.core.confirmation_page import checklist_lines
from bot.core.countries import country_name
from bot.core.dates import format_date
from bot.core.i18n import LANGUAGES, t
from bot.core.profile import Office
from bot.core.registry import mask_passport

YES = intent_payload("affirm")
NO = intent_payload("deny")

Prompt = Callable[[Reply, Tracker], "list[EventType] | None"]


def office_line(reply: Reply, office: Office) -> str:
    return reply.text("location.office", name=office.name, address=office.address, city=office.city)


def ask_language(reply: Reply, tracker: Tracker) -> None:
    reply.say(
        "language.ask",
        reply.buttons(
            ("language.english", intent_payload("switch_language", language="en")),
            ("language.spanish", intent_payload("switch_language", language="es")),
        ),
    )


def said_before(tracker: Tracker, key: str) -> bool:
    """Whether the assistant said the text `key` (in either language) in the turns
    the tracker holds."""
    texts = {t(key, language) for language in LANGUAGES}
    return any(event.get("event") == "bot" and event.get("text") in texts for event in tracker.events)


def ask_registered(reply: Reply, tracker: Tracker) -> list[EventType]:
    """Once per conversation, first says which personal data will be asked for and
    why (not again after a cancel, or for a second registration)."""
    events: list[EventType] = []
    if not tracker.get_slot("notice_shown") and not said_before(tracker, "registered.notice"):
        reply.say("registered.notice")
        events.append(SlotSet("notice_shown", True))
    reply.say(
        "registered.ask",
        reply.buttons(
            ("registered.yes", intent_payload("already_registered")),
            ("registered.no", intent_payload("not_registered")),
        ),
    )
    return events


def ask_passport_number(reply: Reply, tracker: Tracker) -> None:
    reply.say("passport.ask")


def ask_date_of_birth(reply: Reply, tracker: Tracker) -> None:
    reply.say("dob.ask")


def ask_date_confirmed(reply: Reply, tracker: Tracker) -> None:
    language = reply.language or "en"
    date = format_date(tracker.get_slot("date_of_birth"), language)
    alternative = format_date(tracker.get_slot("date_alternative"), language)
    reply.send(
        reply.text("dob.confirm", date=date),
        [(reply.text("dob.yes", date=date), YES), (reply.text("dob.no", date=alternative), NO)],
    )


def ask_nationality(reply: Reply, tracker: Tracker) -> None:
    reply.say("nationality.ask")


def ask_lookup_choice(reply: Reply, tracker: Tracker) -> None:
    if tracker.active_loop_name == "deletion_form":
        # The same answer whatever did not match; nothing was deleted.
        reply.say(
            "deletion.not_found",
            reply.buttons(
                ("lookup.retry", intent_payload("retry")), ("deletion.stop", intent_payload("cancel"))
            ),
        )
        return
    reply.say(
        "lookup.not_found",
        reply.buttons(
            ("lookup.retry", intent_payload("retry")),
            ("lookup.register", intent_payload("not_registered")),
        ),
    )


def _change_buttons(reply: Reply) -> list[tuple[str, str]]:
    return reply.buttons(
        ("summary.change_passport", intent_payload("change_field", field="passport_number")),
        ("summary.change_dob", intent_payload("change_field", field="date_of_birth")),
        ("summary.change_nationality", intent_payload("change_field", field="nationality")),
    )


def ask_details_confirmed(reply: Reply, tracker: Tracker) -> None:
    if (
        latest_intent(tracker) == "deny"
        and asked_when_person_answered(tracker) == "details_confirmed"
        and not changed_since_latest_message(tracker, ("passport_number", "date_of_birth", "nationality"))
    ):
        reply.say("summary.which", _change_buttons(reply))
        return
    language = reply.language or "en"
    lines = [
        reply.text("summary.intro"),
        reply.text("summary.passport", value=tracker.get_slot("passport_number")),
        reply.text("summary.dob", value=format_date(tracker.get_slot("date_of_birth"), language)),
        reply.text("summary.nationality", value=country_name(tracker.get_slot("nationality"), language)),
        reply.text("summary.ask"),
    ]
    reply.send("\n".join(lines), reply.buttons(("summary.yes", YES)) + _change_buttons(reply))


def ask_return_location(reply: Reply, tracker: Tracker) -> None:
    profile = services().profile
    city = tracker.get_slot("return_city")
    offices = profile.offices_in(city) if city else []
    if len(offices) > 1:
        text = reply.text("location.several", courier=profile.courier, city=city)
        buttons = [(office_line(reply, office), office.id) for office in offices]
    else:
        text = reply.text("location.ask")
        buttons = [(name, name) for name in profile.cities()]
    if profile.offices_are_samples:
        text = f"{text}\n{reply.text('location.samples')}"
    reply.send(text, buttons)


def ask_location_confirmed(reply: Reply, tracker: Tracker) -> None:
    office = services().profile.office(tracker.get_slot("return_location") or "")
    reply.send(
        reply.text("location.confirm", office=office_line(reply, office) if office else ""),
        reply.buttons(("location.yes", YES), ("location.no", NO)),
    )


def ask_deletion_confirmed(reply: Reply, tracker: Tracker) -> None:
    """Names the registration found (masked passport, nationality) before deleting it."""
    reply.say(
        "deletion.confirm",
        reply.buttons(("deletion.yes", YES), ("deletion.no", NO)),
        passport=mask_passport(tracker.get_slot("passport_number") or ""),
        nationality=country_name(tracker.get_slot("nationality") or "", reply.language or "en"),
    )


def ask_spelling_confirmed(reply: Reply, tracker: Tracker) -> None:
    """ "Did you mean Bolivia?": the probable reading of a misspelt nationality (in the
    applicant form) or city (in the location form)."""
    suggestion = tracker.get_slot("spelling_suggestion") or ""
    name = (
        suggestion
        if tracker.active_loop_name == "location_form"
        else country_name(suggestion, reply.language or "en")
    )
    reply.send(
        reply.text("spelling.confirm", name=name),
        [(reply.text("spelling.yes", name=name), YES), (reply.text("spelling.no"), NO)],
    )


def document_labels(ids: list[str], language: str) -> str:
    """The documents' names, as the confirmation page lists them."""
    return ", ".join(line.text for line in checklist_lines(tuple(ids), services().profile, language))


def ask_interview_date(reply: Reply, tracker: Tracker) -> None:
    """After the confirmation (bot/actions/extras.py): "I don't remember" is an answer."""
    reply.say("extras.ask_interview", reply.buttons(("extras.dont_remember", NO)))


def ask_documents_done(reply: Reply, tracker: Tracker) -> None:
    """The documents so far, a button for each one not chosen yet (it sends the
    document's name, as if typed), and "That's all"."""
    language = reply.language or "en"
    chosen = list(tracker.get_slot("documents") or [])
    lines = [reply.text("extras.ask_documents")]
    if chosen:
        lines.append(reply.text("extras.chosen", documents=document_labels(chosen, language)))
    buttons = [
        (item.label(language), item.label(language))
        for item in services().profile.checklist
        if item.id not in chosen
    ]
    reply.send("\n".join(lines), [*buttons, (reply.text("extras.done"), YES)])


PROMPTS: dict[str, Prompt] = {
    "language": ask_language,
    "registered": ask_registered,
    "passport_number": ask_passport_number,
    "date_of_birth": ask_date_of_birth,
    "date_confirmed": ask_date_confirmed,
    "nationality": ask_nationality,
    "lookup_choice": ask_lookup_choice,
    "details_confirmed": ask_details_confirmed,
    "return_location": ask_return_location,
    "location_confirmed": ask_location_confirmed,
    "deletion_confirmed": ask_deletion_confirmed,
    "spelling_confirmed": ask_spelling_confirmed,
    "interview_date": ask_interview_date,
    "documents_done": ask_documents_done,
}


# How to answer a question with buttons, said with "I didn't understand".
HINTS = {
    "registered": "registered.hint",
    "date_confirmed": "dob.hint",
    "details_confirmed": "summary.hint",
    "location_confirmed": "location.hint",
    "spelling_confirmed": "spelling.hint",
    "deletion_confirmed": "deletion.hint",
    "interview_date": "extras.hint",
    "documents_done": "extras.hint",
}


def pending_question(tracker: Tracker) -> str | None:
    """The slot the active form is waiting for, None when no question is pending."""
    slot = tracker.get_slot("requested_slot")
    return slot if tracker.active_loop_name and slot in PROMPTS else None
