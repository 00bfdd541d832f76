"""Messages outside the form that carry facts but no clear request: the typed answer to "Which dispute?", a
problem with an order (a dispute is started with those facts), or an order named on its own."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.conversation import answers
from bot.conversation.draft import VALID_PROBLEMS
from bot.disputes.inputs import ORDER_NUMBER_DIGITS
from bot.disputes.matching import match_orders
from bot.disputes.services import DisputeDetails
from bot.i18n import N_, Translator

from .common import (
    button,
    entity_values,
    follow_up_of,
    item_meaning,
    needs_buyer,
    services,
    translated,
    with_entities,
)
from .dispute_form import ActionStartDispute, answer_again, named_order
from .disputes import (
    ActionAttachEvidence,
    ActionCancelDispute,
    ActionConfirmPending,
    ActionDisputeStatus,
    ActionEscalateDispute,
    ActionModifyDispute,
    ask_yes_no,
    pick_candidates,
    says_yes_or_no_to_the_pending_question,
)
from .offers import ActionAcceptOffer
from .replies import protection_text

# What "Which dispute?" was asked for, and the action that carries on once the dispute is known.
PICKERS: Dict[str, Type[Action]] = {
    "escalate_dispute": ActionEscalateDispute,
    "cancel_dispute": ActionCancelDispute,
    "modify_dispute": ActionModifyDispute,
    "send_evidence": ActionAttachEvidence,
    "check_dispute_status": ActionDisputeStatus,
    "accept_offer": ActionAcceptOffer,
}
_POSITIONS = {"first": 0, "1st": 0, "1": 0, "one": 0, "top": 0, "second": 1, "2nd": 1, "2": 1, "two": 1,
              "third": 2, "3rd": 2, "3": 2, "three": 2, "fourth": 3, "4th": 3, "4": 3, "last": -1, "bottom": -1}
MISSED = N_("Sorry, I didn't get that. Could you say it another way? For example: 'my earbuds arrived broken' or "
            "'where is my refund'.")


# The words that ask for a dispute outright, in the languages we speak (an order named with them is not a question).
ASKS_FOR_A_DISPUTE = re.compile(
    r"\b(?:dispute|claim|disputa|reclam\w*|litige|r[eé]clamation|спор\w*|претензи\w*)\b", re.IGNORECASE)


def what_i_can_do(_: Translator) -> List[Dict[str, str]]:
    """The main things the bot does, as buttons."""
    return [button(_("My orders"), "list_orders"), button(_("Open a dispute"), "open_dispute"),
            button(_("Dispute status"), "check_dispute_status"), button(_("Talk to a person"), "request_human")]


def offer_dispute(dispatcher, _: Translator, summary) -> List[EventType]:
    """An order named on its own: its protection, and (when it can get one) "shall I open a dispute?" as a real
    question, so a typed "yes" opens it."""
    min_days = services().settings.rules.min_protection_days
    if not summary.eligibility.can_open:
        dispatcher.utter_message(text=protection_text(_, summary, min_days), buttons=what_i_can_do(_)[2:])
        return []
    return ask_yes_no(dispatcher, protection_text(_, summary, min_days) + " " + _("Shall I open a dispute for it?"),
                      f"open:{summary.order.number}", _("Yes, open a dispute"), _("No"))


def previous_message(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The buyer's message before this one (its text and what the NLU read in it)."""
    seen = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen:
                return {**(event.get("parse_data") or {}), "text": event.get("text") or "",
                        "metadata": tracker.latest_message.get("metadata")}
            seen = True
    return None


def _problems_in(message: Dict[str, Any]) -> List[str]:
    return [e.get("value") for e in message.get("entities") or [] if e.get("entity") == "problem"
            and e.get("value") in VALID_PROBLEMS]


def with_message(tracker: Tracker, message: Dict[str, Any]) -> Tracker:
    """The tracker as if `message` were the latest, keeping the current message's resolution words."""
    copy = tracker.copy()
    current = tracker.latest_message
    copy.latest_message = {**message, "intent": current.get("intent"),
                           "entities": list(message.get("entities") or []) + [
                               e for e in current.get("entities") or [] if e.get("entity") != "problem"]}
    return copy


