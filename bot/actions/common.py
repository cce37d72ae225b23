"""What every action shares: the person's language, replies from the locales, buttons,
the services (settings, embassy profile, registry, lookup limits) built once per
process, and the proof that this conversation found or saved its registration."""

from __future__ import annotations

import json
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.core.i18n import LANGUAGES, t
from bot.core.lookup_limits import LookupLimiter, LookupLimits, RegistrationProof
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.registry import Registry
from bot.core.settings import Settings, load_settings
from bot.language import detect_language, wants_language

# Slots that hold what one pass through the flow collected; cancel and a finished
# confirmation clear them all (the language stays).
FLOW_SLOTS = (
    "registered",
    "passport_number",
    "date_of_birth",
    "date_alternative",
    "date_confirmed",
    "nationality",
    "lookup_choice",
    "lookup_failed",
    "details_confirmed",
    "registration_id",
    "has_confirmation",
    "return_city",
    "return_location",
    "location_confirmed",
    "notice_shown",
    "failed_attempts",
    "requested_slot",
)
# After this many rejected answers to one question, the person is offered help and
# the consular contact instead of the same question a fourth time.
MAX_FAILED_ATTEMPTS = 3


@dataclass(frozen=True)
class Services:
    settings: Settings
    profile: EmbassyProfile
    registry: Registry
    limiter: LookupLimiter
    proof: RegistrationProof


@lru_cache(maxsize=1)
def services() -> Services:
    """The process-wide settings, embassy profile, registry and lookup guards."""
    settings = load_settings()
    return Services(
        settings=settings,
        profile=load_profile(settings.profile_path),
        registry=Registry(settings.database_url, settings.secret_key),
        limiter=LookupLimiter(settings.secret_key, LookupLimits.from_env()),
        proof=RegistrationProof(settings.secret_key),
    )


def proven_registration(tracker: Tracker) -> int | None:
    """The registration id this conversation found or saved; None for anything else
    in the slot (a bare id, another conversation's value, garbage)."""
    return services().proof.verify(tracker.get_slot("registration_id"), tracker.sender_id)


def registration_slot(tracker: Tracker, registration_id: int) -> str:
    """The registration_id slot value that proves the id to this conversation."""
    return services().proof.sign(registration_id, tracker.sender_id)


