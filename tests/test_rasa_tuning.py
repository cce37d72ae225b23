"""bot.rasa_tuning: action responses are validated exactly as Rasa does, with the
schema itself checked once instead of on every call."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_tuning

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "es"}],
     "responses": [{"text": "Hola", "buttons": [{"title": "Sí", "payload": "/affirm"}]}]},
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
    monkeypatch.setattr(validator_class, "check_schema", classmethod(
        lambda cls, schema, *args, **kwargs: checks.append(1) or check_schema(schema, *args, **kwargs)))
    rasa_tuning._response_validator.cache_clear()
    for result in VALID * 10:
        rasa_tuning.validate_action_result(action, result)
    assert len(checks) == 1
    rasa_tuning._response_validator.cache_clear()


def test_install_replaces_rasas_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_tuning.install()
    assert RemoteAction._validate_action_result is rasa_tuning.validate_action_result
