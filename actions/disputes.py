"""Following and changing disputes: status, refund, escalate, cancel, modify (with an explicit yes)."""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from bot.conversation import answers
from bot.conversation.draft import NO_FILE_CAME, VALID_PROBLEMS
from bot.disputes.evidence import Upload
from bot.disputes.matching import match_orders
from bot.disputes.model import DisputeStatus, Resolution
from bot.disputes.services import ConfirmationRequired, DisputeDetails
from bot.i18n import Translator

from .common import (
    button,
    dispute_buttons,
    entity_values,
    error_text,
    item_meaning,
    needs_buyer,
    services,
    translated,
    with_entities,
)
from .dispute_form import start_instead, undisputed_order_named
from .replies import dispute_text, eligibility_text, problems_text, refund_text, resolution_text

RESOLUTIONS = frozenset(r.value for r in Resolution)

CLEAR_PENDING = [SlotSet("awaiting_confirmation", None), SlotSet("pending_action", None),
                 SlotSet("pending_changes", None), SlotSet("awaiting_changes", None), SlotSet("pick_for", None)]


def _pick(dispatcher, _: Translator, tracker, buyer: str, intent: str,
          only_open: bool = True) -> Tuple[Optional[DisputeDetails], List[EventType]]:
    """The dispute the buyer means: named by number, the only candidate, or asked for with buttons (the typed
    answer to "Which dispute?" is read by action_triage through `pick_for`)."""
    disputes = services().disputes
    numbers = entity_values(tracker, "dispute_number")
    if numbers:
        return disputes.dispute_status(buyer, numbers[0]), []
    candidates = pick_candidates(buyer, only_open)
    if not candidates:
        dispatcher.utter_message(text=_("You have no open disputes. If something is wrong with an order, I can open "
                                        "one.") if only_open else
                                 _("You have no disputes. If something is wrong with an order, I can open one."),
                                 buttons=[button(_("Open a dispute"), "open_dispute")])
        return None, []
    if len(candidates) == 1:
        return candidates[0], []
    named = _named_among(tracker, candidates) or _the_one_just_talked_about(tracker, candidates)
    if named is not None:  # "escalate my dispute about the shoes", "cancel this dispute" right after filing it
        return named, []
    dispatcher.utter_message(
        text=_("Which dispute? Tap one, or type the item or the dispute number."),
        buttons=[button(f"{d.order.item[:40]} ({d.dispute.number})", intent, dispute_number=d.dispute.number)
                 for d in candidates[:8]])
    return None, [SlotSet("pick_for", intent)]


def _named_among(tracker, candidates: List[DisputeDetails]) -> Optional[DisputeDetails]:
    items = [str(i) for i in entity_values(tracker, "item")]
    text = " ".join(items) or (tracker.latest_message.get("text") or "")
    matches = match_orders([d.order for d in candidates], text, item_meaning(tracker))
    if len(matches) != 1:
        return None
    return next(d for d in candidates if d.order.number == matches[0].number)


# "this dispute", "essa disputa", "ce litige", "этот спор", "it": the dispute the conversation was just about.
_THIS_ONE = re.compile(r"\b(?:this|that|it|esta|este|esa|ese|essa|esse|isso|ce|cette|celui-ci|этот|эту|его|ее|её)\b",
                       re.IGNORECASE)


def _the_one_just_talked_about(tracker, candidates: List[DisputeDetails]) -> Optional[DisputeDetails]:
    number = tracker.get_slot("last_dispute")
    if not number or not _THIS_ONE.search(tracker.latest_message.get("text") or ""):
        return None
    return next((d for d in candidates if d.dispute.number == number), None)


def pick_candidates(buyer: str, only_open: bool = True) -> List[DisputeDetails]:
    return [d for d in services().disputes.list_disputes(buyer) if d.dispute.is_open or not only_open][:8]