def _metadata_language(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    session = tracker.get_slot("session_started_metadata") or {}
    for source in (metadata, session):
        if isinstance(source, dict) and source.get("language") in LANGUAGES:
            return source["language"]
    return None


# A message switches a known language only when it is a sentence: a single "yes"
# or "gracias" from someone writing in the other language does not.
SWITCH_MIN_WORDS = 3


@dataclass(frozen=True)
class LanguageChoice:
    language: str | None
    events: list[EventType]
    switched: bool = False


def resolve_language(tracker: Tracker, detect_switch: bool = True) -> LanguageChoice:
    """The conversation's language, with the event that records a new one.

    Order: the `language` slot, the message (or session) metadata sent by the
    channel, then what the person's message clearly shows. None means unknown:
    the applicant form then asks with two buttons. A clear sentence in the other
    language switches a known language (`switched`: the caller says so).
    """
    current = tracker.get_slot("language")
    text = (tracker.latest_message or {}).get("text") or ""
    if current in LANGUAGES:
        detected = detect_language(text)
        # An explicit request ("en inglés porfa": Spanish words asking for English)
        # was handled by the switch_language intent: the words must not undo it.
        if wants_language(text) is not None:
            detected = None
        if detect_switch and detected and detected != current and len(text.split()) >= SWITCH_MIN_WORDS:
            return LanguageChoice(detected, [SlotSet("language", detected)], switched=True)
        return LanguageChoice(current, [])
    found = _metadata_language(tracker) or detect_language(text)
    if found:
        return LanguageChoice(found, [SlotSet("language", found)])
    return LanguageChoice(None, [SlotSet("language", None)] if current is not None else [])


def follow_language(
    dispatcher: CollectingDispatcher, tracker: Tracker, detect_switch: bool = True
) -> LanguageChoice:
    """Resolves the language, says so when the person switched, and updates the
    tracker the rest of the action reads."""
    choice = resolve_language(tracker, detect_switch)
    if choice.switched:
        Reply(dispatcher, choice.language).say("language.switched")
    tracker.slots["language"] = choice.language
    return choice


def intent_payload(intent: str, **entities: str) -> str:
    """A button payload that triggers `intent` directly (with optional entities)."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


@dataclass
class Reply:
    """Sends locale texts to the person, in their language."""

    dispatcher: CollectingDispatcher
    language: str | None

    def text(self, key: str, **params: Any) -> str:
        return t(key, self.language, **params)

    def say(
        self,
        key: str,
        buttons: list[tuple[str, str]] | None = None,
        **params: Any,
    ) -> None:
        self.send(self.text(key, **params), buttons)

    def send(self, text: str, buttons: list[tuple[str, str]] | None = None) -> None:
        """Sends `text` with buttons given as (already rendered title, payload)."""
        rendered = [{"title": title, "payload": payload} for title, payload in buttons or []]
        self.dispatcher.utter_message(text=text, buttons=rendered)

    def buttons(self, *pairs: tuple[str, str]) -> list[tuple[str, str]]:
        """Buttons from (locale key of the title, payload) pairs."""
        return [(self.text(key), payload) for key, payload in pairs]


class BotAction(Action, metaclass=ABCMeta):
    """An action that answers in the person's language.

    Subclasses set `action_name` and implement `respond`; `run` works out the
    language first and records it when it was not known yet.
    """

    action_name: str
    # False for the action that handles an explicit request to switch.
    detects_switch = True

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        choice = follow_language(dispatcher, tracker, self.detects_switch)
        return choice.events + list(await self.respond(Reply(dispatcher, choice.language), tracker, domain))

    @abstractmethod
    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Sends the replies and returns the events of this action."""


def reply_for(dispatcher: CollectingDispatcher, tracker: Tracker) -> Reply:
    """A Reply in the conversation's language (for form validation methods)."""
    return Reply(dispatcher, resolve_language(tracker).language)


class LanguageFollowingForm(FormValidationAction, metaclass=ABCMeta):
    """Form validation that first follows a switch of language, so that the
    errors and the next question come in the person's new language."""

    @abstractmethod
    def name(self) -> str:
        """The validation action's name (validate_<form>)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        choice = follow_language(dispatcher, tracker)
        return choice.events + await super().run(dispatcher, tracker, domain)


def clear(*slots: str) -> dict[str, None]:
    return dict.fromkeys(slots)


# A message NLU took for a question or a command, but without this confidence, is
# still taken as the answer to the pending question when it is a valid answer
# ("Perú" read as `help`, "USA" as `cancel`).
SURE_INTENT_CONFIDENCE = 0.9


def answer_to_pending(slot: str, tracker: Tracker, accepts: Callable[[str], bool]) -> dict[str, Any]:
    """{slot: text} when the form waits for `slot`, the slot mapping did not take the
    message because of an unsure intent guess, and the text is a valid answer."""
    if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
        return {}
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if (message.get("intent") or {}).get("confidence", 0.0) >= SURE_INTENT_CONFIDENCE:
        return {}
    return {slot: text} if text and accepts(text) else {}


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def asked_when_person_answered(tracker: Tracker) -> str | None:
    """The slot the form was asking for when the person sent their latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "requested_slot":
            return event.get("value")
    return None


def ran_since_latest_message(tracker: Tracker, action_name: str) -> bool:
    """Whether `action_name` already ran after the person's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == action_name:
            return True
    return False


def contact_text(reply: Reply) -> str:
    """How to reach the consular section, from the embassy profile."""
    profile = services().profile
    language = reply.language or "en"
    contact = profile.contact
    lines = [reply.text("faq.contact", embassy=profile.display_name(language))]
    for key, value in (
        ("faq.contact_address", contact.address),
        ("faq.contact_phone", contact.phone),
        ("faq.contact_email", contact.email),
        ("faq.contact_web", contact.web.get(language) or profile.page(language)),
    ):
        if value:
            lines.append(reply.text(key, value=value))
    return "\n".join(lines)


def say_try_again(reply: Reply) -> None:
    """The apology when the database is in trouble; the caller leaves the question open."""
    reply.say("system.registry_unavailable")


def say_lookup_limited(reply: Reply) -> None:
    """One and the same reply whenever the lookup limits stop a lookup or a save."""
    reply.send(f"{reply.text('lookup.limited')}\n{contact_text(reply)}")


def failed_attempts(tracker: Tracker, slot: str) -> int:
    return (tracker.get_slot("failed_attempts") or {}).get(slot, 0)


def count_attempt(tracker: Tracker, slot: str, accepted: bool) -> dict[str, Any]:
    """The failed_attempts slot after one more answer to `slot`."""
    counts = dict(tracker.get_slot("failed_attempts") or {})
    counts[slot] = 0 if accepted else counts.get(slot, 0) + 1
    return {"failed_attempts": counts}


def written_form(tracker: Tracker, entity: str, value: Any) -> Any:
    """What the person wrote for an entity-extracted value, so that the validators
    read it again as written (a day/month date then still gets its question)."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    for found in message.get("entities") or []:
        start, end = found.get("start"), found.get("end")
        if found.get("entity") == entity and found.get("value") == value and isinstance(start, int) and end:
            return text[start:end] or value
    return value


def changed_since_latest_message(tracker: Tracker, slots: tuple[str, ...]) -> bool:
    """Whether one of `slots` got a value after the person's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") in slots and event.get("value") is not None:
            return True
    return False


def reopen_applicant_form(slots: dict[str, Any]) -> list[EventType]:
    """Events that set `slots` and bring the applicant form back: it asks the first
    of its questions that has no answer (the flow continues from its answer)."""
    return [
        *(SlotSet(name, value) for name, value in slots.items()),
        SlotSet("requested_slot", None),
        ActiveLoop("applicant_form"),
    ]


def back_to_summary(registration_id: str | None) -> list[EventType]:
    """After a database error once the details are complete: the summary is asked
    again, and its "yes" (the answer that saves) retries. Also for a registered
    person, whose details are shown like a new applicant's."""
    return reopen_applicant_form(
        {
            "registered": False,
            "lookup_failed": False,
            "details_confirmed": None,
            "registration_id": registration_id,
        }
    )
