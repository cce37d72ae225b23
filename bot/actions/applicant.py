"""The applicant form: registered or not, passport number, date of birth and
nationality, then a lookup (registered) or a summary to confirm (new)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.ask import offer_spelling, unclear_answer_to, yes_or_no_to
from bot.actions.base import BotAction, LanguageFollowingForm
from bot.actions.flow import back_to_summary, clear, reopen_form
from bot.actions.history import (
    answer_to_pending,
    count_attempt,
    latest_intent,
    ran_since_latest_message,
    value_before_latest_message,
    written_form,
)
from bot.actions.location import named_city
from bot.actions.proof import proven_registration, registration_slot
from bot.actions.reply import Reply, reply_for, say_lookup_limited, say_try_again
from bot.actions.services import ask_limiter, services
from bot.core.dates import correct_date_of_birth, format_date, parse_date_correction
from bot.core.i18n import LANGUAGES
from bot.core.registered import said_registered
from bot.core.registry import Applicant, RegistryUnavailable
from bot.core.result import Result
from bot.core.validation import validate_date_of_birth, validate_nationality, validate_passport

# The intents whose slot mappings answer "registered before?" (domain.yml).
REGISTERED_INTENTS = frozenset({"already_registered", "not_registered", "affirm", "deny"})
PERSONAL_FIELDS = ("passport_number", "date_of_birth", "date_alternative", "date_confirmed", "nationality")
# The three fields a registration is found or saved by, each with its validator.
IDENTITY_VALIDATORS: dict[str, Callable[[str], Result]] = {
    "passport_number": validate_passport,
    "date_of_birth": validate_date_of_birth,
    "nationality": validate_nationality,
}
# What the person may change inside each form, and the slots to ask again then.
CHANGEABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "applicant_form": {
        "passport_number": ("passport_number", "details_confirmed"),
        "date_of_birth": ("date_of_birth", "date_alternative", "date_confirmed", "details_confirmed"),
        "nationality": ("nationality", "spelling_suggestion", "spelling_confirmed", "details_confirmed"),
    },
    "location_form": {
        "return_location": (
            "return_city",
            "return_location",
            "location_confirmed",
            "spelling_suggestion",
            "spelling_confirmed",
        )
    },
}
# The deletion check asks the same three fields; a change reopens its yes/no instead.
CHANGEABLE["deletion_form"] = {
    field: (*(slot for slot in slots if slot != "details_confirmed"), "deletion_confirmed")
    for field, slots in CHANGEABLE["applicant_form"].items()
}
# A new passport number, date of birth or nationality makes an earlier lookup or
# summary confirmation stale.
STALE_AFTER_CHANGE = {"registration_id": None, "details_confirmed": None}
# What a lookup stopped by the limits leaves: the form asks again from the passport on.
LIMITED = {
    **clear(*PERSONAL_FIELDS, "lookup_choice", "registration_id", "details_confirmed"),
    "lookup_failed": False,
}


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


def _reads_as_nationality(result: Result) -> bool:
    """A nationality, or a misspelt one worth offering."""
    return result.ok or result.alternative is not None


def identity_problems(slots: Mapping[str, Any]) -> dict[str, Result]:
    """The identity fields holding a value the validators did not give (raw text, a
    date in the future, an unknown code), each with the validators' verdict on it."""
    problems: dict[str, Result] = {}
    for slot, validate in IDENTITY_VALIDATORS.items():
        value = slots.get(slot)
        if value is None:
            continue
        result = validate(value) if isinstance(value, str) else Result(error="errors.empty")
        if not result.ok or result.value != value or result.alternative:
            problems[slot] = result
    return problems


