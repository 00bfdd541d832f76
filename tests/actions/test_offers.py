"""The buyer's answer to a seller's offer, as rasa-sdk runs the actions, on a real SQLite store: accept after a
confirmation that says what accepting means, "not now", or escalate instead."""
from __future__ import annotations

import json

import pytest
from support.action_runs import run, slots_of, svc, texts  # noqa: F401 (svc: a fixture)
from support.action_runs import tracker as buyer_tracker

from actions.disputes import ActionConfirmPending, ActionDisputeStatus, ActionEscalateDispute
from actions.offers import ActionAcceptOffer
from actions.triage import ActionTriage
from bot.disputes.model import DisputeStatus

EARBUDS, SHOES = "8190334512007781", "8190334512007787"


def tracker(intent="accept_offer", text="", entities=(), slots=None, buyer="anna"):
    return buyer_tracker(intent, text, entities, buyer, slots)


def titles(messages):
    return [b["title"] for m in messages for b in m.get("buttons") or []]


def dispute_on(svc, order):
    return next(d.dispute.number for d in svc.disputes.list_disputes("anna") if d.order.number == order)


def status(svc, number):
    return svc.disputes.dispute_status("anna", number)


@pytest.fixture
def shoes_offer(svc):
    """The seller of anna's shoes offers 5.00 USD back."""
    number = dispute_on(svc, SHOES)
    svc.disputes.seller_offer("s-sportmax", number, "partial_refund", "5", "keep them")
    return number


def earbuds_offer(svc):
    """A second offer: another pair of earbuds."""
    opened = svc.disputes.open_dispute("anna", EARBUDS, received=True, problems=["damaged"],
                                       resolution="full_refund", description="The case is cracked.")
    svc.disputes.seller_offer("s-soundwave", opened.dispute.number, "another_item")
    return opened.dispute.number


def test_typed_accept_with_one_offer_asks_first_saying_what_accepting_means(svc, shoes_offer):
    events, messages = run(ActionAcceptOffer(), tracker(text="ok i'll take the 5 dollars"))
    said = texts(messages)
    assert "partial refund of 5.00 USD" in said and shoes_offer in said
    assert "closes" in said and "7-10 business days" in said
    assert titles(messages) == ["Yes, accept", "No, escalate instead", "Not now"]
    assert slots_of(events)["pending_action"] == f"accept:{shoes_offer}"
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.SELLER_OFFERED  # nothing done before the yes

    events, messages = run(ActionConfirmPending(), tracker("affirm", "yes", slots=slots_of(events)))
    details = status(svc, shoes_offer)
    assert details.dispute.status is DisputeStatus.RESOLVED
    assert details.refund is not None and str(details.refund.amount) == "5.00"
    assert "resolved" in texts(messages) and "5.00 USD" in texts(messages)
    assert slots_of(events)["awaiting_confirmation"] is None


def test_the_button_title_typed_accepts(svc, shoes_offer):
    events, _ = run(ActionAcceptOffer(), tracker(text="fine, i accept the partial refund"))
    run(ActionConfirmPending(), tracker("affirm", "Yes, accept", slots=slots_of(events)))
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.RESOLVED


def test_deal_at_the_question_accepts(svc, shoes_offer):
    events, _ = run(ActionAcceptOffer(), tracker(text="accept the offer"))
    events, messages = run(ActionAcceptOffer(), tracker(text="deal", slots=slots_of(events)))
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.RESOLVED and "resolved" in texts(messages)


def test_not_now_leaves_the_offer_open(svc, shoes_offer):
    asked, _ = run(ActionAcceptOffer(), tracker(text="i'll take the offer"))
    for intent, text in (("stop", "/stop"), ("deny", "not now, i need to think about it")):
        events, messages = run(ActionConfirmPending(), tracker(intent, text, slots=slots_of(asked)))
        assert "stays open" in texts(messages), text
        assert slots_of(events)["awaiting_confirmation"] is None
        assert status(svc, shoes_offer).dispute.status is DisputeStatus.SELLER_OFFERED


def test_no_thats_not_enough_offers_the_escalation_and_yes_escalates(svc, shoes_offer):
    asked, _ = run(ActionAcceptOffer(), tracker(text="ok i'll take the 5 dollars"))
    events, messages = run(ActionConfirmPending(), tracker("deny", "no, that's not enough", slots=slots_of(asked)))
    assert "Escalate dispute" in texts(messages) and slots_of(events)["pending_action"] == f"escalate:{shoes_offer}"
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.SELLER_OFFERED
    run(ActionConfirmPending(), tracker("affirm", "yes", slots=slots_of(events)))
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.ESCALATED


def test_not_acceptable_escalate_at_the_question_means_that_dispute(svc, shoes_offer):
    asked, _ = run(ActionAcceptOffer(), tracker(text="accept the offer"))
    events, messages = run(ActionEscalateDispute(), tracker("escalate_dispute", "not acceptable, escalate",
                                                            slots=slots_of(asked)))
    assert slots_of(events)["pending_action"] == f"escalate:{shoes_offer}"  # not "Which dispute?"


