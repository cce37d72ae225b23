"""The conversation's language: the slot, else the channel's metadata, else what the
message shows; a clear sentence in the other language switches it."""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.core.i18n import LANGUAGES
from bot.language import detect_language, wants_language

# A message switches a known language only when it is a sentence: a single "yes"
# or "gracias" from someone writing in the other language does not.
SWITCH_MIN_WORDS = 3


@dataclass(frozen=True)
class LanguageChoice:
    language: str | None
    events: list[EventType]
    switched: bool = False

    def applied_to(self, tracker: Tracker) -> Tracker:
        """A copy of `tracker` whose language slot holds this language, for the rest
        of the action to read (no event is added: the history reads as before)."""
        chosen = tracker.copy()
        chosen.slots["language"] = self.language
        return chosen


def _metadata_language(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    session = tracker.get_slot("session_started_metadata") or {}
    for source in (metadata, session):
        if isinstance(source, dict) and source.get("language") in LANGUAGES:
            return source["language"]
    return None


def resolve_language(tracker: Tracker, detect_switch: bool = True) -> LanguageChoice:
    """The conversation's language, with the event that records a new one.

    Order: the `language` slot, the message (or session) metadata sent by the
    channel, then what the person's message clearly shows. None means unknown:
    the applicant form then asks with two buttons. A clear sentence in the other
    language switches a known language (`switched`: the caller says so).
    """
    current = tracker.get_slot("language")
    text = (tracker.latest_message or {}).get("text") or ""
    if current in LANGUAGES:
        detected = detect_language(text)
        # An explicit request ("en inglés porfa": Spanish words asking for English)
        # was handled by the switch_language intent: the words must not undo it.
        if wants_language(text) is not None:
            detected = None
        if detect_switch and detected and detected != current and len(text.split()) >= SWITCH_MIN_WORDS:
            return LanguageChoice(detected, [SlotSet("language", detected)], switched=True)
        return LanguageChoice(current, [])
    found = _metadata_language(tracker) or detect_language(text)
    if found:
        return LanguageChoice(found, [SlotSet("language", found)])
    return LanguageChoice(None, [SlotSet("language", None)] if current is not None else [])
