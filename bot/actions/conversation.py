"""Greeting, questions, language switch, cancel, fallback and goodbye."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.types import DomainDict

from bot.actions.applicant import PERSONAL_FIELDS
from bot.actions.base import BotAction
from bot.actions.extras import offered_extras
from bot.actions.flow import FLOW_SLOTS
from bot.actions.history import latest_buttons, latest_intent
from bot.actions.prompts import HINTS, pending_question
from bot.actions.proof import proven_registration
from bot.actions.reply import Reply, confirmation_link, contact_text, intent_payload
from bot.actions.services import services
from bot.core.i18n import LANGUAGES
from bot.core.registry import Confirmation, RegistryUnavailable

START_BUTTON = ("buttons.start", intent_payload("request_courier"))
WELCOME_BUTTONS = (
    START_BUTTON,
    ("welcome.ask_221g", intent_payload("ask_221g")),
    ("welcome.ask_fee", intent_payload("ask_fee")),
    ("welcome.ask_what_to_do", intent_payload("ask_what_to_do")),
)
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
    "ask_courier_price": "faq.courier_price",
    "ask_return_time": "faq.return_time",
    "ask_what_to_do": "faq.what_to_do",
}


def introduced(tracker: Tracker) -> bool:
    """Whether the assistant already introduced itself in this conversation: it
    greeted in the turns the tracker holds, or the flow it starts is under way (a
    form, or the data notice: kept when older turns are dropped)."""
    return (
        bool(tracker.active_loop_name)
        or bool(tracker.get_slot("notice_shown"))
        or any(
            event.get("event") == "action" and event.get("name") == "action_greet" for event in tracker.events
        )
    )


class ActionGreet(BotAction):
    """Says what the assistant is and does, once per conversation; then a form asks
    its question. A greeting later on ("hola" in the middle of the flow) gets no
    second introduction: the form just asks its pending question again."""

    action_name = "action_greet"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        greet(reply, tracker)
        return []


def greet(reply: Reply, tracker: Tracker) -> None:
    """The introduction, unless the assistant already introduced itself."""
    if introduced(tracker):
        return
    profile = services().profile
    if reply.language is None:
        reply.say("greeting.bilingual")
    else:
        reply.say("greeting.intro", embassy=profile.display_name(reply.language), courier=profile.courier)


def first_message(tracker: Tracker) -> bool:
    """Whether the person's latest message is the first of the conversation."""
    return sum(event.get("event") == "user" for event in tracker.events) <= 1


def offered_start(tracker: Tracker) -> bool:
    """Whether the assistant's latest message offered the Start button."""
    return any(button.get("payload") == START_BUTTON[1] for button in latest_buttons(tracker))


class ActionAnswerQuestion(BotAction):
    """Answers a question; inside the flow the form then repeats its question.

    Outside the flow it offers to start, unless this conversation's confirmation was
    issued: then the answer reminds of it (number, link, take it to the courier).
    """

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
        if (
            intent == "help"
            and not tracker.active_loop_name
            and not tracker.get_slot("confirmed_registration")
            and first_message(tracker)
        ):
            # The web page's welcome (or "help" as a first message), after the introduction.
            reply.say("welcome.menu", reply.buttons(*WELCOME_BUTTONS))
            return []
        if intent == "ask_contact":
            lines = [contact_text(reply)]
        else:
            lines = [reply.text(ANSWERS.get(intent or "", "faq.help"), **params)]
        if intent == "ask_fee":
            # Our sources have the visa fee rule, not the courier's price.
            lines.append(reply.text("faq.fee_courier", **params))
        if tracker.active_loop_name:
            if intent == "ask_what_to_do":
                lines.append(reply.text("faq.what_to_do_continue"))
            reply.send("\n".join(lines))
            return []
        confirmed, confirmation = await issued_confirmation(tracker)
        if not confirmed:
            if intent == "ask_what_to_do":
                lines.append(reply.text("faq.what_to_do_start"))
            reply.send("\n".join(lines), reply.buttons(START_BUTTON))
            return []
        if intent == "ask_what_to_do":
            lines = [reply.text("faq.what_to_do_done", **params)]
        if confirmation is not None:
            lines.append(
                reply.text(
                    "faq.confirmation_reminder",
                    number=confirmation.number,
                    link=confirmation_link(confirmation.token),
                    courier=profile.courier,
                )
            )
        reply.send("\n".join(lines))
        return []


async def issued_confirmation(tracker: Tracker) -> tuple[bool, Confirmation | None]:
    """Whether this conversation issued (or was shown) a confirmation that still
    exists, and that confirmation (None when the database cannot say right now)."""
    svc = services()
    registration_id = svc.proof.verify(tracker.get_slot("confirmed_registration"), tracker.sender_id)
    if registration_id is None:
        return False, None
    try:
        confirmation = await asyncio.to_thread(svc.registry.confirmation_for, registration_id)
    except RegistryUnavailable:
        return True, None
    return confirmation is not None, confirmation


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
    """Stops the flow and forgets every field collected so far; says what it erased
    and what stays (a registration saved or found, which is not deleted)."""

    action_name = "action_cancel"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        confirmed, _ = await issued_confirmation(tracker)
        if confirmed:
            key = "cancel.confirmation_kept"
        elif proven_registration(tracker) is not None:
            key = "cancel.registration_kept"
        elif any(tracker.get_slot(slot) is not None for slot in PERSONAL_FIELDS):
            key = "cancel.done"
        else:
            key = "cancel.nothing"
        # Nothing to start again once the confirmation is issued.
        buttons = [] if confirmed else reply.buttons(START_BUTTON)
        reply.say(key, buttons, courier=services().profile.courier)
        return [ActiveLoop(None)] + [SlotSet(slot, None) for slot in FLOW_SLOTS]


class ActionDefaultFallback(BotAction):
    """What it does not understand: says so, in the person's language. Inside a form
    with a pending question it adds how to answer a question with buttons and lets the
    form ask the question (Rasa runs the active form right after the fallback: asked
    here too, it came twice); elsewhere it says what it can do."""

    action_name = "action_default_fallback"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        pending = pending_question(tracker)
        intent = latest_intent(tracker)
        if pending is None and intent in ("affirm", "deny") and offered_extras(tracker):
            # The answer to the deadline and checklist offer (bot/actions/extras.py).
            if intent == "affirm":
                return [FollowupAction("extras_form")]
            reply.say("extras.declined")
            return []
        if pending is None and intent == "affirm" and offered_start(tracker):
            # "yes, let's do it" to the Start offer (no rule follows a yes outside a
            # form): the same as pressing Start.
            greet(reply, tracker)
            return [FollowupAction("applicant_form")]
        if pending is not None:
            hint = HINTS.get(pending)
            sorry = reply.text("fallback.not_understood")
            reply.send(f"{sorry} {reply.text(hint)}" if hint else sorry)
            return []
        reply.say("fallback.not_understood")
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
