"""The registration_id slot: the proof that this conversation found or saved its
registration, signed for the conversation's sender id."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions.services import services


def proven_registration(tracker: Tracker) -> int | None:
    """The registration id this conversation found or saved; None for anything else
    in the slot (a bare id, another conversation's value, garbage)."""
    return services().proof.verify(tracker.get_slot("registration_id"), tracker.sender_id)


def registration_slot(tracker: Tracker, registration_id: int) -> str:
    """The registration_id slot value that proves the id to this conversation."""
    return services().proof.sign(registration_id, tracker.sender_id)
