"""Greeting, questions, language switch, cancel, fallback and goodbye."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.types import DomainDict

from bot.actions.base import BotAction
from bot.actions.flow import FLOW_SLOTS
from bot.actions.history import latest_intent
from bot.actions.prompts import repeat_pending_question
from bot.actions.reply import Reply, contact_text, intent_payload
from bot.actions.services import services
from bot.core.i18n import LANGUAGES

START_BUTTON = ("buttons.start", intent_payload("request_courier"))
# Questions answered from the seed page and the embassy profile.
ANSWERS = {
    "ask_221g": "faq.221g",
    "ask_fee": "faq.fee",
    "ask_return": "faq.return",
    "ask_what_to_bring": "faq.bring",
    "ask_official_page": "faq.official_page",
    "help": "faq.help",
    "out_of_scope": "faq.out_of_scope",
    "dont_know_passport": "faq.passport_number",
}


class ActionGreet(BotAction):
    """Says what the assistant is and does; the applicant form follows."""

    action_name = "action_greet"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        profile = services().profile
        if reply.language is None:
            reply.say("greeting.bilingual")
        else:
            reply.say("greeting.intro", embassy=profile.display_name(reply.language), courier=profile.courier)
        return []


class ActionAnswerQuestion(BotAction):
    """Answers a question; inside the flow the form then repeats its question."""

    action_name = "action_answer_question"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        profile = services().profile
        language = reply.language or "en"
        intent = latest_intent(tracker)
        params = {
            "courier": profile.courier,
            "embassy": profile.display_name(language),
            "url": profile.page(language),
        }
        buttons = [] if tracker.active_loop_name else reply.buttons(START_BUTTON)
        if intent == "ask_contact":
            reply.send(contact_text(reply), buttons)
        else:
            reply.say(ANSWERS.get(intent or "", "faq.help"), buttons, **params)
        return []


class ActionSwitchLanguage(BotAction):
    """Confirms the switch in the new language (the slot mapping already set it)."""

    action_name = "action_switch_language"
    detects_switch = False

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        asked = next(
            (value for value in tracker.get_latest_entity_values("language") if value in LANGUAGES),
            None,
        )
        target = asked or ("es" if reply.language == "en" else "en")
        Reply(reply.dispatcher, target).say("language.switched")
        return [SlotSet("language", target)]


class ActionCancel(BotAction):
    """Stops the flow and forgets every personal field collected so far."""

    action_name = "action_cancel"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reply.say("cancel.done", reply.buttons(START_BUTTON))
        return [ActiveLoop(None)] + [SlotSet(slot, None) for slot in FLOW_SLOTS]


class ActionDefaultFallback(BotAction):
    """What it does not understand: says so, then repeats the pending question or
    says what it can do, in the person's language."""

    action_name = "action_default_fallback"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reply.say("fallback.not_understood")
        events = repeat_pending_question(reply, tracker)
        if events is not None:
            return events
        reply.say(
            "fallback.menu",
            reply.buttons(START_BUTTON, ("buttons.help", intent_payload("help"))),
            courier=services().profile.courier,
        )
        return []


class ActionGoodbye(BotAction):
    action_name = "action_goodbye"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reply.say("goodbye.text")
        return []