def _disputes_to_show(tracker, buyer: str, first: Callable[[DisputeDetails], bool],
                      otherwise: Callable[[DisputeDetails], bool]) -> List[DisputeDetails]:
    """The dispute named in the message, else those matching `first`, else those matching `otherwise`."""
    disputes = services().disputes
    numbers = entity_values(tracker, "dispute_number")
    if numbers:
        return [disputes.dispute_status(buyer, numbers[0])]
    every = disputes.list_disputes(buyer)
    return [d for d in every if first(d)] or [d for d in every if otherwise(d)]


class ActionDisputeStatus(Action):
    def name(self) -> str:
        return "action_dispute_status"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        named = None if entity_values(tracker, "dispute_number") else undisputed_order_named(tracker, buyer)
        if named is not None:
            if not named.eligibility.can_open:
                dispatcher.utter_message(text=_("There is no dispute on the {item}.", item=named.order.item) + " " +
                                         eligibility_text(_, named.eligibility))
                return []
            return ask_yes_no(dispatcher, _("There is no dispute on the {item} yet. Shall I open one?",
                                            item=named.order.item),
                              f"open:{named.order.number}", _("Yes, open one"), _("No"))
        shown = _disputes_to_show(tracker, buyer, lambda d: d.dispute.is_open, lambda d: True)
        if not shown:
            dispatcher.utter_message(text=_("You have no disputes. If something is wrong with an order, tell me "
                                            "and I'll help you open one."))
        for details in shown[:5]:
            dispatcher.utter_message(text=dispute_text(_, details), buttons=dispute_buttons(_, details))
        return []


class ActionRefundStatus(Action):
    def name(self) -> str:
        return "action_refund_status"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        shown = _disputes_to_show(tracker, buyer, lambda d: d.refund is not None, lambda d: d.dispute.is_open)
        if not shown:
            dispatcher.utter_message(text=_("I don't see a refund or an open dispute on your orders. If an item "
                                            "has a problem, I can help you open a dispute to get your money back."))
        for details in shown[:5]:
            dispatcher.utter_message(text=refund_text(_, details))
        return []


def ask_yes_no(dispatcher, text: str, action: str, yes: str, no: str,  # (text and titles already translated)
                changes: Optional[Dict[str, Any]] = None) -> List[EventType]:
    dispatcher.utter_message(text=text, buttons=[button(yes, "affirm"), button(no, "deny")])
    return [SlotSet("awaiting_confirmation", True), SlotSet("pending_action", action),
            SlotSet("pending_changes", changes), SlotSet("awaiting_changes", None)]


class ActionEscalateDispute(Action):
    events_when_stopped = CLEAR_PENDING

    def name(self) -> str:
        return "action_escalate_dispute"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        if not entity_values(tracker, "dispute_number") and undisputed_order_named(tracker, buyer):
            return CLEAR_PENDING + await start_instead(dispatcher, tracker, domain)
        pending = tracker.get_slot("pending_action") or ""
        details: Optional[DisputeDetails]
        asking: List[EventType] = []
        if pending.startswith("accept:") and not entity_values(tracker, "dispute_number"):
            # "not acceptable, escalate" when asked to accept a seller's offer: that dispute
            details = services().disputes.dispute_status(buyer, pending.partition(":")[2])
        else:
            details, asking = _pick(dispatcher, _, tracker, buyer, "escalate_dispute")
        if details is None:
            return CLEAR_PENDING + asking
        d = details.dispute
        if d.status is DisputeStatus.ESCALATED:
            dispatcher.utter_message(text=_("Dispute {number} is already with the Dispute Team.", number=d.number))
            return CLEAR_PENDING
        if d.status is DisputeStatus.AWAITING_SELLER:
            why = _.plural("The seller still has {count} day (until {date}) to respond; if they don't, the Dispute "
                           "Team takes over automatically. You can also escalate now.",
                           "The seller still has {count} days (until {date}) to respond; if they don't, the Dispute "
                           "Team takes over automatically. You can also escalate now.",
                           details.seller_days_left, date=_.day(d.seller_deadline))
        else:
            why = _("The Dispute Team will look at the dispute and decide.")
        return ask_yes_no(dispatcher, why + " " + _("Escalate dispute {number} to the Dispute Team now?",
                                                    number=d.number),
                          f"escalate:{d.number}", _("Yes, escalate"), _("No, wait"))


