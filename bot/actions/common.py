"""What every action shares: the person's language, replies from the locales, buttons,
and the services (settings, embassy profile, registry) built once per process."""

from __future__ import annotations

import json
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.i18n import LANGUAGES, t
from bot.language import detect_language
from bot.profile import EmbassyProfile, load_profile
from bot.registry import Registry
from bot.settings import Settings, load_settings

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
    "requested_slot",
)


@dataclass(frozen=True)
class Services:
    settings: Settings
    profile: EmbassyProfile
    registry: Registry


@lru_cache(maxsize=1)
def services() -> Services:
    """The process-wide settings, embassy profile and registry."""
    settings = load_settings()
    return Services(
        settings=settings,
        profile=load_profile(settings.profile_path),
        registry=Registry(settings.database_url, settings.secret_key),
    )


def _metadata_language(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    session = tracker.get_slot("session_started_metadata") or {}
    for source in (metadata, session):
        if isinstance(source, dict) and source.get("language") in LANGUAGES:
            return source["language"]
    return None


def resolve_language(tracker: Tracker) -> tuple[str | None, list[EventType]]:
    """The conversation's language and the event that records it when newly found.

    Order: the `language` slot, the message (or session) metadata sent by the
    channel, then what the person's message clearly shows. None means unknown:
    the applicant form then asks with two buttons.
    """
    current = tracker.get_slot("language")
    if current in LANGUAGES:
        return current, []
    found = _metadata_language(tracker) or detect_language(
        (tracker.latest_message or {}).get("text")
    )
    if found:
        return found, [SlotSet("language", found)]
    return None, [SlotSet("language", None)] if current is not None else []


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

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language, events = resolve_language(tracker)
        return events + list(await self.respond(Reply(dispatcher, language), tracker, domain))

    @abstractmethod
    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Sends the replies and returns the events of this action."""


def reply_for(dispatcher: CollectingDispatcher, tracker: Tracker) -> Reply:
    """A Reply in the conversation's language (for form validation methods)."""
    return Reply(dispatcher, resolve_language(tracker)[0])


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
