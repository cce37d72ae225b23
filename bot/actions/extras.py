"""The deadline and the checklist, offered once the confirmation is issued.

"Would you like me to work out by when to send your documents, and make a checklist
for your envelope?" A yes starts extras_form (the fallback presses it: no rule
follows a yes outside a form): the date of the interview, when the officer gave the
221(g) note ("I don't remember" is fine), read like a date of birth and answered
with the deadline (bot.core.deadline); then the documents the note asks for, chosen
from the embassy profile's checklist one at a time or typed (bot.core.document_match),
until "That's all". Both are stored with the confirmation (they identify no one) and
shown on its page and PDF; the conversation keeps neither once saved.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.base import BotAction, LanguageFollowingForm
from bot.actions.history import latest_buttons
from bot.actions.prompts import NO, YES, document_labels
from bot.actions.reply import Reply, confirmation_link, reply_for, say_try_again
from bot.actions.services import services
from bot.core.deadline import compute_deadline, deadline_message, parse_interview_date
from bot.core.document_match import match_documents
from bot.core.i18n import LANGUAGES, t
from bot.core.profile import OTHER_DOCUMENT
from bot.core.registered import expresses_doubt
from bot.core.registry import RegistryUnavailable

EXTRAS_SLOTS = ("interview_date", "documents", "documents_done")
# The interview_date of a person who does not remember it (the slot mappings of a
# "no" or "I don't know" give it; so does an answer that is no date and says so, which
# NLU may read as something else).
UNKNOWN = "unknown"


def offer_extras(reply: Reply) -> None:
    reply.say("extras.offer", reply.buttons(("extras.yes", YES), ("extras.no", NO)))


def offered_extras(tracker: Tracker) -> bool:
    """Whether the assistant's latest message is that offer (in either language)."""
    titles = {t("extras.yes", language) for language in LANGUAGES}
    return any(button.get("title") in titles for button in latest_buttons(tracker))


class ValidateExtrasForm(LanguageFollowingForm):
    """Reads the interview date (and answers with the deadline) and adds each document
    named to the list until the person says it is complete."""

    def name(self) -> str:
        return "validate_extras_form"

    def validate_interview_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reply = reply_for(dispatcher, tracker)
        if not isinstance(value, str):
            return {"interview_date": None}
        profile = services().profile
        result = parse_interview_date(value, profile.timezone) if value != UNKNOWN else None
        if result is None or (not result.ok and expresses_doubt(value)):
            reply.say("extras.no_date")
            return {"interview_date": UNKNOWN}
        if not result.ok or result.value is None:
            reply.say(result.error or "errors.date_invalid", **result.params)
            return {"interview_date": None}
        language = reply.language or "en"
        deadline = compute_deadline(date.fromisoformat(result.value), profile.timezone)
        message = deadline_message(deadline, language, embassy=profile.display_name(language))
        reply.send("\n".join(line for line in (message.text, message.warning) if line))
        return {"interview_date": result.value}

    def validate_documents_done(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"documents_done": True}
        if not isinstance(value, str):
            return {"documents_done": None}
        reply = reply_for(dispatcher, tracker)
        checklist = services().profile.checklist
        named = match_documents(value, [(item.id, tuple(item.name.values())) for item in checklist])
        chosen = list(tracker.get_slot("documents") or [])
        if named:
            chosen += [document_id for document_id in named if document_id not in chosen]
            reply.say("extras.added", documents=document_labels(named, reply.language or "en"))
        else:
            # Not on the list: noted as "other documents listed in your note", so that
            # nothing typed (a name, a number) is stored.
            if OTHER_DOCUMENT not in chosen:
                chosen.append(OTHER_DOCUMENT)
            reply.say("extras.other")
        return {"documents": chosen, "documents_done": None}


class ActionSaveExtras(BotAction):
    """Stores the interview date and the documents with this conversation's
    confirmation, and says that its page and PDF show them."""

    action_name = "action_save_extras"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        svc = services()
        cleared: list[EventType] = [SlotSet(slot, None) for slot in EXTRAS_SLOTS]
        registration_id = svc.proof.verify(tracker.get_slot("confirmed_registration"), tracker.sender_id)
        if registration_id is None:
            return cleared
        interview = tracker.get_slot("interview_date")
        interview_date = date.fromisoformat(interview) if interview and interview != UNKNOWN else None
        documents = list(tracker.get_slot("documents") or []) or None
        try:
            confirmation = await asyncio.to_thread(
                svc.registry.set_details, registration_id, interview_date, documents
            )
        except RegistryUnavailable:
            say_try_again(reply)
            return cleared
        except LookupError:  # the confirmation was deleted meanwhile
            return cleared
        what = {
            (True, True): "extras.saved_both",
            (True, False): "extras.saved_deadline",
            (False, True): "extras.saved_checklist",
        }.get((interview_date is not None, documents is not None))
        if what is not None:
            reply.say("extras.saved", what=reply.text(what), link=confirmation_link(confirmation.token))
        else:
            reply.say("extras.declined")
        return cleared