class ActionCancelDispute(Action):
    events_when_stopped = CLEAR_PENDING

    def name(self) -> str:
        return "action_cancel_dispute"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        named = None if entity_values(tracker, "dispute_number") else undisputed_order_named(tracker, buyer)
        if named is not None and "cancel" not in (tracker.latest_message.get("text") or "").lower():
            return CLEAR_PENDING + await start_instead(dispatcher, tracker, domain)  # "dispute the dress"
        if named is not None:
            dispatcher.utter_message(text=_("There is no dispute on the {item} to cancel.", item=named.order.item))
            dispatcher.utter_message(response="utter_faq_cancel_order")
            return CLEAR_PENDING
        details, asking = _pick(dispatcher, _, tracker, buyer, "cancel_dispute")
        if details is None:
            return CLEAR_PENDING + asking
        number = details.dispute.number
        try:
            services().disputes.cancel_dispute(buyer, number, confirmed=False)
        except ConfirmationRequired as warning:
            return ask_yes_no(dispatcher, error_text(_, warning), f"cancel:{number}", _("Yes, cancel it"),
                              _("No, keep it"))
        return CLEAR_PENDING  # pragma: no cover - cancel without confirmation always asks


class ActionModifyDispute(Action):
    """Collects the change (problems, resolution, amount, description) and asks for a yes before saving it."""

    events_when_stopped = CLEAR_PENDING

    def name(self) -> str:
        return "action_modify_dispute"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        number = tracker.get_slot("pending_action") or ""
        details = None
        if tracker.get_slot("awaiting_changes") and number.startswith("modify:"):
            details = services().disputes.dispute_status(buyer, number.split(":", 1)[1])
        asking: List[EventType] = []
        if details is None and not entity_values(tracker, "dispute_number") and \
                undisputed_order_named(tracker, buyer):
            return CLEAR_PENDING + await start_instead(dispatcher, tracker, domain)
        if details is None:
            details, asking = _pick(dispatcher, _, tracker, buyer, "modify_dispute")
        if details is None:
            return CLEAR_PENDING + asking
        details.dispute.require_open()
        changes = self._changes(tracker, details)
        if not changes:
            dispatcher.utter_message(text=_("What should change? Tell me the new problem (e.g. 'also missing "
                                            "parts'), what you want (full refund, partial refund of 10, another "
                                            "item) or type a new description. You can also send more photos."))
            return [SlotSet("awaiting_changes", True), SlotSet("pending_action", f"modify:{details.dispute.number}"),
                    SlotSet("awaiting_confirmation", None)]
        return ask_yes_no(dispatcher, self._describe(_, changes, details) + " " + _("Save this change?"),
                          f"modify:{details.dispute.number}", _("Yes, save"), _("No"), changes)

    @staticmethod
    def _changes(tracker, details: DisputeDetails) -> Dict[str, Any]:
        """What the message changes: "the description should say ...", "make the refund 12 dollars", "also the
        sole is peeling", "a replacement instead". Anything else typed when asked becomes the description."""
        text = tracker.latest_message.get("text") or ""
        asked = bool(tracker.get_slot("awaiting_changes"))
        changes: Dict[str, Any] = {}
        described = answers.new_description(text)
        if described:
            return {"description": described}
        # Only values the domain knows: an extractor may tag raw words ("20 back" as a resolution).
        problems = [p for p in entity_values(tracker, "problem") if p != "not_received" and p in VALID_PROBLEMS]
        if problems and details.dispute.claim.received:
            current = [p.value for p in details.dispute.claim.problems]
            denied = answers.problems_denied(text)
            adding = any(word in text.lower() for word in ("also", "too", "add", "and", "plus", "as well"))
            wanted = current + [p for p in problems if p not in current] if adding else problems
            wanted = [p for p in wanted if p not in denied]
            if wanted and wanted != current:
                changes["problems"] = wanted
        resolution = answers.resolution_in(text) or next(
            (value for value in entity_values(tracker, "resolution") if value in RESOLUTIONS), None)
        amount = answers.amount_in(text, details.order.price, bare_numbers=asked)
        if resolution:
            changes["resolution"] = resolution
        if amount is not None and (resolution in (None, "partial_refund") or
                                   (resolution == "full_refund" and not answers.says_full(text))):
            changes["refund_amount"] = f"{amount:.2f}"
            changes["resolution"] = "partial_refund"
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not changes and asked and intent not in ("deny", "stop") and not answers.is_question(text):
            changes["description"] = text
        return changes

    @staticmethod
    def _describe(_: Translator, changes: Dict[str, Any], details: DisputeDetails) -> str:
        parts = []
        if "problems" in changes:
            parts.append(_("problem: {problems}", problems=problems_text(_, changes["problems"])))
        if "resolution" in changes:
            amount = changes.get("refund_amount")
            wanted = resolution_text(_, Resolution(changes["resolution"]),
                                     _.money(amount, details.order.currency) if amount else None)
            parts.append(_("you want: {wanted}", wanted=wanted))
        if "description" in changes:
            parts.append(_("description: \"{description}\"", description=changes["description"][:200]))
        # The changes are a list ("a; b; c") inside one sentence.
        return _("Dispute {number} will say {changes}.", number=details.dispute.number, changes="; ".join(parts))


