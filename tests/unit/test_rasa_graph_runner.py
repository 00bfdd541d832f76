"""The graph runner patch (bot.patches.rasa._run_graphs_in_order) gives what dask gives, on our trained model."""
from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest

from bot.patches import rasa as rasa_patches

MODEL = Path(__file__).resolve().parents[2] / "models" / "dispute-assistant.tar.gz"
TEXTS = ["I want to open a dispute", "mi pedido nunca llegó y el vendedor no contesta", "yes", "/affirm",
         "the case arrived cracked and one earbud does not charge", "хочу поговорить с оператором"]


def _comparable(parsed):
    parsed = copy.deepcopy(parsed)
    for key in ("intent_ranking", "response_selector"):
        parsed.pop(key, None)
    return parsed


@pytest.fixture(scope="module")
def agent():
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (make model)")
    from rasa.core.agent import load_agent

    return asyncio.run(load_agent(model_path=str(MODEL)))


def _parse_and_predict(agent):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    async def go():
        parses = [await agent.parse_message(text) for text in TEXTS]
        tracker = DialogueStateTracker.from_events("graph-runner-test", [ActionExecuted("action_listen")],
                                                   agent.domain.slots)
        tracker.update(UserUttered("I want to open a dispute", parse_data=parses[0]))
        prediction = agent.processor._predict_next_with_tracker(tracker)
        return parses, (prediction.max_confidence_index, round(prediction.max_confidence, 6), prediction.policy_name)

    return asyncio.run(go())


def test_parses_and_predictions_are_dasks(agent):
    rasa_patches.uninstall()
    parses_dask, predicted_dask = _parse_and_predict(agent)
    rasa_patches._run_graphs_in_order()
    try:
        parses, predicted = _parse_and_predict(agent)
    finally:
        rasa_patches.uninstall()
    assert [p["intent"]["name"] for p in parses] == [p["intent"]["name"] for p in parses_dask]
    assert [_comparable(p) for p in parses] == [_comparable(p) for p in parses_dask]
    assert predicted == predicted_dask


def test_a_failing_node_fails_the_run_as_with_dask():
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    class Failing:
        def __call__(self, *inputs):
            raise RuntimeError("boom")

    class Echo:
        def __init__(self, name):
            self.name = name

        def __call__(self, *inputs):
            return self.name, [i[1] if isinstance(i, tuple) else i for i in inputs]

    from types import SimpleNamespace

    from rasa.engine.graph import GraphSchema

    nodes = {"a": SimpleNamespace(needs={"x": "__in__"}, is_target=False),
             "b": SimpleNamespace(needs={"i": "a", "j": "loose"}, is_target=True),
             "bad": SimpleNamespace(needs={}, is_target=False)}
    runner = DaskGraphRunner.__new__(DaskGraphRunner)
    runner._graph_schema = GraphSchema(nodes)
    runner._execution_context = None
    runner._instantiated_nodes = {"a": Echo("a"), "b": Echo("b"), "bad": Failing()}
    expected = {"b": [["given"], "loose"]}  # a need naming nothing arrives as the plain name, as in dask
    assert DaskGraphRunner.run(runner, inputs={"__in__": "given"}) == expected
    rasa_patches._run_graphs_in_order()
    try:
        assert DaskGraphRunner.run(runner, inputs={"__in__": "given"}) == expected
        assert DaskGraphRunner.run(runner, inputs={"__in__": "given"}, targets=["a", "b"])["a"] == ["given"]
        with pytest.raises(GraphRunError):
            DaskGraphRunner.run(runner, targets=["bad"])
        with pytest.raises(GraphRunError):
            DaskGraphRunner.run(runner, inputs={"a": "clash"})
    finally:
        rasa_patches.uninstall()
