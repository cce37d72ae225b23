"""Changes to Rasa's behaviour, made once when the Rasa server starts (bot.rasa_server).

- The action server's responses are validated against Rasa's response schema with
  a validator built once. Rasa 3.6 calls `jsonschema.validate` for every response,
  which first re-checks the schema itself against the JSON-schema meta-schema: a
  profile of the server under load put most of its CPU there. The result is the
  same: a valid response passes, an invalid one raises the same ValidationError,
  with Rasa's own hint appended to its message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the schema checked once."""
    error: ValidationError | None = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Applies the changes above to this process's Rasa."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
