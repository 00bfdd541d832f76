"""A buyer's whole journey through the gateway's chat endpoint, Rasa and the action server, checked in the store.
Each test talks as buyers of its own (copies of the demo buyers, stack.copy_buyer)."""
from __future__ import annotations

import json

import pytest

from support.e2e import Buyer, stack  # noqa: F401 - the session fixture

pytestmark = pytest.mark.e2e
EARBUDS, SHOES, BEN_KEYBOARD = "8190334512007781", "8190334512007787", "8190334512007790"


def orders(running, buyer: str):
    return {o["number"]: o for o in json.loads(running.bot("orders", buyer, "--json"))}


def show_dispute(buyer: Buyer, number: str) -> None:
    """Opens the status of one dispute (found by dispute or order number) so its buttons can be tapped."""
    buyer.say("help")
    buyer.tap("Dispute status")
    buyer.last = [m for m in buyer.last if number in (m.get("text") or "")]
    assert buyer.last, f"dispute {number} not shown"


def test_file_then_modify_escalate_and_cancel(stack):  # noqa: F811
    account = stack.copy_buyer("anna")
    earbuds, shoes = account.order(EARBUDS), account.order(SHOES)
    anna = Buyer(stack, account.id, "journey")
    anna.say("help")
    anna.tap("Open a dispute")
    assert "Which order" in anna.text()
    anna.tap("earbuds")
    assert "receive the item" in anna.text()
    anna.tap("Yes, it arrived")
    anna.tap("Damaged")
    anna.tap("Partial refund")
    assert "You paid 23.99 USD" in anna.text()
    anna.say("5")
    assert "describe the problem" in anna.text()
    anna.say("The left earbud case is cracked and it rattles")
    anna.tap("No photos")
    summary = anna.text()
    assert "partial refund of 5.00 USD" in summary and "cracked and it rattles" in summary
    anna.tap("Yes, file it")
    assert "is open" in anna.text() and "15 days" in anna.text()
    filed = orders(stack, account.id)[earbuds]["dispute"]
    assert filed["status"] == "awaiting_seller"
    number = filed["number"]

    # change it: the buyer types the change after tapping the button offered with the status
    anna.say("/check_dispute_status")  # not offered here: the gateway defuses it into plain text
    before = stack.bot("orders", account.id, "--json")
    show_dispute(anna, number)
    anna.tap("Change")
    assert "What should change" in anna.text()
    anna.say("The charging case does not close any more either")
    assert "Save this change" in anna.text()
    anna.tap("Yes, save")
    assert "Saved" in anna.text()
    assert stack.bot("orders", account.id, "--json") == before  # status unchanged: still awaiting the seller

    show_dispute(anna, number)
    anna.tap("Escalate")
    assert "Dispute Team" in anna.text()
    anna.tap("Yes, escalate")
    assert orders(stack, account.id)[earbuds]["dispute"]["status"] == "escalated"

    show_dispute(anna, shoes)
    anna.tap("Cancel dispute")
    assert "no longer help" in anna.text()
    anna.tap("No, keep it")
    assert orders(stack, account.id)[shoes]["dispute"]["status"] == "awaiting_seller"
    show_dispute(anna, shoes)
    anna.tap("Cancel dispute")
    anna.tap("Yes, cancel it")
    assert orders(stack, account.id)[shoes]["dispute"]["status"] == "cancelled"

    # The form's questions carry buttons whose payloads hold JSON: Rasa used to log each one as a missing slot.
    rasa_logs = "".join(path.read_text(errors="replace") for path in (stack.var_dir / "logs").glob("rasa*.log"))
    assert "Rasa server is up" in rasa_logs  # the Rasa processes' own logs were read
    assert "slot name does not exist" not in rasa_logs and "interpolator.interpolate" not in rasa_logs


def test_a_buyer_cannot_force_another_buyers_order(stack):  # noqa: F811
    ben = stack.copy_buyer("ben")
    keyboard = ben.order(BEN_KEYBOARD)
    chen = Buyer(stack, stack.copy_buyer("chen").id, "sneaky")
    chen.say("help")
    chen.tap("Open a dispute")
    chen.say('/inform{"order_number":"%s"}' % keyboard)
    chen.say("/affirm")
    assert orders(stack, ben.id)[keyboard]["dispute"] is None
    assert keyboard not in json.dumps(chen.last) or "can't find" in chen.text()


@pytest.mark.parametrize("typed,expected", [
    ("show me my orders", "Your orders"),
    ("where is my refund??", "Refund of 29.00 USD"),
    ("how long does a refund take", "7-10 business days"),
])
def test_typed_messages_reach_the_right_answer(stack, typed, expected):  # noqa: F811
    anna = Buyer(stack, stack.copy_buyer("anna").id, "typed")
    anna.say(typed)
    assert expected in anna.text()


def test_terminal_chat_numbers_the_buttons(stack):  # noqa: F811
    import subprocess
    import sys

    from support.e2e import ROOT

    buyer_id = stack.copy_buyer("anna").id
    result = subprocess.run([sys.executable, "-m", "bot", "chat", buyer_id, "--url", stack.url], cwd=ROOT,
                            env=stack.env, input="help\n2\n\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "[2] Open a dispute" in result.stdout and "Which order is it about?" in result.stdout
