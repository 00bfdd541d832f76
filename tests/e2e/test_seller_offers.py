"""The seller offers something (through the seller stand-in of the CLI, as in the demo) and the buyer answers by
typing, through the gateway, the real Rasa and the action server; the dispute's end is checked in the store. On
Telegram the offer comes as a push with the two answers as buttons."""
from __future__ import annotations

import json

import pytest

from support.e2e import Buyer, stack  # noqa: F401 - the session fixture
from support.fake_telegram import buttons_of
from test_telegram import TelegramBuyer

pytestmark = pytest.mark.e2e
SHOES = "8190334512007787"  # anna's dispute awaiting the seller
USER = 8880016


def shoes_dispute(running, account) -> dict:
    orders = {o["number"]: o for o in json.loads(running.bot("orders", account.id, "--json"))}
    return orders[account.order(SHOES)]["dispute"]


def test_the_buyer_accepts_the_offer_by_typing_and_the_dispute_resolves(stack):  # noqa: F811
    account = stack.copy_buyer("anna")
    number = shoes_dispute(stack, account)["number"]
    said = stack.bot("seller", "offer", number, "--amount", "5", "--note", "keep them, 5 back")
    assert "seller offered" in said
    anna = Buyer(stack, account.id, "offer-accept")
    anna.say("ok i'll take the 5 dollars")
    assert "partial refund of 5.00 USD" in anna.text() and "business days" in anna.text()
    assert shoes_dispute(stack, account)["status"] == "seller_offered"  # nothing before the yes
    anna.say("yes")
    assert "resolved" in anna.text()
    assert shoes_dispute(stack, account)["status"] == "resolved"


def test_the_buyer_refuses_the_offer_and_escalates(stack):  # noqa: F811
    account = stack.copy_buyer("anna")
    number = shoes_dispute(stack, account)["number"]
    stack.bot("seller", "offer", number, "--amount", "5")
    anna = Buyer(stack, account.id, "offer-refuse")
    anna.say("what's happening with my shoes dispute")
    anna.last = [m for m in anna.last if number in (m.get("text") or "")]
    assert "offered" in anna.text()
    anna.tap("Accept the offer")
    assert "Yes, accept" in str(anna.last)
    anna.say("no, that's not enough")
    assert "Escalate" in anna.text()
    anna.tap("Yes, escalate")
    assert "Dispute Team" in anna.text()
    assert shoes_dispute(stack, account)["status"] == "escalated"


def test_the_telegram_push_of_an_offer_carries_accept_and_escalate(stack):  # noqa: F811
    account = stack.copy_buyer("anna")
    number = shoes_dispute(stack, account)["number"]
    anna = TelegramBuyer(stack, USER)
    anna.say(f"/start {stack.bot('link-code', account.id)}")
    assert "now linked" in anna.text()
    before = len(stack.telegram.sent(USER))
    stack.bot("seller", "offer", number, "--amount", "5")
    stack.telegram.wait_for_text(USER, "the seller offered", after=before, timeout=30)
    push = next(m for m in stack.telegram.sent(USER)[before:] if "the seller offered" in m.get("text", ""))
    assert [b["text"] for b in buttons_of(push)] == ["Accept the offer", "Escalate"]
    anna.last = [push]
    anna.tap("Accept the offer")  # a tap on the push's button is admitted by the payload guard
    assert "partial refund of 5.00 USD" in anna.text()
    anna.tap("Yes, accept")
    assert "resolved" in anna.text()
    assert shoes_dispute(stack, account)["status"] == "resolved"
