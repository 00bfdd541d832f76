"""Speed-ups for Rasa 3.6 internals, each one found with a profiler (docs/adr/0006-performance.md).

Installed in the Rasa process by the gateway's input channel (bot.rasa_channel), which Rasa loads from
credentials.yml at start-up; nothing changes at import time.
"""
from __future__ import annotations

from typing import Any, Dict

ACTION_DOCS = ". Failed to validate Action server response from API, make sure your response from the Action " \
              "endpoint is valid. For more information about the format visit https://rasa.com/docs/rasa/custom-actions"


def install() -> None:
    _cache_action_response_validator()


def _cache_action_response_validator() -> None:
    """Rasa validates every action server response with `jsonschema.validate`, which first re-checks the
    (constant) schema against the metaschema: about a fifth of Rasa's CPU under load (py-spy). The same
    validation with the schema checked once."""
    from jsonschema import validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction, "_cached_response_validator", None) is not None:
        return
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)

    def _validate_action_result(self, result: Dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += ACTION_DOCS
            raise error
        return True

    RemoteAction._cached_response_validator = validator
    RemoteAction._validate_action_result = _validate_action_result
