"""Changes to Rasa's behaviour, made once when the Rasa server starts (bot.rasa_server).

- The action server's responses are validated against Rasa's response schema with
  a validator built once. Rasa 3.6 calls `jsonschema.validate` for every response,
  which first re-checks the schema itself against the JSON-schema meta-schema: a
  profile of the server under load put most of its CPU there. The result is the
  same: a valid response passes, an invalid one raises the same ValidationError,
  with Rasa's own hint appended to its message.
- Each event of a response is checked against its own type's schema only. Rasa's
  event schema is a `oneOf` of 23 alternatives, one per event type, each fixing
  `event` to its type name, so an event is valid exactly when the alternative of
  its type accepts it; jsonschema tries all 23 on every event. Only the verdict
  comes from this shortcut: an invalid response is checked again by the full
  validator, so its error is Rasa's own.
- `Event.resolve_by_type` (every event read from JSON: the tracker store, the
  action server's responses) finds the class by its type name in a table built
  once, instead of walking all of Event's subclasses for every event; a name it
  does not know still gets Rasa's own walk.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses


@lru_cache(maxsize=1)
def _response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def _event_validators() -> tuple[Validator, dict[str, Validator]]:
    """A validator of the response without its events' `oneOf`, and one per event
    type: the event schema with that type's alternative only."""
    schema = RemoteAction.action_response_format_spec()
    event_schema = schema["properties"]["events"]["items"]
    base = {key: value for key, value in event_schema.items() if key != "oneOf"}
    validator_class = validators.validator_for(schema)
    by_type = {
        alternative["properties"]["event"]["const"]: validator_class({**base, "allOf": [alternative]})
        for alternative in event_schema["oneOf"]
    }
    events = {**schema["properties"]["events"], "items": {}}
    outer = {**schema, "properties": {**schema["properties"], "events": events}}
    return validator_class(outer), by_type


def _is_valid(result: Any) -> bool:
    outer, by_type = _event_validators()
    if not outer.is_valid(result):
        return False
    for event in result.get("events") or []:
        validator = by_type.get(str(event.get("event"))) if isinstance(event, dict) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the schema checked once and each
    event checked against its own type."""
    if _is_valid(result):
        return True
    error: ValidationError | None = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


_RESOLVE_BY_WALK = Event.resolve_by_type


@lru_cache(maxsize=1)
def _event_classes() -> dict[str, type[Event]]:
    # In the order of Rasa's walk, whose first class of a name wins.
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Event.resolve_by_type from a table built once."""
    found = _event_classes().get(type_name)
    return found if found is not None else _RESOLVE_BY_WALK(type_name, default)


def install() -> None:
    """Applies the changes above to this process's Rasa."""
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
