"""The typed-conversation battery (tests/conversations/battery) through the real stack: every buyer turn gets an
answer and every conversation reaches its outcome in the store. `make conv-report` runs the same conversations
and writes the figures to reports/conversations/."""
from __future__ import annotations

import pytest

from bench.conversations import StoreProbe, load_battery, run_conversation
from support.e2e import E2EStack

pytestmark = pytest.mark.e2e
BATTERY = load_battery()


@pytest.fixture(scope="module")
def battery_stack(tmp_path_factory):
    """A stack of its own: each conversation resets the demo store, which the other end-to-end tests share."""
    running = E2EStack(tmp_path_factory.mktemp("battery-var"))
    running.start()
    probe = StoreProbe(running.env)
    yield running, probe
    probe.close()
    running.stop()


def test_the_battery_is_large_enough():
    assert len([c for c in BATTERY if not c.known_gap]) >= 80
    assert len({c.id for c in BATTERY}) == len(BATTERY)


def _cases():
    # A known gap is written down with its reason and expected to fail; when it starts passing the report says so.
    for c in BATTERY:
        marks = [pytest.mark.xfail(reason=c.known_gap, strict=False)] if c.known_gap else []
        yield pytest.param(c, id=c.id, marks=marks)


@pytest.mark.parametrize("conversation", list(_cases()))
def test_typed_conversation(battery_stack, conversation):
    running, probe = battery_stack
    result = run_conversation(conversation, running.url, probe)
    assert result.silent_turns == 0, result.explain()
    assert result.passed, result.explain()