def test_several_offers_ask_which_and_the_answer_carries_on(svc, shoes_offer):
    earbuds = earbuds_offer(svc)
    events, messages = run(ActionAcceptOffer(), tracker(text="ok i accept the offer"))
    assert "Which one" in texts(messages) and slots_of(events)["pick_for"] == "accept_offer"
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert f'/accept_offer{{"dispute_number":"{earbuds}"}}' in payloads and len(payloads) == 2
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.SELLER_OFFERED
    # the typed answer to "Which one?": the item
    events, messages = run(ActionTriage(), tracker("inform", "the earbuds", slots=slots_of(events)))
    assert "another item" in texts(messages) and slots_of(events)["pending_action"] == f"accept:{earbuds}"
    assert "no refund" in texts(messages)


def test_a_dispute_number_in_the_text_wins(svc, shoes_offer):
    earbuds = earbuds_offer(svc)
    events, messages = run(ActionAcceptOffer(), tracker(text=f"accept the offer on {earbuds}",
                                                        entities=[("dispute_number", earbuds)]))
    assert slots_of(events)["pending_action"] == f"accept:{earbuds}"
    # the item words among several offers pick one too
    events, _ = run(ActionAcceptOffer(), tracker(text="i'll take the offer for the shoes"))
    assert slots_of(events)["pending_action"] == f"accept:{shoes_offer}"


def test_no_offer_is_said_helpfully(svc):
    events, messages = run(ActionAcceptOffer(), tracker(text="ok i'll take the 5 dollars"))
    assert "None of your disputes has an offer" in texts(messages) and titles(messages) == ["Dispute status"]
    assert slots_of(events)["awaiting_confirmation"] is None
    shoes = dispute_on(svc, SHOES)
    _, messages = run(ActionAcceptOffer(), tracker(text=f"accept {shoes}", entities=[("dispute_number", shoes)]))
    assert "no offer from the seller" in texts(messages) and "awaiting seller" in texts(messages)
    assert status(svc, shoes).dispute.status is DisputeStatus.AWAITING_SELLER


def test_the_status_of_an_offered_dispute_offers_accept_next_to_escalate(svc, shoes_offer):
    _, messages = run(ActionDisputeStatus(), tracker("check_dispute_status", entities=[("dispute_number",
                                                                                         shoes_offer)]))
    assert "Accept the offer" in titles(messages) and "Escalate" in titles(messages)
    accept = next(b["payload"] for m in messages for b in m["buttons"] if b["title"] == "Accept the offer")
    assert accept == "/accept_offer" + json.dumps({"dispute_number": shoes_offer}, separators=(",", ":"))
    shoes_before = dispute_on(svc, SHOES)
    assert shoes_before == shoes_offer


def test_escalate_typed_at_the_offer_question_never_accepts(svc, shoes_offer):
    asked, _ = run(ActionAcceptOffer(), tracker(text="accept the offer"))
    for intent, text in (("escalate_dispute", "not acceptable, escalate"), ("escalate_dispute", "yes escalate"),
                         ("affirm", "yes, escalate it")):
        events, messages = run(ActionConfirmPending(), tracker(intent, text, slots=slots_of(asked)))
        assert "Escalate dispute" in texts(messages), text
        assert slots_of(events)["pending_action"] == f"escalate:{shoes_offer}"
        assert status(svc, shoes_offer).dispute.status is DisputeStatus.SELLER_OFFERED


def test_a_bare_no_to_the_news_of_an_offer_asks_to_escalate_and_a_bare_yes_asks_to_accept(svc, shoes_offer):
    """The offer came as a push (Telegram, the web), outside the dialogue: "no, that's not enough" typed next has no
    question of ours to answer, and is the answer to the offer."""
    from actions.conversation import ActionLastResort

    events, messages = run(ActionLastResort(), tracker("deny", "no, 3 dollars is not enough"))
    said = texts(messages)
    assert "don't accept the seller's offer" in said and shoes_offer in said and "Escalate" in said
    assert slots_of(events)["pending_action"] == f"escalate:{shoes_offer}"
    events, messages = run(ActionConfirmPending(), tracker("affirm", "yes", slots=slots_of(events)))
    assert status(svc, shoes_offer).dispute.status is DisputeStatus.ESCALATED

    # A yes to the news asks first, saying what accepting means (nothing done before the second yes).
    number = earbuds_offer(svc)
    events, messages = run(ActionLastResort(), tracker("affirm", "ok yes"))
    assert slots_of(events)["pending_action"] == f"accept:{number}" and "closes" in texts(messages)
    assert status(svc, number).dispute.status is DisputeStatus.SELLER_OFFERED


def test_a_bare_no_with_no_offer_open_still_says_no_question_is_waiting(svc):
    from actions.conversation import ActionLastResort

    _, messages = run(ActionLastResort(), tracker("deny", "no"))
    assert "no question waiting" in texts(messages)
