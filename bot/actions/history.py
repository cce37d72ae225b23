"""What the tracker tells about the conversation so far: the latest message (its
intent, an answer the slot mapping missed, what was written), what was asked, the
failed attempts per question, and what ran or changed since the latest message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker

# A message NLU took for a question or a command, but without this confidence, is
# still taken as the answer to the pending question when it is a valid answer
# ("Perú" read as `help`, "USA" as `cancel`).
SURE_INTENT_CONFIDENCE = 0.9


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def answer_to_pending(slot: str, tracker: Tracker, accepts: Callable[[str], bool]) -> dict[str, Any]:
    """{slot: text} when the form waits for `slot`, the slot mapping did not take the
    message because of an unsure intent guess, and the text is a valid answer."""
    if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
        return {}
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if (message.get("intent") or {}).get("confidence", 0.0) >= SURE_INTENT_CONFIDENCE:
        return {}
    return {slot: text} if text and accepts(text) else {}


def written_form(tracker: Tracker, entity: str, value: Any) -> Any:
    """What the person wrote for an entity-extracted value, so that the validators
    read it again as written (a day/month date then still gets its question)."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    for found in message.get("entities") or []:
        start, end = found.get("start"), found.get("end")
        if found.get("entity") == entity and found.get("value") == value and isinstance(start, int) and end:
            return text[start:end] or value
    return value


def asked_when_person_answered(tracker: Tracker) -> str | None:
    """The slot the form was asking for when the person sent their latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "requested_slot":
            return event.get("value")
    return None


def failed_attempts(tracker: Tracker, slot: str) -> int:
    return (tracker.get_slot("failed_attempts") or {}).get(slot, 0)


def count_attempt(tracker: Tracker, slot: str, accepted: bool) -> dict[str, Any]:
    """The failed_attempts slot after one more answer to `slot`."""
    counts = dict(tracker.get_slot("failed_attempts") or {})
    counts[slot] = 0 if accepted else counts.get(slot, 0) + 1
    return {"failed_attempts": counts}


def ran_since_latest_message(tracker: Tracker, action_name: str) -> bool:
    """Whether `action_name` already ran after the person's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == action_name:
            return True
    return False


def changed_since_latest_message(tracker: Tracker, slots: tuple[str, ...]) -> bool:
    """Whether one of `slots` got a value after the person's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") in slots and event.get("value") is not None:
            return True
    return False


def value_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The value `slot` had when the person sent their latest message."""
    changed_since = False
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if not changed_since:
                return tracker.get_slot(slot)
            seen_user = True
        elif event.get("event") == "slot" and event.get("name") == slot:
            if seen_user:
                return event.get("value")
            changed_since = True
    return None if changed_since else tracker.get_slot(slot)


def latest_buttons(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the assistant's latest message (none when it had none)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return [button for button in buttons if isinstance(button, dict)]
    return []
