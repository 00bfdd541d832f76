"""The seller answers a dispute and the buyer answers the seller, through the gateway, the real Rasa and the action
server. The seller acts through the marketplace API with a service token (as the marketplace's systems do) or
through the seller stand-in of the CLI (as in the demo); the buyer is told on Telegram and in the web widget at
once, answers by typing, and the marketplace's webhook receiver gets each event, signed, once, in order. The
dispute's end is checked in the store."""
from __future__ import annotations

import json

import pytest

from support.browser import browser, playwright_driver, screenshot  # noqa: F401 - fixtures
from support.e2e import Buyer, stack  # noqa: F401 - the session fixture
from support.fake_telegram import buttons_of
from support.marketplace import MarketplaceSystems, marketplace_heard
from test_browser import bot_says, demo_page, open_chat, type_message
from test_telegram import TelegramBuyer

pytestmark = pytest.mark.e2e
SHOES = "8190334512007787"  # anna's dispute awaiting the seller
USER = 8880016
WEB_AND_TELEGRAM_USERS = (8880017, 8880018)


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


# ---- the seller through the marketplace API; the buyer on Telegram and the web at once --------------------------

@pytest.fixture(scope="module")
def seller_api(stack):  # noqa: F811
    return MarketplaceSystems(stack, "e2e-seller-desk", "disputes:write").seller_acts


def on_telegram_and_the_web(running, browser_factory, account, user_id: int):
    """The buyer with Telegram linked and the widget open on the demo page (its session is now a recent one)."""
    phone = TelegramBuyer(running, user_id)
    phone.say(f"/start {running.bot('link-code', account.id)}")
    assert "now linked" in phone.text()
    page = browser_factory().new_page()
    panel = open_chat(page, demo_page(running, account))
    panel.get_by_text("Ask about an order").wait_for()
    return phone, page, panel


def test_the_seller_offers_through_the_api_the_buyer_accepts_by_typing_in_the_widget(
        stack, seller_api, browser):  # noqa: F811
    account = stack.copy_buyer("anna")
    number = shoes_dispute(stack, account)["number"]
    phone, page, panel = on_telegram_and_the_web(stack, browser, account, WEB_AND_TELEGRAM_USERS[0])
    before = len(stack.telegram.sent(phone.user_id))

    answer = seller_api(number, action="offer", resolution="partial_refund", amount="5.00", note="keep them")
    assert answer["status"] == "seller_offered"

    stack.telegram.wait_for_text(phone.user_id, "the seller offered", after=before, timeout=30)
    bot_says(panel, "the seller offered a partial refund of 5.00 USD")
    screenshot(page, "widget-seller-offer-news")
    type_message(page, "ok i'll take the 5 dollars")
    bot_says(panel, "partial refund of 5.00 USD")
    assert shoes_dispute(stack, account)["status"] == "seller_offered"  # nothing before the yes
    type_message(page, "yes")
    bot_says(panel, "resolved")
    screenshot(page, "widget-offer-accepted")
    assert shoes_dispute(stack, account)["status"] == "resolved"

    events = marketplace_heard(stack, number, "dispute.seller_offered", "dispute.offer_accepted")
    accepted = next(body for body in events if body["type"] == "dispute.offer_accepted")
    assert accepted["data"]["dispute"]["status"] == "resolved"
    assert not stack.marketplace.refused


def test_the_seller_offers_through_the_api_the_buyer_refuses_on_telegram_and_escalates(
        stack, seller_api, browser):  # noqa: F811
    account = stack.copy_buyer("anna")
    number = shoes_dispute(stack, account)["number"]
    phone, page, panel = on_telegram_and_the_web(stack, browser, account, WEB_AND_TELEGRAM_USERS[1])
    before = len(stack.telegram.sent(phone.user_id))

    seller_api(number, action="offer", resolution="partial_refund", amount="3.00")

    stack.telegram.wait_for_text(phone.user_id, "the seller offered", after=before, timeout=30)
    bot_says(panel, "the seller offered a partial refund of 3.00 USD")
    phone.say("no, 3 dollars is not enough")
    assert "Dispute Team" in phone.text() or "escalate" in phone.text().lower()
    phone.say("yes")
    assert "Dispute Team" in phone.text()
    assert shoes_dispute(stack, account)["status"] == "escalated"

    marketplace_heard(stack, number, "dispute.seller_offered", "dispute.escalated")
