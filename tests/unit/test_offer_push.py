"""The push about a seller's offer carries the buyer's two answers as buttons; other news carries none."""
from __future__ import annotations

import asyncio
import json

from bot.notifications.push import Notifier, PushEvent, push_buttons, push_text


def event(action="seller_offered", actor_kind="seller", **detail):
    return PushEvent(7, "anna", "604713277435", "Men's running shoes", "USD", action, actor_kind, "s-sportmax",
                     detail or {"resolution": "partial_refund", "amount": "5.00"})


def test_the_offer_push_says_the_offer_and_carries_accept_and_escalate():
    offer = event()
    assert "partial refund of 5.00 USD" in push_text(offer)
    entities = json.dumps({"dispute_number": "604713277435"}, separators=(",", ":"))
    assert push_buttons(offer) == [{"title": "Accept the offer", "payload": "/accept_offer" + entities},
                                   {"title": "Escalate", "payload": "/escalate_dispute" + entities}]


def test_other_news_has_no_buttons():
    assert push_buttons(event("seller_rejected", note="no")) == []
    assert push_buttons(event("refund_issued", amount="5.00")) == []


class Store:
    def __init__(self, events):
        self.events, self.delivered = list(events), []

    def new_events(self, channel, limit):
        events, self.events = self.events, []
        return events

    def advance(self, channel, event_id):
        pass

    def recipients(self, channel, buyer_id):
        return ["555"]

    def claim_delivery(self, event, channel, external_id):
        return True

    def mark_delivery(self, event_id, channel, external_id, sent):
        self.delivered.append((event_id, sent))

    def retryable(self, channel, max_attempts, limit):
        return []


def test_the_notifier_hands_the_buttons_to_the_sender_and_plain_news_to_a_two_argument_sender():
    calls = []

    async def send(external_id, text, buttons=()):
        calls.append((external_id, text, list(buttons)))

    store = Store([event(), event("seller_rejected", note="size chart")])
    assert asyncio.run(Notifier("telegram", store, send, 1).run_once()) == 2
    assert [c[2] for c in calls][0][0]["title"] == "Accept the offer" and calls[1][2] == []

    async def two_arguments(external_id, text):  # a sender written before buttons existed still gets plain news
        calls.append((external_id, text, None))

    assert asyncio.run(Notifier("telegram", Store([event("seller_accepted")]), two_arguments, 1).run_once()) == 1
