"""The `action_ask_<slot>` actions: one class per form slot, each asking its slot's
question (from prompts), or offering help after too many rejected answers; and
which unclear replies still answer a value question (`unclear_answer_to`), and the
yes or no to a question that has no slot mapping of its own (`yes_or_no_to`)."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.types import DomainDict

from bot.actions.base import BotAction
from bot.actions.history import count_attempt, failed_attempts, latest_intent
from bot.actions.prompts import PROMPTS
from bot.actions.reply import Reply, say_with_contact

# After this many rejected answers to one question, the person is offered help and
# the consular contact instead of the same question a fourth time.
MAX_FAILED_ATTEMPTS = 3
# What NLU says of a message it could not place. A word or two of it typed at a value
# question is a (wrong) answer to that question, which its validation explains in its
# own words ("asdfgh" at the city: "I have no office for that place", with the
# cities), rather than the out-of-scope reply.
UNCLEAR_INTENTS = frozenset({"out_of_scope", "nlu_fallback"})
SHORT_ANSWER_WORDS = 2
SHORT_ANSWER_CHARS = 40


def unclear_answer_to(slot: str, tracker: Tracker) -> dict[str, Any]:
    """{slot: text} when the form waits for `slot` and the latest message is one or
    two words NLU could not place (see UNCLEAR_INTENTS); {} otherwise."""
    if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
        return {}
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    if latest_intent(tracker) not in UNCLEAR_INTENTS or not text or text.startswith("/"):
        return {}
    short = len(text) <= SHORT_ANSWER_CHARS and len(text.split()) <= SHORT_ANSWER_WORDS
    return {slot: text} if short else {}


def offer_spelling(suggestion: str) -> dict[str, Any]:
    """The slots that ask "Did you mean …?" for a probable reading of a misspelt
    nationality or city (ActionAskSpellingConfirmed asks it)."""
    return {"spelling_suggestion": suggestion, "spelling_confirmed": None}


def yes_or_no_to(slot: str, tracker: Tracker) -> dict[str, Any]:
    """{slot: True} for a yes, {slot: False} for a no, when the form asked `slot`."""
    if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
        return {}
    answer = {"affirm": True, "deny": False}.get(latest_intent(tracker) or "")
    return {} if answer is None else {slot: answer}


class AskAction(BotAction):
    """Asks for `slot`; after MAX_FAILED_ATTEMPTS rejected answers, offers help and
    the consular contact instead, and starts the count again."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot this action asks for."""

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if failed_attempts(tracker, self.slot) >= MAX_FAILED_ATTEMPTS:
            say_with_contact(reply, "attempts.help")
            return [SlotSet(name, value) for name, value in count_attempt(tracker, self.slot, True).items()]
        return PROMPTS[self.slot](reply, tracker) or []


class ActionAskLanguage(AskAction):
    action_name = "action_ask_language"
    slot = "language"


class ActionAskRegistered(AskAction):
    action_name = "action_ask_registered"
    slot = "registered"


class ActionAskPassportNumber(AskAction):
    action_name = "action_ask_passport_number"
    slot = "passport_number"


class ActionAskDateOfBirth(AskAction):
    action_name = "action_ask_date_of_birth"
    slot = "date_of_birth"


class ActionAskDateConfirmed(AskAction):
    action_name = "action_ask_date_confirmed"
    slot = "date_confirmed"


class ActionAskNationality(AskAction):
    action_name = "action_ask_nationality"
    slot = "nationality"


class ActionAskLookupChoice(AskAction):
    action_name = "action_ask_lookup_choice"
    slot = "lookup_choice"


class ActionAskDetailsConfirmed(AskAction):
    action_name = "action_ask_details_confirmed"
    slot = "details_confirmed"


class ActionAskReturnLocation(AskAction):
    action_name = "action_ask_return_location"
    slot = "return_location"


class ActionAskLocationConfirmed(AskAction):
    action_name = "action_ask_location_confirmed"
    slot = "location_confirmed"


class ActionAskDeletionConfirmed(AskAction):
    action_name = "action_ask_deletion_confirmed"
    slot = "deletion_confirmed"


class ActionAskSpellingConfirmed(AskAction):
    action_name = "action_ask_spelling_confirmed"
    slot = "spelling_confirmed"


class ActionAskInterviewDate(AskAction):
    action_name = "action_ask_interview_date"
    slot = "interview_date"


class ActionAskDocumentsDone(AskAction):
    action_name = "action_ask_documents_done"
    slot = "documents_done"
