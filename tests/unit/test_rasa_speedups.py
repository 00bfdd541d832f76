"""The cached action-response validation accepts and refuses exactly what Rasa's own does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_speedups

GOOD = {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": None}],
        "responses": [{"text": "hi"}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": "x"}]


@pytest.fixture
def action():
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1"))


def _outcome(action, result):
    try:
        return action._validate_action_result(result)
    except ValidationError as error:
        return ("refused", error.validator, "custom-actions" in error.message)


def _rasa_verdict(result):
    """What Rasa's own check (jsonschema.validate on the spec) says."""
    from jsonschema import validate

    try:
        validate(result, RemoteAction.action_response_format_spec())
        return True
    except ValidationError as error:
        return ("refused", error.validator, True)


def test_same_verdicts_as_rasa(action):
    original = [_rasa_verdict(r) for r in [GOOD] + BAD]
    rasa_speedups.install()
    assert getattr(RemoteAction, "_cached_response_validator", None) is not None
    cached = [_outcome(action, r) for r in [GOOD] + BAD]
    assert cached[0] is True and original[0] is True
    assert [c[0] for c in cached[1:]] == ["refused"] * len(BAD)
    assert [c[:2] for c in cached[1:]] == [o[:2] for o in original[1:]]
    assert all(c[2] for c in cached[1:])
