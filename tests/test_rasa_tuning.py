"""bot.rasa_tuning: action responses are validated exactly as Rasa does, with the
schema itself checked once instead of on every call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AgentUttered,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_tuning

ORIGINAL_RESOLVE = Event.resolve_by_type

VALID = [
    {},
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "language", "value": "es"}],
        "responses": [{"text": "Hola", "buttons": [{"title": "Sí", "payload": "/affirm"}]}],
    },
    {"events": [{"event": "active_loop", "name": "applicant_form"}, {"event": "followup", "name": "x"}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},
    {"responses": ["a string, not an object"]},
    [],
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_greet", EndpointConfig("http://127.0.0.1:1/webhook"))


def _original(action: RemoteAction, result: Any) -> str | None:
    try:
        RemoteAction._validate_action_result(action, result)
    except ValidationError as error:
        return error.message
    return None


def _tuned(action: RemoteAction, result: Any) -> str | None:
    try:
        assert rasa_tuning.validate_action_result(action, result) is True
    except ValidationError as error:
        return error.message
    return None


@pytest.mark.parametrize("result", VALID + INVALID)
def test_same_verdict_and_message_as_rasas_own(action: RemoteAction, result: Any) -> None:
    assert _tuned(action, result) == _original(action, result)
    assert (_tuned(action, result) is None) == (result in VALID)


def test_the_schema_is_checked_once(action: RemoteAction, monkeypatch: pytest.MonkeyPatch) -> None:
    validator_class = validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    check_schema = validator_class.check_schema
    monkeypatch.setattr(
        validator_class,
        "check_schema",
        classmethod(
            lambda cls, schema, *args, **kwargs: checks.append(1) or check_schema(schema, *args, **kwargs)
        ),
    )
    rasa_tuning._response_validator.cache_clear()
    for result in (VALID + INVALID) * 10:
        try:
            rasa_tuning.validate_action_result(action, result)
        except ValidationError:
            pass
    assert len(checks) == 1
    rasa_tuning._response_validator.cache_clear()


def test_install_replaces_rasas_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    rasa_tuning.install()
    assert RemoteAction._validate_action_result is rasa_tuning.validate_action_result
    assert Event.resolve_by_type is rasa_tuning.resolve_by_type
    assert Event.from_parameters({"event": "slot", "name": "language", "value": "es"}) == SlotSet(
        "language", "es"
    )


# One event of every type Rasa's schema names, as Rasa writes them.
EVENTS = [
    UserUttered("hola", {"name": "greet", "confidence": 0.9}, [{"entity": "city", "value": "Sucre"}]),
    ActionExecuted("action_listen"),
    SlotSet("language", "es"),
    EntitiesAdded([{"entity": "city", "value": "Sucre"}]),
    DefinePrevUserUtteredFeaturization(True),
    ReminderCancelled("reminder"),
    ReminderScheduled("greet", datetime(2026, 12, 1), name="reminder"),
    ActionExecutionRejected("applicant_form"),
    LoopInterrupted(True),
    ActiveLoop("applicant_form"),
    AllSlotsReset(),
    ConversationResumed(),
    ConversationPaused(),
    FollowupAction("action_greet"),
    StoryExported(),
    Restarted(),
    ActionReverted(),
    UserUtteranceReverted(),
    BotUttered("Hola", {"buttons": [{"title": "Sí", "payload": "/affirm"}]}),
    SessionStarted(),
    AgentUttered("hi"),
]
# Two that Rasa 3 reads but no longer writes.
LEGACY = [{"event": "form", "name": "applicant_form"}, {"event": "form_validation", "validate": False}]
EXAMPLES = [event.as_dict() for event in EVENTS] + LEGACY
BROKEN = [
    {"event": "slot", "name": 5, "value": "es"},
    {"event": "user", "text": 5},
    {"event": "action", "name": None, "timestamp": "yesterday"},
    {"event": "bot", "metadata": "not an object"},
    {"event": "active_loop", "name": 7},
    {"event": "followup"},
    {"event": "no_such_event"},
    {"event": 3},
    {"name": "language"},
    "slot",
    None,
]


def test_every_event_type_of_rasas_schema_has_an_example() -> None:
    alternatives = RemoteAction.action_response_format_spec()["properties"]["events"]["items"]["oneOf"]
    names = {alternative["properties"]["event"]["const"] for alternative in alternatives}
    assert {event["event"] for event in EXAMPLES} == names


@pytest.mark.parametrize("event", EXAMPLES + BROKEN, ids=repr)
def test_an_event_gets_the_verdict_and_message_of_rasas_own_validation(
    action: RemoteAction, event: Any
) -> None:
    for result in (
        {"events": [event]},
        {"events": [SlotSet("language", "en").as_dict(), event], "responses": []},
    ):
        assert _tuned(action, result) == _original(action, result)
        assert rasa_tuning._is_valid(result) == (_original(action, result) is None)


def test_the_event_class_table_answers_as_rasas_walk() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    for name in names:
        assert rasa_tuning.resolve_by_type(name) is ORIGINAL_RESOLVE(name)
    assert rasa_tuning.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert rasa_tuning.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        rasa_tuning.resolve_by_type("no_such_event")
