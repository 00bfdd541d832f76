"""Dispute events reach the marketplace across an outage of its webhook receiver during which the gateway itself is
killed (kill -9 of its process group; the runner starts it again): every event written meanwhile arrives afterwards,
once per event id, in the order it was written per dispute, signed. Through the real stack: the seller and the
Dispute Team act through the marketplace API, the buyer by typing."""
from __future__ import annotations

import time
from collections import Counter

import pytest

from support.e2e import Buyer, stack  # noqa: F401 - the session fixture
from support.marketplace import MarketplaceSystems
from support.waiting import wait_until

pytestmark = pytest.mark.e2e
SHOES = "8190334512007787"  # anna's dispute awaiting the seller


def test_events_written_while_the_receiver_is_down_and_the_gateway_restarts_arrive_once_in_order(
        stack):  # noqa: F811
    systems = MarketplaceSystems(stack, "e2e-outage", "disputes:write", "decisions:write")
    first, second = stack.copy_buyer("anna"), stack.copy_buyer("anna")
    accepted, escalated = (systems.dispute_on(b.order(SHOES)) for b in (first, second))
    receiver = stack.marketplace
    receiver.stop()  # connection refused from now on
    down_since = time.monotonic()
    try:
        # While it is down: the seller offers, the buyer accepts by typing; another seller rejects and that
        # buyer escalates.
        systems.seller_acts(accepted, action="offer", resolution="partial_refund", amount="5.00")
        anna = Buyer(stack, first.id, "outage-accept")
        anna.say("ok i'll take the 5 dollars")
        anna.say("yes")
        assert "resolved" in anna.text()
        systems.seller_acts(escalated, action="reject", note="item was fine when shipped")
        other = Buyer(stack, second.id, "outage-escalate")
        other.say(f"escalate dispute {escalated}")
        if "Dispute Team" not in other.text() or "?" in other.text():
            other.say("yes")
        # Per dispute only the oldest undelivered event is tried (order per dispute): each has had a try.
        wait_until(lambda: all(any(row.attempts >= 1 for row in systems.outbox(n)) for n in (accepted, escalated)),
                   60, "the worker to have tried each dispute's first event", interval=0.5)

        old = stack.kill("gateway")
        assert old is not None
        stack.wait_healthy(120)
        assert stack.processes("gateway") and old not in stack.processes("gateway")

        # After the restart, still down: the Dispute Team decides the escalated one.
        systems.decides(escalated, in_buyers_favour=True, note="photos show the damage")
        tried = {row.event_id: row.attempts for n in (accepted, escalated) for row in systems.outbox(n)}
        wait_until(lambda: any(row.attempts >= tried.get(row.event_id, 0) + 2 for n in (accepted, escalated)
                               for row in systems.outbox(n)), 60, "the restarted gateway to retry twice", interval=0.5)
    finally:
        receiver.start()
    outage = time.monotonic() - down_since

    for number, expected in ((accepted, ["dispute.seller_offered", "dispute.offer_accepted"]),
                             (escalated, ["dispute.seller_rejected", "dispute.escalated", "dispute.decided"])):
        written = systems.outbox(number)
        assert [row.event_type for row in written if row.event_type in expected] == expected
        wait_until(lambda: len(receiver.for_dispute(number)) >= len(written), 60,
                   f"every event of {number} to arrive", interval=0.2)
        received = receiver.for_dispute(number)
        assert [body["id"] for body in received] == [row.event_id for row in written]  # in order, none missing
        assert max(Counter(body["id"] for body in received).values()) == 1  # once per event id
    assert not [reason for reason, _ in receiver.refused if reason != "down"]  # every signature held
    print(f"receiver down {outage:.1f} s, gateway killed and restarted meanwhile")