def says_yes_or_no_to_the_pending_question(tracker) -> bool:
    """The typed words say yes or no to the question the bot is waiting on ("yep go", "sim, pode cancelar"),
    whatever intent the classifier gave them."""
    verb = (tracker.get_slot("pending_action") or "").partition(":")[0]
    return bool(tracker.get_slot("awaiting_confirmation")) and answers.yes_or_no(
        tracker.latest_message.get("text") or "", verb=verb) is not None


class ActionConfirmPending(Action):
    """Carries out (on yes) or drops (on no) what the bot asked to confirm: escalate, cancel or modify."""

    events_when_stopped = CLEAR_PENDING

    def name(self) -> str:
        return "action_confirm_pending"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        pending = tracker.get_slot("pending_action") or ""
        kind, _sep, number = pending.partition(":")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        # The typed words decide ("yes cancel", "yep go ahead"); the classifier's affirm/deny when they don't.
        said = answers.yes_or_no(tracker.latest_message.get("text") or "", verb=kind)
        if said is None:
            said = intent == "affirm"
        if kind == "accept" and number:
            return await self._answer_offer(dispatcher, _, tracker, buyer, number, said, intent)
        if not said or not number:
            dispatcher.utter_message(text={"cancel": _("OK, your dispute stays open."),
                                           "escalate": _("OK, I won't escalate it.")}.get(kind,
                                                                                          _("OK, nothing changed.")))
            return CLEAR_PENDING
        disputes = services().disputes
        if kind == "open":
            opening = with_entities(tracker, {"entity": "order_number", "value": number}, keep=False)
            return CLEAR_PENDING + await start_instead(dispatcher, opening, domain)
        if kind == "escalate":
            details = disputes.escalate_dispute(buyer, number)
            dispatcher.utter_message(text=_("Dispute {number} is now with the Dispute Team. They usually decide "
                                            "within a few days; I'll keep the status here.", number=number))
        elif kind == "cancel":
            details = disputes.cancel_dispute(buyer, number, confirmed=True)
            dispatcher.utter_message(text=_("Dispute {number} is cancelled and closed.", number=number))
        elif kind == "modify":
            changes = dict(tracker.get_slot("pending_changes") or {})
            details = disputes.modify_dispute(buyer, number, **changes)
            dispatcher.utter_message(text=_("Saved.") + " " + dispute_text(_, details))
        else:
            dispatcher.utter_message(text=_("OK, nothing changed."))
        return CLEAR_PENDING + [SlotSet("last_dispute", number)]


    @staticmethod
    async def _answer_offer(dispatcher, _: Translator, tracker, buyer: str, number: str, said: bool,
                            intent: Optional[str]) -> List[EventType]:
        """The answer to "Accept the seller's offer?": yes accepts; "not now" leaves the offer open; a no
        ("no, that's not enough") offers the escalation instead."""
        from .offers import accept

        text = answers.normalise(tracker.latest_message.get("text") or "")
        if intent == "stop" or re.search(r"\b(not now|later|think about it|not yet|wait)\b", text):
            dispatcher.utter_message(text=_("OK, nothing changed: the seller's offer on dispute {number} stays "
                                            "open. Say 'accept the offer' or 'escalate' when you have decided.",
                                            number=number))
            return CLEAR_PENDING
        if said and intent != "escalate_dispute" and "escalat" not in text:  # "yes escalate" is no yes to this
            return CLEAR_PENDING + accept(dispatcher, _, buyer, number)
        return CLEAR_PENDING + await ActionEscalateDispute().run(
            dispatcher, with_entities(tracker, {"entity": "dispute_number", "value": number}), {})