def picked_dispute(tracker: Tracker, buyer: str) -> Optional[DisputeDetails]:
    """The dispute a typed answer to "Which dispute?" names: its number, its order's number, its item, or its
    place in the list."""
    candidates = pick_candidates(buyer)
    numbers = [str(n) for n in entity_values(tracker, "dispute_number")]
    text = answers.normalise(tracker.latest_message.get("text") or "")
    numbers += re.findall(r"\b\d{12}\b", text)
    for number in numbers:
        for d in candidates:
            if d.dispute.number == number:
                return d
    # Buyers know their order numbers better than dispute numbers.
    order_numbers = [str(n) for n in entity_values(tracker, "order_number")]
    order_numbers += re.findall(rf"\b\d{{{ORDER_NUMBER_DIGITS}}}\b", text)
    for number in order_numbers:
        for d in candidates:
            if d.order.number == number:
                return d
    items = [str(i) for i in entity_values(tracker, "item")]
    matches = match_orders([d.order for d in candidates], " ".join(items) or text, item_meaning(tracker))
    if len(matches) == 1:
        return next(d for d in candidates if d.order.number == matches[0].number)
    words = text.replace("#", " ").split()
    for word in words:
        if word in _POSITIONS and len(words) <= 5:
            index = _POSITIONS[word]
            if -len(candidates) <= index < len(candidates):
                return candidates[index]
    return None


async def carry_on_with(dispute: DisputeDetails, intent: str, dispatcher, tracker: Tracker,
                        domain: Dict[str, Any]) -> List[EventType]:
    """Runs the action the picker was for, as if the buyer had tapped that dispute's button."""
    chosen = with_entities(tracker, {"entity": "dispute_number", "value": dispute.dispute.number})
    events = await PICKERS[intent]().run(dispatcher, chosen, domain)
    return [SlotSet("pick_for", None)] + list(events or [])


class ActionTriage(Action):
    """inform (or a message the classifier was unsure of) outside the form."""

    events_when_stopped = [SlotSet("can_start_dispute", False)]

    def name(self) -> str:
        return "action_triage"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        stay = [SlotSet("can_start_dispute", False)]
        previous = follow_up_of(tracker)
        if previous is not None:
            return stay + await answer_again(previous, dispatcher, tracker, domain)
        if says_yes_or_no_to_the_pending_question(tracker):
            return stay + list(await ActionConfirmPending().run(dispatcher, tracker, domain) or [])
        if tracker.get_slot("awaiting_changes"):
            # The change the bot asked for ("What should change?"), typed as facts.
            return stay + list(await ActionModifyDispute().run(dispatcher, tracker, domain) or [])
        pick_for = tracker.get_slot("pick_for")
        if pick_for in PICKERS:
            chosen = picked_dispute(tracker, buyer)
            if chosen is not None:
                return stay + await carry_on_with(chosen, pick_for, dispatcher, tracker, domain)
        problems = [p for p in entity_values(tracker, "problem") if p in VALID_PROBLEMS]
        orders = services().disputes.list_orders(buyer)
        named = named_order(tracker, orders)
        text = tracker.latest_message.get("text") or ""
        if problems or (named is not None and answers.resolution_in(text)):
            return await ActionStartDispute().run(dispatcher, tracker, domain)
        if named is not None:
            if named.dispute_number or ASKS_FOR_A_DISPUTE.search(text):
                # "dispute for order 8190...": asked already, so no "shall I open one?" (and with one, its status)
                return await ActionStartDispute().run(dispatcher, tracker, domain)
            return stay + offer_dispute(dispatcher, _, named)
        earlier = previous_message(tracker)
        if answers.resolution_in(text) and earlier is not None and _problems_in(earlier):
            # "my dress faded ... how long does a refund take?" (answered), then "full refund then": the facts
            # are in the message before.
            return await ActionStartDispute().run(dispatcher, with_message(tracker, earlier), domain)
        if pick_for in PICKERS:
            dispatcher.utter_message(text=_("I couldn't tell which dispute you mean. Tap one above, or type the "
                                            "item or the 12-digit dispute number."))
            return stay
        dispatcher.utter_message(text=_(MISSED), buttons=what_i_can_do(_))
        return stay
