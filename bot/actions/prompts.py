"""The question for each form slot, shared by the `action_ask_*` actions and by the
fallback, which repeats the pending question after "I didn't understand"."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.actions.history import asked_when_person_answered, changed_since_latest_message, latest_intent
from bot.actions.reply import Reply, intent_payload
from bot.actions.services import services
from bot.core.countries import country_name
from bot.core.dates import format_date
from bot.core.profile import Office

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


def ask_registered(reply: Reply, tracker: Tracker) -> list[EventType]:
    """The first time, says which personal data will be asked for and why."""
    events: list[EventType] = []
    if not tracker.get_slot("notice_shown"):
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
}


def repeat_pending_question(reply: Reply, tracker: Tracker) -> list[EventType] | None:
    """Asks again what the active form is waiting for; None when nothing is pending."""
    if not tracker.active_loop_name:
        return None
    prompt = PROMPTS.get(tracker.get_slot("requested_slot") or "")
    if prompt is None:
        return None
    return prompt(reply, tracker) or []
