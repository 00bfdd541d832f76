"""The dispute form: start it, fill it from each turn, ask for each field, file the dispute at the end."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import draft as form
from bot.disputes.evidence import Upload
from bot.disputes.model import Resolution

from .common import NOT_SIGNED_IN, button, buyer_id, needs_buyer, services
from .replies import RESOLUTION_LABELS, day, money, order_line, problems_text

# Intents the form does not try to read: the form steps aside, a rule answers, and the form resumes.
INTERJECTIONS = frozenset({
    "faq_refund_time", "faq_seller_no_response", "faq_seller_discount", "faq_add_photos", "faq_buyer_protection",
    "help", "bot_challenge", "check_protection", "list_orders", "check_dispute_status", "check_refund_status",
    "request_human", "stop", "cancel_dispute", "greet", "goodbye", "thank", "out_of_scope",
})
DRAFT_SLOTS = form.FORM_SLOTS + ("evidence_files", "draft_id", "summary_declined")


def reset_draft() -> List[EventType]:
    return [SlotSet(slot, None) for slot in DRAFT_SLOTS]


def order_buttons(summaries) -> List[Dict[str, str]]:
    return [button(f"{s.order.item[:40]} ({s.protection_days_left}d left)", "inform", order_number=s.order.number)
            for s in summaries[:8]]


def _draft(tracker: Tracker) -> Dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in DRAFT_SLOTS}


class ActionStartDispute(Action):
    """Checks there is a signed-in buyer with an order that can still be disputed before the form starts."""

    def name(self) -> Text:
        return "action_start_dispute"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        orders = services().disputes.list_orders(buyer)
        if not any(s.eligibility.can_open for s in orders):
            dispatcher.utter_message(text="None of your orders can get a new dispute right now:")
            dispatcher.utter_message(text="\n".join(order_line(s) for s in orders) or "You have no orders.")
            dispatcher.utter_message(text="If the protection time is too short, contact the seller directly from "
                                          "the order page. I can also get you a person: say 'agent'.")
            return [SlotSet("can_start_dispute", False)]
        return reset_draft() + [SlotSet("can_start_dispute", True), SlotSet("draft_id", uuid.uuid4().hex)]


class ValidateDisputeForm(FormValidationAction):
    """Reads every turn through bot.conversation.draft and tells the form which field to ask next."""

    def name(self) -> Text:
        return "validate_dispute_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        buyer = buyer_id(tracker)
        if buyer is None:
            dispatcher.utter_message(text=NOT_SIGNED_IN)
            return reset_draft() + [SlotSet("requested_slot", None)]
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name") or ""
        requested = tracker.get_slot("requested_slot")
        if requested and intent in INTERJECTIONS:
            return []  # nothing extracted: the form is rejected this turn and a rule takes it
        orders = services().disputes.list_orders(buyer)
        draft = _draft(tracker)
        turn = form.Turn(
            intent=intent,
            text=message.get("text") or "",
            entities=[(e.get("entity"), e.get("value")) for e in message.get("entities") or []],
            requested_slot=requested,
            attachments=(message.get("metadata") or {}).get("attachments") or (),
        )
        outcome = form.understand(turn, draft, orders)
        for i, text in enumerate(outcome.messages):
            last = i == len(outcome.messages) - 1
            dispatcher.utter_message(text=text, buttons=order_buttons(outcome.order_choices) if last else [])
        events = [SlotSet(slot, value) for slot, value in outcome.slots.items()]
        merged = {**draft, **outcome.slots}
        holding = requested == form.CONFIRM and intent == "deny"
        events.append(SlotSet("summary_declined", True if holding else None))
        if not merged.get("draft_id"):
            events.append(SlotSet("draft_id", uuid.uuid4().hex))
        events.append(SlotSet("requested_slot", form.next_slot(merged)))
        return events


class ActionAskDisputeOrder(Action):
    def name(self) -> Text:
        return "action_ask_dispute_order"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        eligible = [s for s in services().disputes.list_orders(buyer) if s.eligibility.can_open]
        dispatcher.utter_message(text="Which order is it about? Pick one, type its 16-digit number, or tell me "
                                      "what you bought.", buttons=order_buttons(eligible))
        return []


# The evidence question; the other fixed questions are responses in domain.yml (utter_ask_<slot>), which
# Rasa asks without calling the action server.
EVIDENCE_QUESTION = ("Photos or a short video make a dispute much stronger. Send them here now, or say "
                     "'no photos' to go on without.", [button("No photos", "deny")])


class ActionAskEvidenceDone(Action):
    def name(self) -> Text:
        return f"action_ask_{form.EVIDENCE}"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        files = tracker.get_slot("evidence_files") or []
        if not files:
            text, buttons = EVIDENCE_QUESTION
            dispatcher.utter_message(text=text, buttons=buttons)
            return []
        dispatcher.utter_message(text=f"{len(files)} file(s) so far. Send more, or tap Done.",
                                 buttons=[button("Done", "deny")])
        return []


class ActionAskRefundAmount(Action):
    def name(self) -> Text:
        return "action_ask_refund_amount"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        summary = services().disputes.order_summary(buyer, tracker.get_slot(form.ORDER))
        dispatcher.utter_message(text=f"How much do you want back? You paid "
                                      f"{money(summary.order.price, summary.order.currency)}.")
        return []


class ActionAskConfirmFiling(Action):
    """Shows the summary of the draft and asks for an explicit yes before anything is filed."""

    def name(self) -> Text:
        return "action_ask_confirm_filing"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        if tracker.get_slot("summary_declined"):
            return []  # the buyer said no to the summary and was asked what to change
        summary = services().disputes.order_summary(buyer, tracker.get_slot(form.ORDER))
        order = summary.order
        received = tracker.get_slot(form.RECEIVED)
        resolution = tracker.get_slot(form.RESOLUTION) or "full_refund"
        wanted = RESOLUTION_LABELS[Resolution(resolution)]
        if tracker.get_slot(form.AMOUNT):
            wanted += f" of {tracker.get_slot(form.AMOUNT)} {order.currency}"
        files = tracker.get_slot("evidence_files") or []
        lines = [
            "Here is your dispute:",
            f"• Order: {order.item} ({order.number})",
            f"• Item received: {'yes' if received else 'no'}",
            f"• Problem: {problems_text(tracker.get_slot(form.PROBLEMS) or [])}",
            f"• You want: {wanted}",
            f"• Description: {tracker.get_slot(form.DESCRIPTION) or '(none)'}",
            f"• Evidence: {len(files)} file(s)",
            "Shall I file it?",
        ]
        dispatcher.utter_message(text="\n".join(lines),
                                 buttons=[button("Yes, file it", "affirm"), button("No, change something", "deny")])
        return []


class ActionFileDispute(Action):
    def name(self) -> Text:
        return "action_file_dispute"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        if tracker.get_slot(form.CONFIRM) is not True:
            return []
        svc = services()
        uploads = [Upload(svc.evidence.get(f["sha256"]), f.get("name")) for f in tracker.get_slot("evidence_files") or []]
        details = svc.disputes.open_dispute(
            buyer,
            tracker.get_slot(form.ORDER),
            received=bool(tracker.get_slot(form.RECEIVED)),
            problems=tracker.get_slot(form.PROBLEMS) or [],
            resolution=tracker.get_slot(form.RESOLUTION) or "full_refund",
            refund_amount=tracker.get_slot(form.AMOUNT),
            description=tracker.get_slot(form.DESCRIPTION) or "",
            evidence=uploads,
            # One form, one dispute: a retried or duplicated final "yes" answers with the same dispute.
            submission_key=f"{tracker.sender_id}:{tracker.get_slot('draft_id')}",
        )
        d = details.dispute
        dispatcher.utter_message(
            text=f"Done: dispute {d.number} is open. The seller has {svc.settings.rules.seller_response_days} days, "
                 f"until {day(d.seller_deadline)}, to respond. If they don't, the Dispute Team takes over "
                 "automatically. You can add photos or change the dispute while it is open.")
        return reset_draft() + [SlotSet("last_dispute", d.number)]


class ActionStopForm(Action):
    def name(self) -> Text:
        return "action_stop_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(text="OK, I stopped. Nothing was filed. Write again whenever you want to "
                                      "continue.")
        return reset_draft()

