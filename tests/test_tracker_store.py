"""The tracker store that keeps conversations to their last turns (bot.tracker_store)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import KEEP_TURNS, CompactInMemoryTrackerStore

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def question_turn(index: int) -> list[Event]:
    """The person asks a question while the form waits for the passport number."""
    return [
        UserUttered(f"question {index}", {"name": "ask_fee", "confidence": 0.9}),
        ActionExecuted("action_answer_question"),
        BotUttered(f"answer {index}"),
        ActionExecuted("applicant_form"),
        SlotSet("requested_slot", "passport_number"),
        BotUttered("What is your passport number?"),
        ActionExecuted("action_listen"),
    ]


def long_conversation(questions: int) -> DialogueStateTracker:
    events: list[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hola", {"name": "greet", "confidence": 0.9}),
        SlotSet("language", "es"),
        ActionExecuted("action_greet"),
        ActionExecuted("action_listen"),
        UserUttered("no", {"name": "not_registered", "confidence": 0.9}),
        SlotSet("registered", False),
        ActionExecuted("applicant_form"),
        ActiveLoop("applicant_form"),
        SlotSet("requested_slot", "passport_number"),
        ActionExecuted("action_listen"),
    ]
    for index in range(questions):
        events += question_turn(index)
    return DialogueStateTracker.from_events("person", events, DOMAIN.slots)


def saved_and_retrieved(
    store: CompactInMemoryTrackerStore, tracker: DialogueStateTracker
) -> DialogueStateTracker:
    async def round_trip() -> DialogueStateTracker:
        await store.save(tracker)
        retrieved = await store.retrieve(tracker.sender_id)
        assert retrieved is not None
        return retrieved

    return asyncio.run(round_trip())


def user_turns(tracker: DialogueStateTracker) -> int:
    return sum(isinstance(event, UserUttered) for event in tracker.events)


def test_a_long_conversation_keeps_its_last_turns_and_the_state_they_start_from() -> None:
    original = long_conversation(40)
    store = CompactInMemoryTrackerStore(DOMAIN, max_turns=24, keep_turns=12)
    kept = saved_and_retrieved(store, original)
    assert user_turns(original) == 42 and user_turns(kept) == 12
    assert kept.current_slot_values() == original.current_slot_values()
    assert kept.current_slot_values()["language"] == "es"
    assert kept.active_loop_name == "applicant_form"
    assert [event.as_dict() for event in kept.events][-12 * 7 :] == [
        event.as_dict() for event in original.events
    ][-12 * 7 :]
    assert kept.latest_message.text == "question 39"


def test_the_policies_see_the_same_recent_states() -> None:
    # MemoizationPolicy looks at the last 5 states and the rules at fewer; far more
    # than those are kept.
    original = long_conversation(40)
    kept = saved_and_retrieved(CompactInMemoryTrackerStore(DOMAIN), original)
    assert kept.past_states(DOMAIN)[-30:] == original.past_states(DOMAIN)[-30:]


def test_a_conversation_stays_whole_up_to_max_turns() -> None:
    original = long_conversation(22)
    kept = saved_and_retrieved(CompactInMemoryTrackerStore(DOMAIN, max_turns=24), original)
    assert [event.as_dict() for event in kept.events] == [event.as_dict() for event in original.events]


def test_a_conversation_stays_short_however_long_it_goes() -> None:
    store = CompactInMemoryTrackerStore(DOMAIN, max_turns=10, keep_turns=5)
    tracker = long_conversation(0)
    for index in range(60):
        for event in question_turn(index):
            tracker.update(event)
        tracker = saved_and_retrieved(store, tracker)
        assert user_turns(tracker) <= 10
    assert tracker.latest_message.text == "question 59"
    assert tracker.current_slot_values()["registered"] is False


@pytest.mark.parametrize(("max_turns", "keep_turns"), [(10, 0), (10, 11)])
def test_impossible_limits_are_refused(max_turns: int, keep_turns: int) -> None:
    with pytest.raises(ValueError, match="keep_turns"):
        CompactInMemoryTrackerStore(DOMAIN, max_turns=max_turns, keep_turns=keep_turns)


def longest(kind: str) -> int:
    """The most messages from the person in one rule or story of data/."""
    counts = [0]
    for path in (ROOT / "data").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(kind, []):
            counts.append(
                sum(1 for step in item["steps"] if "intent" in step or "or" in step or "user" in step)
            )
    return max(counts)


def test_the_turns_kept_outnumber_every_rule_and_story() -> None:
    # Otherwise a kept window could look like the start of a story or a rule could
    # need a message that is gone.
    assert 0 < longest("rules") < KEEP_TURNS
    assert 0 < longest("stories") < KEEP_TURNS
