"""The buyer's answer to a seller's offer (a partial refund, another item): accept it after a confirmation that
says what accepting means, or escalate instead."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import List, Optional

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from bot.disputes.model import DisputeStatus, Resolution
from bot.disputes.policy import add_business_days
from bot.disputes.services import DisputeDetails
from bot.i18n import Translator

from .common import button, entity_values, needs_buyer, services, translated
from .replies import method_text, resolution_text, status_text

ACCEPT = "accept"


def has_offer(details: DisputeDetails) -> bool:
    return details.dispute.status is DisputeStatus.SELLER_OFFERED and details.dispute.seller_offer is not None


def offer_words(_: Translator, details: DisputeDetails) -> str:
    """"a partial refund of 5.00 USD", "another item sent"."""
    offer = details.dispute.seller_offer
    assert offer is not None
    amount = None if offer.amount is None else _.money(offer.amount, details.order.currency)
    if offer.resolution is Resolution.PARTIAL_REFUND:
        return _("a partial refund") if amount is None else _("a partial refund of {amount}", amount=amount)
    return resolution_text(_, offer.resolution, amount)


def what_accepting_means(_: Translator, details: DisputeDetails, today: date) -> str:
    offer = details.dispute.seller_offer
    assert offer is not None
    rules = services().disputes.rules
    if offer.resolution is Resolution.PARTIAL_REFUND:
        by = add_business_days(today, rules.refund_max_business_days)
        then = _("The refund goes back to your original payment method; it usually arrives in {min_days}-{max_days} "
                 "business days (by about {date}).", min_days=rules.refund_min_business_days,
                 max_days=rules.refund_max_business_days, date=_.day(by))
    else:
        then = _("The seller sends you another item; there is no refund.")
    return _("Accept the seller's offer on dispute {number} ({item}): {offer}? The dispute then closes with that "
             "resolution and can't be escalated any more. {then}", number=details.dispute.number,
             item=details.order.item[:60], offer=offer_words(_, details), then=then)


def confirm_buttons(_: Translator) -> List[dict]:
    return [button(_("Yes, accept"), "affirm"), button(_("No, escalate instead"), "deny"),
            button(_("Not now"), "stop")]


def ask_to_accept(dispatcher, _: Translator, details: DisputeDetails, today: date) -> List[EventType]:
    dispatcher.utter_message(text=what_accepting_means(_, details, today), buttons=confirm_buttons(_))
    return [SlotSet("awaiting_confirmation", True), SlotSet("pending_action", f"{ACCEPT}:{details.dispute.number}"),
            SlotSet("pending_changes", None), SlotSet("awaiting_changes", None), SlotSet("pick_for", None)]


def accepted_text(_: Translator, details: DisputeDetails) -> str:
    d = details.dispute
    text = _("Done: you accepted the seller's offer and dispute {number} is resolved.", number=d.number)
    if details.refund is not None:
        r = details.refund
        text += " " + _("A refund of {amount} was issued to your {method}; it usually arrives between {start} and "
                        "{end}.", amount=_.money(r.amount, r.currency), method=method_text(_, r.method),
                        start=_.day(r.expected_from), end=_.day(r.expected_by))
    elif d.seller_offer is not None and d.seller_offer.resolution is Resolution.ANOTHER_ITEM:
        text += " " + _("The seller will send you another item.")
    return text


class ActionAcceptOffer(Action):
    """"ok i'll take the 5 dollars": finds the dispute with an open offer (a number in the message wins; several
    offers: asks which) and asks for a yes, saying what accepting means. At that question, "deal" accepts."""

    events_when_stopped = [SlotSet("awaiting_confirmation", None), SlotSet("pending_action", None),
                           SlotSet("pick_for", None)]

    def name(self) -> str:
        return "action_accept_offer"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        disputes = services().disputes
        pending = tracker.get_slot("pending_action") or ""
        numbers = [str(n) for n in entity_values(tracker, "dispute_number")]
        if tracker.get_slot("awaiting_confirmation") and pending.startswith(f"{ACCEPT}:") and \
                (not numbers or numbers[0] == pending.partition(":")[2]):
            return accept(dispatcher, _, buyer, pending.partition(":")[2])  # "deal" at the question itself
        today = datetime.now(timezone.utc).date()
        if numbers:
            details = disputes.dispute_status(buyer, numbers[0])
            if not has_offer(details):
                dispatcher.utter_message(
                    text=_("Dispute {number} has no offer from the seller to accept: it is {status}.",
                           number=details.dispute.number, status=status_text(_, details.dispute.status)),
                    buttons=[button(_("Dispute status"), "check_dispute_status",
                                    dispute_number=details.dispute.number)])
                return self.events_when_stopped
            return ask_to_accept(dispatcher, _, details, today)
        offers = [d for d in disputes.list_disputes(buyer) if has_offer(d)]
        if not offers:
            dispatcher.utter_message(
                text=_("None of your disputes has an offer from the seller right now, so there is nothing to accept. "
                       "When a seller offers a partial refund or another item, I'll tell you, and you can accept it "
                       "or escalate to the Dispute Team."),
                buttons=[button(_("Dispute status"), "check_dispute_status")])
            return self.events_when_stopped
        chosen: Optional[DisputeDetails] = offers[0] if len(offers) == 1 else None
        if chosen is None:
            from .disputes import _named_among  # the item words: "i'll take the offer for the shoes"

            chosen = _named_among(tracker, offers)
        if chosen is None:
            dispatcher.utter_message(
                text=_("Sellers made offers on several of your disputes. Which one do you accept?"),
                buttons=[button(f"{d.order.item[:30]}: {offer_words(_, d)}", "accept_offer",
                                dispute_number=d.dispute.number) for d in offers[:8]])
            return [SlotSet("awaiting_confirmation", None), SlotSet("pending_action", None),
                    SlotSet("pick_for", "accept_offer")]
        return ask_to_accept(dispatcher, _, chosen, today)


def accept(dispatcher, _: Translator, buyer: str, number: str) -> List[EventType]:
    """Carries out the accepted offer and says the outcome."""
    details = services().disputes.accept_seller_offer(buyer, number)
    dispatcher.utter_message(text=accepted_text(_, details))
    return [SlotSet("awaiting_confirmation", None), SlotSet("pending_action", None), SlotSet("pending_changes", None),
            SlotSet("awaiting_changes", None), SlotSet("pick_for", None), SlotSet("last_dispute", number)]
