"""The slots one pass through the flow fills, and the events that clear them or
bring a form back."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import ActiveLoop, EventType, SlotSet

# Slots that hold what one pass through the flow collected; cancel and a finished
# confirmation clear them all (the language stays; the confirmation then records
# itself in confirmed_registration).
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
    "spelling_suggestion",
    "spelling_confirmed",
    "notice_shown",
    "failed_attempts",
    "deletion_confirmed",
    "confirmed_registration",
    "interview_date",
    "documents",
    "documents_done",
    "requested_slot",
)


def clear(*slots: str) -> dict[str, None]:
    """{slot: None} for each of `slots`."""
    return dict.fromkeys(slots)


def reopen_form(form: str, slots: dict[str, Any]) -> list[EventType]:
    """Events that set `slots` and bring `form` back: it asks the first of its
    questions that has no answer (the flow continues from its answer)."""
    return [
        *(SlotSet(name, value) for name, value in slots.items()),
        SlotSet("requested_slot", None),
        ActiveLoop(form),
    ]


def back_to_summary(registration_id: str | None) -> list[EventType]:
    """After a database error once the details are complete: the summary is asked
    again, and its "yes" (the answer that saves) retries. Also for a registered
    person, whose details are shown like a new applicant's."""
    return reopen_form(
        "applicant_form",
        {
            "registered": False,
            "lookup_failed": False,
            "details_confirmed": None,
            "registration_id": registration_id,
        },
    )
