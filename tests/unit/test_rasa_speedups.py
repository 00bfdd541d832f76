"""The cached action-response validation accepts and refuses exactly what Rasa's own does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.patches import rasa as rasa_speedups

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
    assert "_validate_action_result" in rasa_speedups.installed()
    cached = [_outcome(action, r) for r in [GOOD] + BAD]
    assert cached[0] is True and original[0] is True
    assert [c[0] for c in cached[1:]] == ["refused"] * len(BAD)
    assert [c[:2] for c in cached[1:]] == [o[:2] for o in original[1:]]
    assert all(c[2] for c in cached[1:])


def test_event_types_resolve_as_before():
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    rasa_speedups.install()
    assert "resolve_by_type" in rasa_speedups.installed()
    for _ in range(2):  # the second round comes from the table
        assert Event.resolve_by_type("slot") is SlotSet
        assert Event.resolve_by_type("user") is UserUttered
        assert Event.resolve_by_type("action") is ActionExecuted
        assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
        with pytest.raises(ValueError, match="Unknown event name"):
            Event.resolve_by_type("no_such_event")
    assert Event.from_parameters({"event": "slot", "name": "x", "value": 2}) == SlotSet("x", 2)


def test_action_server_calls_reuse_one_connection():
    """Three calls to the action server go over one kept-alive connection (Rasa alone opens three)."""
    from aiohttp import web

    from support.loopback_http import serve_post

    async def scenario():
        peers = []

        async def webhook(request):
            peers.append(request.transport.get_extra_info("peername"))
            return web.json_response({"events": [], "responses": []})

        runner, url = await serve_post("/webhook", webhook)
        endpoint = EndpointConfig(f"{url}/webhook", token="t")
        try:
            for _ in range(3):
                assert await endpoint.request(json={"next_action": "x"}, method="post") == {"events": [],
                                                                                             "responses": []}
        finally:
            kept = getattr(endpoint, "_kept_session", None)
            if kept is not None:
                await kept.close()
            await runner.cleanup()
        return peers

    import asyncio

    rasa_speedups.install()
    peers = asyncio.run(scenario())
    assert len(peers) == 3
    assert len(set(peers)) == 1, peers


MORE = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "order", "value": "8001"}, {"event": "followup", "name": "utter_x"},
                {"event": "active_loop", "name": None}, {"event": "reset_slots"}], "responses": [{"text": "ok"}]},
    {"events": [{"event": "slot", "value": 1}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": 5, "value": 1}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": "x"}}}]},
    {"events": [{"event": "bot", "text": "hi", "timestamp": "yesterday"}]},
    {"events": ["slot"]},
    {"responses": [{"text": "hi"}], "events": None},
    [],
]


def test_same_verdicts_as_rasa_on_every_event_type_path(action):
    rasa_speedups.install()
    for result in MORE:
        expected = _rasa_verdict(result)
        got = _outcome(action, result)
        assert (got is True) == (expected is True), result
        if expected is not True:
            assert got[:2] == expected[:2], result
            assert got[2], "Rasa's pointer to the docs is kept"


def test_valid_responses_skip_the_whole_schema(action, monkeypatch):
    rasa_speedups.install()

    def whole_schema(_result):
        raise AssertionError("went through the whole schema")

    monkeypatch.setattr(RemoteAction._validate_action_result.whole_schema, "iter_errors", whole_schema)
    assert action._validate_action_result(GOOD) is True
    assert action._validate_action_result(MORE[1]) is True


def test_start_up_objects_are_frozen_once_rasa_has_started():
    """GatewayInput's blueprint freezes what start-up left (the model included) once the server is up."""
    import asyncio
    import gc

    from bot.rasa.channel import GatewayInput

    blueprint = GatewayInput("token").blueprint(lambda message: None)
    listeners = [future for future in blueprint._future_listeners if future.event == "after_server_start"]
    assert len(listeners) == 1
    before = gc.get_freeze_count()
    try:
        asyncio.run(listeners[0].listener(None, None))
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


class _Agent:
    """Enough of rasa.core.agent.Agent for the warm-up: records what it was asked."""

    def __init__(self, fail: bool = False) -> None:
        from types import SimpleNamespace

        from rasa.shared.core.domain import Domain

        self.domain = Domain.empty()
        self.parsed: list = []
        self.predicted: list = []
        self.fail = fail
        self.processor = SimpleNamespace(predict_next_with_tracker=lambda tracker: self.predicted.append(
            tracker.latest_message.text))

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text):
        if self.fail:
            raise RuntimeError("model broken")
        self.parsed.append(text)
        return {"text": text, "intent": {"name": "greet", "confidence": 1.0}, "entities": []}


def test_the_model_is_warmed_up_in_every_language_before_memory_is_frozen():
    import asyncio
    import gc
    from types import SimpleNamespace

    from bot.rasa.channel import GatewayInput
    from bot.rasa.warm_up import SAMPLES

    agent = _Agent()
    blueprint = GatewayInput("token").blueprint(lambda message: None)
    [listener] = [future for future in blueprint._future_listeners if future.event == "after_server_start"]
    try:
        asyncio.run(listener.listener(SimpleNamespace(ctx=SimpleNamespace(agent=agent)), None))
    finally:
        gc.unfreeze()
    assert agent.parsed == list(SAMPLES) and agent.predicted == list(SAMPLES)
    assert len(SAMPLES) == 5


def test_a_failed_warm_up_is_logged_and_start_up_goes_on(caplog):
    import asyncio

    from bot.rasa.warm_up import warm_up

    agent = _Agent(fail=True)
    asyncio.run(warm_up(agent))
    assert "warming up the model failed" in caplog.text and agent.predicted == []


def test_request_bodies_to_the_action_server_read_back_as_the_json_module_writes_them():
    """ujson writes what the json module writes, as far as any reader can tell, for a real conversation."""
    import json

    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    tracker = DialogueStateTracker.from_events("buyer-1", [
        ActionExecuted("action_listen"),
        UserUttered("la coque est arrivée cassée 😡 /affirm \u2019", parse_data={
            "intent": {"name": "open_dispute", "confidence": 0.9312345678901234},
            "entities": [{"entity": "problem", "value": "damaged", "start": 14, "end": 20}],
            "text": "la coque est arrivée cassée"}),
        SlotSet("amount", 7.5), SlotSet("problems", ["damaged", "not_working"]), SlotSet("order", None),
        BotUttered("Что случилось?", {"buttons": [{"title": "Да", "payload": "/affirm"}]}),
    ])
    body = {"next_action": "action_x", "sender_id": "buyer-1", "tracker": tracker.current_state(EventVerbosity.ALL),
            "domain": {"slots": {"x": {"type": "float", "initial_value": 1e-7}}}, "version": "3.6.21"}
    written = rasa_speedups._json_body(body)
    assert json.loads(written) == json.loads(json.dumps(body))
    assert "/affirm" in written and "\\/" not in written
    with pytest.raises(TypeError):
        rasa_speedups._json_body({"not json": object()})
