"""The typed-conversation battery keeps the exact messages of the reported failures (issue 12), so each one is
replayed through the real stack by tests/e2e/test_typed_battery.py."""
from __future__ import annotations

import pytest

from bench.conversations import load_battery

REPORTED = [
    "before i say yes, how long does a refund usually take?",
    "ok yes file it",
    "the dress!! the one we just did",
    "open a dispute for the dress",
    "8190334512007786 never arrived, full refund please",
    "order 8190334512007790 keyboard: 3 keys are dead (F, J, enter). i want to keep it but want 10 dollars back. "
    "no photos sorry",
    "hi, order 8190334512007782 broke after 2 days, i want a full refund",
    "no photos",
    "i'll send pics later tonight",
    "later",
    "skip",
    "Send another item",
    "Yes, cancel it",
    "No, keep it",
    "another one in black please",
    "i want my money back",
    "can i keep it and get some money back?",
    "half",
    "ugh. 29.95",
    "partial refund of $5",
    "100",
    "forget the replacement, just refund me fully",
    "can i ask for a resend instead of refund?",
    "the shoes obviously",
    "can we continue the dispute for the pan",
    "continue my dispute about the reel",
    "how do i contact the seller then?",
    "how do i cancel the order?",
]


@pytest.fixture(scope="module")
def typed():
    return {turn.say for conversation in load_battery() if not conversation.known_gap
            for turn in conversation.turns}


@pytest.mark.parametrize("message", REPORTED)
def test_reported_message_is_replayed(typed, message):
    assert message in typed


def test_a_description_is_changed_at_the_summary(typed):
    assert any(t.lower().startswith(("the description should say", "change the description")) for t in typed)
