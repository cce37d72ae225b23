"""The return-office form and the confirmation that ends the flow. A city typed with
a spelling slip is taken when sure ("cochavamba") and offered as "Did you mean …?"
when probable."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.ask import offer_spelling, unclear_answer_to, yes_or_no_to
from bot.actions.base import BotAction, LanguageFollowingForm
from bot.actions.extras import offer_extras
from bot.actions.flow import FLOW_SLOTS, back_to_summary, clear, reopen_form
from bot.actions.history import answer_to_pending, count_attempt
from bot.actions.proof import proven_registration, registration_slot
from bot.actions.reply import Reply, confirmation_custom, confirmation_link, reply_for, say_try_again
from bot.actions.services import services
from bot.core.profile import Office
from bot.core.registry import RegistryUnavailable
from bot.core.spelling import NO_MATCH


def _choose_from(text: str, offices: list[Office]) -> list[Office]:
    """Offices picked by their number in the list shown ("2") or by what was typed."""
    stripped = text.strip().rstrip(".")
    if stripped.isdigit() and 1 <= int(stripped) <= len(offices):
        return [offices[int(stripped) - 1]]
    return services().profile.match_offices(text)


def _chosen(tracker: Tracker, matches: list[Office]) -> dict[str, Any] | None:
    """The slots once `matches` were found: the office when there is one, the city
    when it has several (the form then asks which); None when they name no one city."""
    if len(matches) == 1:
        return {
            "return_location": matches[0].id,
            "return_city": matches[0].city,
            **count_attempt(tracker, "return_location", True),
        }
    if matches and len({office.city for office in matches}) == 1:
        return {"return_location": None, "return_city": matches[0].city}
    return None


def _names_a_city(text: str) -> bool:
    profile = services().profile
    return bool(profile.match_offices(text)) or profile.spelled_city(text).value is not None


def named_city(text: str) -> str | None:
    """The one city with offices that `text` surely names, else None."""
    profile = services().profile
    cities = {office.city for office in profile.match_offices(text)}
    if len(cities) == 1:
        return cities.pop()
    return None if cities else profile.spelled_city(text).sure


class ValidateLocationForm(LanguageFollowingForm):
    """Maps a typed city, office name or id to one return office."""

    def name(self) -> str:
        return "validate_location_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Asks "Did you mean …?" first while a misspelt city's probable reading is
        offered; otherwise the domain's slots as they are (Rasa's form asks the next one)."""
        if tracker.get_slot("spelling_suggestion"):
            return ["spelling_confirmed", *domain_slots]
        return domain_slots

    def extract_return_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return answer_to_pending("return_location", tracker, _names_a_city) or unclear_answer_to(
            "return_location", tracker
        )

    def extract_spelling_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return yes_or_no_to("spelling_confirmed", tracker)

    def validate_return_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # cleared by a change, not an answer
            return {"return_location": None}
        profile = services().profile
        city = tracker.get_slot("return_city")
        shown = profile.offices_in(city) if city else []
        text = value if isinstance(value, str) else ""
        matches = _choose_from(text, shown)
        spelt = NO_MATCH if matches else profile.spelled_city(text)
        if spelt.probable:
            return {"return_location": None, "return_city": None, **offer_spelling(spelt.probable)}
        slots = _chosen(tracker, profile.offices_in(spelt.sure) if spelt.sure else matches)
        if slots is None:
            reply_for(dispatcher, tracker).say("location.unknown", courier=profile.courier)
            slots = {
                "return_location": None,
                "return_city": None,
                **count_attempt(tracker, "return_location", False),
            }
        if tracker.get_slot("spelling_suggestion"):
            slots.update(clear("spelling_suggestion", "spelling_confirmed"))
        return slots

    def validate_spelling_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes takes the city offered; no, or a place typed instead, leaves the question
        to that answer."""
        if value is None:
            return {}
        suggestion = tracker.get_slot("spelling_suggestion")
        slots: dict[str, Any] = clear("spelling_suggestion", "spelling_confirmed")
        if value is True and suggestion and "return_location" not in tracker.slots_to_validate():
            slots.update(_chosen(tracker, services().profile.offices_in(suggestion)) or {})
        return slots

    def validate_location_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"location_confirmed": True}
        return {"location_confirmed": None, "return_location": None, "return_city": None}


class ActionIssueConfirmation(BotAction):
    """Issues (or shows again) the confirmation with the link to its printable page,
    only for the registration this conversation found or saved."""

    action_name = "action_issue_confirmation"

    async def respond(self, reply: Reply, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        svc = services()
        registration_id = proven_registration(tracker)
        if registration_id is None:
            return _check_details_again(reply)
        office = svc.profile.office(tracker.get_slot("return_location") or "")
        try:
            existing = await asyncio.to_thread(svc.registry.confirmation_for, registration_id)
            if existing is not None:
                confirmation = existing
            elif office is None:
                return _choose_office_again()
            else:
                confirmation = await asyncio.to_thread(
                    svc.registry.issue_confirmation, registration_id, office.id, reply.language or "en"
                )
        except RegistryUnavailable:
            say_try_again(reply)
            if tracker.get_slot("location_confirmed") is True:
                # The office's "yes" is what issues: asked again, the same "yes" retries.
                return reopen_form("location_form", {"location_confirmed": None})
            # Came straight from the saved registration, which has a confirmation.
            return back_to_summary(tracker.get_slot("registration_id"))
        except LookupError:  # the registration is no longer in the database
            return _check_details_again(reply)
        text = reply.text(
            "confirmation.existing" if existing else "confirmation.issued",
            number=confirmation.number,
            link=confirmation_link(confirmation.token),
            courier=svc.profile.courier,
        )
        reply.send(text, custom=confirmation_custom(confirmation.number, confirmation.token))
        offer_extras(reply)
        # The flow ends; later answers refer to this confirmation (conversation.py).
        return [SlotSet(slot, None) for slot in FLOW_SLOTS] + [
            SlotSet("confirmed_registration", registration_slot(tracker, registration_id))
        ]


def _check_details_again(reply: Reply) -> list[EventType]:
    """No proven registration: no confirmation; the applicant form checks the details
    again (it asks what is missing, then saves, which proves the registration)."""
    reply.say("confirmation.check_again")
    return reopen_form(
        "applicant_form",
        clear("registration_id", "has_confirmation", "details_confirmed", "location_confirmed"),
    )


def _choose_office_again() -> list[EventType]:
    return reopen_form("location_form", clear("return_city", "return_location", "location_confirmed"))
