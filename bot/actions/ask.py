"""The `action_ask_<slot>` actions: one class per form slot, each asking its slot's
question (from prompts), or offering help after too many rejected answers."""

from __future__ import annotations

from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.types import DomainDict

from bot.actions.base import BotAction
from bot.actions.history import count_attempt, failed_attempts
from bot.actions.prompts import PROMPTS
from bot.actions.reply import Reply, say_with_contact

# After this many rejected answers to one question, the person is offered help and
# the consular contact instead of the same question a fourth time.
MAX_FAILED_ATTEMPTS = 3


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
