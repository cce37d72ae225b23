"""The two base classes of the actions: before its work, each makes sure the services
are built (off the event loop) and follows the conversation's language, saying so
when the person switched."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.language_choice import LanguageChoice, resolve_language
from bot.actions.reply import Reply
from bot.actions.services import ready_services


def follow_language(
    dispatcher: CollectingDispatcher, tracker: Tracker, detect_switch: bool = True
) -> tuple[LanguageChoice, Tracker]:
    """Resolves the language and says so when the person switched; with the tracker
    the rest of the action reads (a copy holding the language)."""
    choice = resolve_language(tracker, detect_switch)
    if choice.switched:
        Reply(dispatcher, choice.language).say("language.switched")
    return choice, choice.applied_to(tracker)


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
        await ready_services()
        choice, tracker = follow_language(dispatcher, tracker, self.detects_switch)
        return choice.events + list(await self.respond(Reply(dispatcher, choice.language), tracker, domain))

    @abstractmethod
    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Sends the replies and returns the events of this action."""


class LanguageFollowingForm(FormValidationAction, metaclass=ABCMeta):
    """Form validation that first follows a switch of language, so that the
    errors and the next question come in the person's new language."""

    @abstractmethod
    def name(self) -> str:
        """The validation action's name (validate_<form>)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await ready_services()
        choice, tracker = follow_language(dispatcher, tracker)
        return choice.events + await super().run(dispatcher, tracker, domain)
