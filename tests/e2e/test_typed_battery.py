"""The typed-conversation battery (tests/conversations/battery) through the real stack: every buyer turn gets an
answer and every conversation reaches its outcome in the store. `make conv-report` runs the same conversations
and writes the figures to reports/conversations/."""
from __future__ import annotations

import pytest

from bench.conversations import StoreProbe, load_battery, run_conversation
from stack import Stack

pytestmark = pytest.mark.e2e
BATTERY = load_battery()


@pytest.fixture(scope="module")
def battery_stack(tmp_path_factory):
    """A stack of its own: each conversation resets the demo store, which the other end-to-end tests share."""
    running = Stack(tmp_path_factory.mktemp("battery-var"))
    running.start()
    probe = StoreProbe(running.env)
    yield running, probe
    probe.close()
    running.stop()


def test_the_battery_is_large_enough():
    assert len(BATTERY) >= 80
    assert len({c.id for c in BATTERY}) == len(BATTERY)


@pytest.mark.parametrize("conversation", BATTERY, ids=[c.id for c in BATTERY])
def test_typed_conversation(battery_stack, conversation):
    running, probe = battery_stack
    result = run_conversation(conversation, running.url, probe)
    assert result.silent_turns == 0, result.explain()
    assert result.passed, result.explain()
