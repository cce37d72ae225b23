"""The applicant form: registered or not, passport number, date of birth and
nationality, then a lookup (registered) or a summary to confirm (new)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    MAX_FAILED_ATTEMPTS,
    BotAction,
    LanguageFollowingForm,
    Reply,
    answer_to_pending,
    clear,
    contact_text,
    count_attempt,
    failed_attempts,
    latest_intent,
    ran_since_latest_message,
    reply_for,
    services,
    written_form,
)
from bot.actions.prompts import PROMPTS, Prompt
from bot.dates import correct_date_of_birth, parse_date_correction
from bot.i18n import LANGUAGES
from bot.registry import Applicant
from bot.validation import Result, validate_date_of_birth, validate_nationality, validate_passport

PERSONAL_FIELDS = ("passport_number", "date_of_birth", "date_alternative", "date_confirmed", "nationality")
# What the person may change inside each form, and the slots to ask again then.
CHANGEABLE = {
    "applicant_form": {
        "passport_number": ("passport_number", "details_confirmed"),
        "date_of_birth": ("date_of_birth", "date_alternative", "date_confirmed", "details_confirmed"),
        "nationality": ("nationality", "details_confirmed"),
    },
    "location_form": {"return_location": ("return_city", "return_location", "location_confirmed")},
}
# A new passport number, date of birth or nationality makes an earlier lookup or
# summary confirmation stale.
STALE_AFTER_CHANGE = {"registration_id": None, "details_confirmed": None}


def _ask_action(slot: str, prompt: Prompt) -> type[BotAction]:
    async def respond(self: BotAction, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if failed_attempts(tracker, slot) >= MAX_FAILED_ATTEMPTS:
            reply.send(f"{reply.text('attempts.help')}\n{contact_text(reply)}")
            return [SlotSet(name, value) for name, value in count_attempt(tracker, slot, True).items()]
        return prompt(reply, tracker) or []

    return type(
        f"AskFor_{slot}", (BotAction,), {"action_name": f"action_ask_{slot}", "respond": respond}
    )


ASK_ACTIONS = [_ask_action(slot, prompt) for slot, prompt in PROMPTS.items()]


def _checked(
    slot: str, value: Any, validate: Callable[[str], Result], reply: Reply, tracker: Tracker
) -> tuple[dict[str, Any], Result | None]:
    """The slot's normalised value (None after telling the person why it was
    rejected), with the count of failed attempts, and the validation result.

    None means the slot was cleared (a correction or a retry), not an answer: no error.
    """
    if value is None:
        return {slot: None}, None
    result = validate(written_form(tracker, slot, value))
    if not result.ok:
        reply.say(result.error or "errors.empty", **result.params)
    return {slot: result.value if result.ok else None, **count_attempt(tracker, slot, result.ok)}, result


def applicant_from(slots: dict[str, Any]) -> Applicant:
    return Applicant(
        passport_number=slots["passport_number"],
        date_of_birth=slots["date_of_birth"],
        nationality=slots["nationality"],
    )


def _has_digit(text: str) -> bool:
    return any(character.isdigit() for character in text)


def _date_correction(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """{date_of_birth: corrected date} when the message corrects part of the date
    given before ("no, I was born on the 4th", "nací el 4")."""
    current = tracker.get_slot("date_of_birth")
    if current is None or "date_of_birth" in tracker.slots_to_validate():
        return {}
    parts = parse_date_correction((tracker.latest_message or {}).get("text"))
    if not parts:
        return {}
    result = correct_date_of_birth(current, parts)
    if not result.ok:
        reply_for(dispatcher, tracker).say(result.error or "errors.date_invalid", **result.params)
        return {}
    return {"date_of_birth": result.value}


class ValidateApplicantForm(LanguageFollowingForm):
    """Normalises every answer and decides which questions the current path needs."""

    def name(self) -> str:
        return "validate_applicant_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        registered = tracker.get_slot("registered")
        needed = {"language", "registered", "passport_number", "date_of_birth", "nationality"}
        if tracker.get_slot("date_alternative"):
            needed.add("date_confirmed")
        if registered is True and tracker.get_slot("lookup_failed"):
            needed.add("lookup_choice")
        if registered is False:
            needed.add("details_confirmed")
        return [slot for slot in domain_slots if slot in needed]

    # A sentence is not taken as a passport number just because it has 5-20 letters.
    def extract_passport_number(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return answer_to_pending(
            "passport_number", tracker, lambda text: _has_digit(text) and validate_passport(text).ok
        )

    def extract_date_of_birth(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return answer_to_pending(
            "date_of_birth", tracker, lambda text: validate_date_of_birth(text).ok
        ) or _date_correction(dispatcher, tracker)

    def extract_nationality(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return answer_to_pending("nationality", tracker, lambda text: validate_nationality(text).ok)

    def validate_language(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if value not in LANGUAGES:
            return {"language": None}
        # Only when the person's own message switched it: after action_switch_language
        # (the rule path) the switch has been confirmed already.
        if latest_intent(tracker) == "switch_language" and not ran_since_latest_message(
            tracker, "action_switch_language"
        ):
            Reply(dispatcher, value).say("language.switched")
        return {"language": value}

    def validate_registered(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        slots: dict[str, Any] = {"registered": value if isinstance(value, bool) else None}
        if value is not True:
            slots["lookup_failed"] = False
        return self._with_lookup(tracker, slots)

    def validate_passport_number(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        slots, _ = _checked("passport_number", value, validate_passport, reply_for(dispatcher, tracker), tracker)
        return self._with_lookup(tracker, {**slots, **STALE_AFTER_CHANGE})

    def validate_date_of_birth(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        slots, result = _checked("date_of_birth", value, validate_date_of_birth, reply_for(dispatcher, tracker), tracker)
        if result is not None and result.ok:
            slots["date_alternative"] = result.alternative
            slots["date_confirmed"] = None if result.alternative else True
        return self._with_lookup(tracker, {**slots, **STALE_AFTER_CHANGE})

    def validate_date_confirmed(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is None:
            return {}
        slots: dict[str, Any] = {"date_alternative": None, "date_confirmed": True}
        if value is False:
            slots["date_of_birth"] = tracker.get_slot("date_alternative")
        return self._with_lookup(tracker, slots)

    def validate_nationality(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        slots, _ = _checked("nationality", value, validate_nationality, reply_for(dispatcher, tracker), tracker)
        return self._with_lookup(tracker, {**slots, **STALE_AFTER_CHANGE})

    def validate_lookup_choice(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == "register":
            return {"registered": False, "lookup_failed": False, "lookup_choice": None}
        if value == "retry":
            return {**clear(*PERSONAL_FIELDS, "lookup_choice"), "lookup_failed": False}
        return {"lookup_choice": None}

    def validate_details_confirmed(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"details_confirmed": True if value is True else None}

    @staticmethod
    def _with_lookup(tracker: Tracker, slots: dict[str, Any]) -> dict[str, Any]:
        """`slots`, plus the lookup's result when a registered person's three fields
        are all known (again, after any change).

        Not found gives one and the same answer whatever field did not match.
        """
        tracker.slots.update(slots)
        fields = ("passport_number", "date_of_birth", "nationality")
        if tracker.get_slot("registered") is not True or any(tracker.get_slot(f) is None for f in fields):
            return slots
        if tracker.get_slot("date_alternative"):
            return slots
        found = services().registry.find(applicant_from(tracker.slots))
        if found is None:
            return {**slots, "lookup_failed": True, "lookup_choice": None, "registration_id": None}
        return {**slots, "lookup_failed": False, "registration_id": str(found.id)}


class ActionSaveRegistration(BotAction):
    """Creates the registration, or reuses the one the same three fields already have."""

    action_name = "action_save_registration"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        registry = services().registry
        registration_id = tracker.get_slot("registration_id")
        if registration_id is None:
            registration, created = registry.register(applicant_from(tracker.slots))
            registration_id = str(registration.id)
            reply.say("registration.created" if created else "lookup.found")
        else:
            reply.say("lookup.found")
        has_confirmation = registry.confirmation_for(int(registration_id)) is not None
        return [SlotSet("registration_id", registration_id), SlotSet("has_confirmation", has_confirmation)]


class ActionChangeField(BotAction):
    """Clears the field the person wants to change, so the form asks for it again."""

    action_name = "action_change_field"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form = tracker.active_loop_name
        changeable = CHANGEABLE.get(form)
        if not changeable:
            reply.say("change.unavailable")
            return []
        field = next(tracker.get_latest_entity_values("field"), None)
        if field is None and form == "location_form":
            field = "return_location"
        if field not in changeable:
            if form == "location_form":
                reply.say("change.office_only")
                return []
            # No (known) field named: the summary asks which one.
            return [SlotSet("details_confirmed", None)]
        reply.say("change.done")
        return [SlotSet(slot, None) for slot in changeable[field]]