class ActionAnswerFaqOrConfirm(Action):
    """An FAQ intent while a yes/no is pending: "sim, pode cancelar" reads like the question about cancelling an
    order, but it is the yes to "Cancel dispute ...?". The typed words answer the pending question when they say
    yes or no to it; otherwise the FAQ is answered and the question stays pending."""

    def name(self) -> str:
        return "action_answer_faq_or_confirm"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if says_yes_or_no_to_the_pending_question(tracker):
            return list(await ActionConfirmPending().run(dispatcher, tracker, domain) or [])
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        dispatcher.utter_message(response=f"utter_{intent}")
        return []


class ActionAttachEvidence(Action):
    """Files sent outside the dispute form: attached to the dispute being changed, the one the buyer picks,
    or their only open dispute. Files wait in `pending_evidence` while the bot asks which dispute."""

    def name(self) -> str:
        return "action_attach_evidence"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        metadata = tracker.latest_message.get("metadata") or {}
        new = [a for a in metadata.get("attachments") or [] if isinstance(a, dict) and a.get("sha256")]
        files = list(tracker.get_slot("pending_evidence") or []) + new
        if not files:
            dispatcher.utter_message(text=_(NO_FILE_CAME))
            return []
        svc = services()
        pending = tracker.get_slot("pending_action") or ""
        details: Optional[DisputeDetails]
        if tracker.get_slot("awaiting_changes") and pending.startswith("modify:"):
            details = svc.disputes.dispute_status(buyer, pending.split(":", 1)[1])
        else:
            details, asking = _pick(dispatcher, _, tracker, buyer, "send_evidence")
        if details is None:
            if not any(d.dispute.is_open for d in svc.disputes.list_disputes(buyer)):
                dispatcher.utter_message(text=_("To use these files, open a dispute ('open a dispute') and send "
                                                "them when I ask for photos."))
                return [SlotSet("pending_evidence", None)]
            return [SlotSet("pending_evidence", files)] + asking
        number = details.dispute.number
        uploads = [Upload(svc.evidence.get(f["sha256"]), f.get("name")) for f in files]
        added = svc.disputes.add_evidence(buyer, number, uploads)
        names = ", ".join(e.display_name for e in added) or _("nothing new (those files were already there)")
        dispatcher.utter_message(text=_("Attached to dispute {number}: {names}. The seller and, if it is "
                                        "escalated, the Dispute Team can see them.", number=number, names=names))
        return [SlotSet("pending_evidence", None), SlotSet("last_dispute", number)]