def validated_applicant(slots: Mapping[str, Any]) -> Applicant | None:
    """The applicant when all three fields hold validated, normalised values and no
    reading of the date waits for confirmation; None otherwise."""
    if slots.get("date_alternative") or any(slots.get(slot) is None for slot in IDENTITY_VALIDATORS):
        return None
    if identity_problems(slots):
        return None
    try:
        return Applicant(
            passport_number=slots["passport_number"],
            date_of_birth=slots["date_of_birth"],
            nationality=slots["nationality"],
        )
    except ValueError:
        return None


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
    reply = reply_for(dispatcher, tracker)
    if not result.ok or result.value is None:
        reply.say(result.error or "errors.date_invalid", **result.params)
        return {}
    reply.say("dob.corrected", date=format_date(result.value, reply.language or "en"))
    return {"date_of_birth": result.value}


def _corrects_the_date(tracker: Tracker) -> bool:
    """Whether this message is a correction of the date of birth ("no wait, I was born
    on the 14th"): then it is not also an answer to the question that was pending."""
    return "date_of_birth" in tracker.slots_to_validate() and bool(
        parse_date_correction((tracker.latest_message or {}).get("text"))
    )


IDENTITY_FIELDS = ("passport_number", "date_of_birth", "nationality")


def _later_field_of_this_message(tracker: Tracker, slots: dict[str, Any]) -> bool:
    """Whether a field given in the same message is validated after the one that
    returned `slots`: that validator then looks up once, with every field, so one
    message is one lookup (and at most one failure counted against the limits)."""
    candidates = list(tracker.slots_to_validate())
    own = [index for index, name in enumerate(candidates) if name in slots]
    return bool(own) and any(name in IDENTITY_FIELDS for name in candidates[max(own) + 1 :])


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
        if tracker.get_slot("spelling_suggestion"):
            needed.add("spelling_confirmed")
        if (
            tracker.get_slot("return_location") is not None
            and "return_location" in tracker.slots_to_validate()
        ):
            needed.add("return_location")  # named early: validated, never asked here
        return [slot for slot in domain_slots if slot in needed]

    def extract_registered(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "first time" / "ya me registré" said in any message while the answer is not
        known, or said against the intent this very message was read as ("ok, no me
        registré antes" read as already_registered): the words win."""
        said = said_registered((tracker.latest_message or {}).get("text"))
        known = tracker.get_slot("registered")
        if said is None or said == known:
            return {}
        if known is None or latest_intent(tracker) in REGISTERED_INTENTS:
            return {"registered": said}
        return {}

    # A sentence is not taken as a passport number just because it has 5-20 letters.
    def extract_passport_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return answer_to_pending(
            "passport_number", tracker, lambda text: _has_digit(text) and validate_passport(text).ok
        )

    def extract_date_of_birth(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return (
            answer_to_pending("date_of_birth", tracker, lambda text: validate_date_of_birth(text).ok)
            or _date_correction(dispatcher, tracker)
            or unclear_answer_to("date_of_birth", tracker)
        )

    def extract_nationality(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return answer_to_pending(
            "nationality", tracker, lambda text: _reads_as_nationality(validate_nationality(text))
        ) or unclear_answer_to("nationality", tracker)

    def extract_spelling_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return yes_or_no_to("spelling_confirmed", tracker)

    def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value not in LANGUAGES:
            return {"language": None}
        # Only when the person's own message switched it: after action_switch_language
        # (the rule path) the switch has been confirmed already.
        if latest_intent(tracker) == "switch_language" and not ran_since_latest_message(
            tracker, "action_switch_language"
        ):
            Reply(dispatcher, value).say("language.switched")
        return {"language": value}

    async def validate_registered(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        slots: dict[str, Any] = {"registered": value if isinstance(value, bool) else None}
        if value is not True:
            slots["lookup_failed"] = False
        if any(field in tracker.slots_to_validate() for field in IDENTITY_FIELDS):
            # The fields' own validators look up, with this answer in view.
            return slots
        return await self._with_lookup(dispatcher, tracker, slots, retry={"registered": None})

    async def validate_passport_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        slots, _ = _checked(
            "passport_number", value, validate_passport, reply_for(dispatcher, tracker), tracker
        )
        return await self._with_lookup(
            dispatcher, tracker, {**slots, **STALE_AFTER_CHANGE}, retry={"passport_number": None}
        )

    async def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        slots, result = _checked(
            "date_of_birth", value, validate_date_of_birth, reply_for(dispatcher, tracker), tracker
        )
        if result is not None and result.ok:
            slots["date_alternative"] = result.alternative
            slots["date_confirmed"] = None if result.alternative else True
        return await self._with_lookup(
            dispatcher,
            tracker,
            {**slots, **STALE_AFTER_CHANGE},
            retry=clear("date_of_birth", "date_alternative", "date_confirmed"),
        )

    async def validate_date_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}
        # Asked again after a database error: the same two readings, the same question.
        retry = {
            "date_of_birth": tracker.get_slot("date_of_birth"),
            "date_alternative": tracker.get_slot("date_alternative"),
            "date_confirmed": None,
        }
        slots: dict[str, Any] = {"date_alternative": None, "date_confirmed": True}
        if value is False:
            slots["date_of_birth"] = tracker.get_slot("date_alternative")
        return await self._with_lookup(dispatcher, tracker, slots, retry=retry)

    async def validate_nationality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A misspelt name read only probably ("boliva") is offered as "Did you mean
        Bolivia?" when the form can ask it (spelling_confirmed); any other answer
        replaces an offer still open."""
        if _corrects_the_date(tracker) and value == (tracker.latest_message or {}).get("text"):
            # The whole message, taken as the answer to the pending question, is the
            # date's correction: the question stays pending, without an error.
            return {"nationality": None}
        if value is not None and "spelling_confirmed" in self.domain_slots(domain):
            suggestion = validate_nationality(written_form(tracker, "nationality", value)).alternative
            if suggestion:
                return {"nationality": None, **offer_spelling(suggestion), **STALE_AFTER_CHANGE}
        slots, _ = _checked(
            "nationality", value, validate_nationality, reply_for(dispatcher, tracker), tracker
        )
        if tracker.get_slot("spelling_suggestion"):
            slots.update(clear("spelling_suggestion", "spelling_confirmed"))
        return await self._with_lookup(
            dispatcher, tracker, {**slots, **STALE_AFTER_CHANGE}, retry={"nationality": None}
        )

    async def validate_spelling_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes takes the nationality offered (and looks it up, for a registered person);
        no, or a nationality typed instead, leaves the question to that answer."""
        if value is None:
            return {}
        suggestion = tracker.get_slot("spelling_suggestion")
        slots: dict[str, Any] = clear("spelling_suggestion", "spelling_confirmed")
        if value is not True or not suggestion or "nationality" in tracker.slots_to_validate():
            return slots
        result = validate_nationality(suggestion)
        if not result.ok:
            return slots
        slots.update(
            nationality=result.value, **count_attempt(tracker, "nationality", True), **STALE_AFTER_CHANGE
        )
        # Asked again after a database error: the same offer, the same question.
        retry = {"nationality": None, **offer_spelling(suggestion)}
        return await self._with_lookup(dispatcher, tracker, slots, retry=retry)

    def validate_lookup_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == "register":
            return {"registered": False, "lookup_failed": False, "lookup_choice": None}
        if value == "retry":
            return {**clear(*PERSONAL_FIELDS, "lookup_choice"), "lookup_failed": False}
        return {"lookup_choice": None}

    def validate_return_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A city named before the office question is kept (location_form starts with
        it) and acknowledged; anything else is left to that question."""
        if isinstance(value, str) and services().profile.office(value) is not None:
            return {"return_location": value}  # chosen already, the form reopened after
        city = named_city(value) if isinstance(value, str) else None
        if city is not None and city != value_before_latest_message(tracker, "return_location"):
            reply_for(dispatcher, tracker).say("location.noted", city=city)
        return {"return_location": city}

    def validate_details_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"details_confirmed": True if value is True else None}

    @staticmethod
    async def _with_lookup(
        dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any], retry: dict[str, Any]
    ) -> dict[str, Any]:
        """`slots`, plus the lookup's result when a registered person's three fields
        are all known and validated (again, after any change).

        Not found gives one and the same answer whatever field did not match. `retry`
        replaces `slots` when the database fails, so that the form asks the same
        question again and the same answer repeats the lookup.
        """
        # The slots as they are once `slots` are set (the SDK sets them after this method).
        known = {**tracker.slots, **slots}
        if known.get("registered") is not True:
            return slots
        problems = identity_problems(known)
        if problems:
            # A value that never went through its validator (a raw candidate of the
            # same message, or an altered tracker) is asked for again, not looked up.
            return {**slots, **clear(*problems), **STALE_AFTER_CHANGE}
        applicant = validated_applicant(known)
        if applicant is None or _later_field_of_this_message(tracker, slots):
            return slots
        svc = services()
        reply = reply_for(dispatcher, tracker)
        if not await ask_limiter(svc.limiter.allows, applicant.passport_number, tracker.sender_id):
            # Nothing is asked of the registry, so the reply cannot tell whether the
            # passport exists. The fields are forgotten; the form asks from the passport on.
            say_lookup_limited(reply)
            return {**slots, **LIMITED}
        try:
            found = await asyncio.to_thread(svc.registry.find, applicant)
        except RegistryUnavailable:
            say_try_again(reply)
            return {**slots, **retry, **STALE_AFTER_CHANGE}
        if found is None:
            await ask_limiter(svc.limiter.record_failure, applicant.passport_number, tracker.sender_id)
            return {**slots, "lookup_failed": True, "lookup_choice": None, "registration_id": None}
        return {**slots, "lookup_failed": False, "registration_id": registration_slot(tracker, found.id)}


class ActionSaveRegistration(BotAction):
    """Creates the registration from the validated fields, or reuses the one the same
    three fields already have or the one this conversation proved."""

    action_name = "action_save_registration"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        svc = services()
        registration_id = proven_registration(tracker)
        created = False
        try:
            if registration_id is None:
                applicant = validated_applicant(tracker.slots)
                if applicant is None:
                    return _ask_identity_again(reply, tracker)
                # "Saved" or "found" tells whether these three fields were registered:
                # saving is limited like looking up.
                if not await ask_limiter(
                    svc.limiter.allows_registration, applicant.passport_number, tracker.sender_id
                ):
                    say_lookup_limited(reply)
                    return reopen_form("applicant_form", LIMITED)
                registration, created = await asyncio.to_thread(svc.registry.register, applicant)
                registration_id = registration.id
                if created:
                    await ask_limiter(
                        svc.limiter.record_registration, applicant.passport_number, tracker.sender_id
                    )
            has_confirmation = (
                await asyncio.to_thread(svc.registry.confirmation_for, registration_id) is not None
            )
        except RegistryUnavailable:
            say_try_again(reply)
            return back_to_summary(
                None if registration_id is None else registration_slot(tracker, registration_id)
            )
        reply.say("registration.created" if created else "lookup.found")
        return [
            SlotSet("registration_id", registration_slot(tracker, registration_id)),
            SlotSet("has_confirmation", has_confirmation),
        ]


def _ask_identity_again(reply: Reply, tracker: Tracker) -> list[EventType]:
    """Clears what is missing or invalid among the three fields, saying why, so that
    the applicant form asks for it again instead of saving it."""
    problems = identity_problems(tracker.slots)
    for result in problems.values():
        if result.error:
            reply.say(result.error, **result.params)
    to_ask = [field for field in IDENTITY_VALIDATORS if field in problems or tracker.get_slot(field) is None]
    slots: dict[str, Any] = {"details_confirmed": None, "registration_id": None}
    for field in to_ask:
        slots.update(clear(*CHANGEABLE["applicant_form"][field]))
    if not to_ask:
        # Only the reading of an ambiguous date is open, or nothing visible is wrong.
        slots.update(
            clear("date_confirmed") if tracker.get_slot("date_alternative") else clear(*PERSONAL_FIELDS)
        )
    return reopen_form("applicant_form", slots)


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
