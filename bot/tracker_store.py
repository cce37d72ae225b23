"""Rasa's in-memory tracker store, with every conversation kept to its last turns.

Rasa rebuilds a whole conversation on every turn: the in-memory store turns it
back from JSON into events, the policies replay every event into dialogue
states, and each call to the action server carries all of it. A conversation's
200th turn took about eight times as long as its first ones (`make bench`).

The dialogue needs only the latest turns: each rule spans one message from the
person, and a story (which MemoizationPolicy matches from the conversation's
start) at most 9, fewer than the 10 turns kept (tests/test_tracker_store.py
checks both against data/). So when a conversation holds more than `max_turns`
(12) messages from the person, the store keeps its last `keep_turns` (10) turns
(every other turn or so, so that a long conversation's turns cost what its first
ones do), preceded by the state they start from: a session start, every slot's
value and the active form, as Rasa's own session start carries slots over. Older messages are then
gone from memory too, which suits a store of personal data.

In endpoints.yml: `tracker_store: {type: bot.tracker_store.CompactInMemoryTrackerStore}`.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MAX_TURNS = 12
KEEP_TURNS = 10


class CompactInMemoryTrackerStore(InMemoryTrackerStore):
    """Keeps each conversation to its last turns once it grows past `max_turns`."""

    def __init__(
        self,
        domain: Domain,
        event_broker: Any = None,
        max_turns: int = MAX_TURNS,
        keep_turns: int = KEEP_TURNS,
        **kwargs: Any,
    ) -> None:
        if not 0 < keep_turns <= max_turns:
            raise ValueError(f"need 0 < keep_turns ({keep_turns}) <= max_turns ({max_turns})")
        self.max_turns = max_turns
        self.keep_turns = keep_turns
        super().__init__(domain, event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        turns = [index for index, event in enumerate(tracker.events) if isinstance(event, UserUttered)]
        if len(turns) > self.max_turns:
            tracker = compacted(tracker, turns[-self.keep_turns], self.domain)
        await super().save(tracker)


def compacted(tracker: DialogueStateTracker, cut: int, domain: Domain) -> DialogueStateTracker:
    """A tracker with the events from `cut` on (a message from the person),
    preceded by the state the conversation was in just before it."""
    events = list(tracker.events)
    before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], domain.slots)
    timestamp = events[cut].timestamp
    state: list[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
        SessionStarted(timestamp=timestamp),
    ]
    initial = {slot.name: slot.initial_value for slot in domain.slots}
    state += [
        SlotSet(name, value, timestamp=timestamp)
        for name, value in before.current_slot_values().items()
        if value != initial.get(name)
    ]
    if before.active_loop_name:
        state.append(ActiveLoop(before.active_loop_name, timestamp=timestamp))
    state.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp))
    return DialogueStateTracker.from_events(
        tracker.sender_id,
        state + events[cut:],
        domain.slots,
        tracker._max_event_history,
        tracker.sender_source,
    )
