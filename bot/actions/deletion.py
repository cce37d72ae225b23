"""Deleting a registration at the applicant's request: the applicant form's three
fields and lookup (same validators, same limits, one and the same reply whatever
did not match), a yes/no naming what is deleted, then the deletion."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.applicant import PERSONAL_FIELDS, ValidateApplicantForm, validated_applicant
from bot.actions.base import BotAction
from bot.actions.flow import FLOW_SLOTS, clear, reopen_form
from bot.actions.proof import proven_registration
from bot.actions.reply import Reply, say_try_again
from bot.actions.services import services
from bot.core.registry import RegistryUnavailable

logger = logging.getLogger(__name__)

FORM = "deletion_form"
# What starting or ending a deletion clears: the flow under way and its answers. The
# privacy notice stays said, and the confirmation already issued stays remembered
# unless it is the one deleted.
RESET = tuple(slot for slot in FLOW_SLOTS if slot not in ("notice_shown", "confirmed_registration"))
# Asked again from the passport on, as a registered person's lookup ("registered"
# makes the applicant form's lookup run).
CHECK_AGAIN = {
    **clear(*PERSONAL_FIELDS, "lookup_choice", "registration_id", "deletion_confirmed"),
    "lookup_failed": False,
    "registered": True,
}


class ActionStartDeletion(BotAction):
    """Says what the deletion needs; the deletion form then asks for it."""

    action_name = "action_start_deletion"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reply.say("deletion.start")
        return [ActiveLoop(None), *(SlotSet(slot, None) for slot in RESET), SlotSet("registered", True)]


class ValidateDeletionForm(ValidateApplicantForm):
    """The applicant form's extraction, validation and lookup of the three fields;
    once the registration is found, the yes/no before deleting it."""

    def name(self) -> str:
        return "validate_deletion_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # What the applicant form asks a registered person (of the slots this form
        # has), then the yes/no once this conversation found the registration.
        registered = tracker.copy()
        registered.slots["registered"] = True
        needed = await super().required_slots(domain_slots, dispatcher, registered, domain)
        if proven_registration(tracker) is not None:
            needed.append("deletion_confirmed")
        return [slot for slot in domain_slots if slot in needed]

    @staticmethod
    async def _with_lookup(
        dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any], retry: dict[str, Any]
    ) -> dict[str, Any]:
        # Always a registered person's lookup, whatever "registered" held.
        return await ValidateApplicantForm._with_lookup(
            dispatcher, tracker, {**slots, "registered": True}, {**retry, "registered": True}
        )

    def validate_deletion_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"deletion_confirmed": value if isinstance(value, bool) else None}


class ActionDeleteRegistration(BotAction):
    """After the deletion form: deletes the registration this conversation found (and
    its confirmation) when the person said yes, keeps it when they said no."""

    action_name = "action_delete_registration"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("deletion_confirmed") is not True:
            reply.say("deletion.kept")
            return _finish()
        svc = services()
        registration_id = proven_registration(tracker)
        applicant = validated_applicant(tracker.slots)
        if registration_id is None or applicant is None:
            return _check_again(reply)
        try:
            found = await asyncio.to_thread(svc.registry.find, applicant)
            if found is not None and found.id != registration_id:
                return _check_again(reply)
            deleted = found is not None and await asyncio.to_thread(svc.registry.delete, applicant)
        except RegistryUnavailable:
            say_try_again(reply)
            # Asked again, the same "yes" retries.
            return reopen_form(FORM, {"deletion_confirmed": None})
        if not deleted:
            reply.say("deletion.gone")
            return _finish()
        logger.info("A registration and its confirmation were deleted at the applicant's request.")
        reply.say("deletion.done")
        forget = services().proof.verify(tracker.get_slot("confirmed_registration"), tracker.sender_id)
        return _finish(forget_confirmation=forget == registration_id)


def _finish(forget_confirmation: bool = False) -> list[EventType]:
    slots = (*RESET, "confirmed_registration") if forget_confirmation else RESET
    return [SlotSet(slot, None) for slot in slots]


def _check_again(reply: Reply) -> list[EventType]:
    """No registration proven for these fields: nothing is deleted, and the form asks
    for the three fields again (then looks them up, which proves it)."""
    reply.say("deletion.check_again")
    return reopen_form(FORM, CHECK_AGAIN)
