"""The dispute form: start it, fill it from each turn, ask for each field, file the dispute at the end."""
from __future__ import annotations

import logging
import uuid
from typing import Any, Dict, List, Optional, Type

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.conversation import answers
from bot.conversation import draft as form
from bot.disputes.errors import DomainError
from bot.disputes.evidence import Upload
from bot.disputes.model import Resolution
from bot.i18n import N_, Translator
from bot.nlu.problem_cues import cue_codes

from .common import (
    NOT_SIGNED_IN,
    button,
    buyer_id,
    dispute_buttons,
    entity_values,
    error_text,
    follow_up_of,
    item_meaning,
    needs_buyer,
    orders_in_words,
    services,
    translated,
)
from .replies import dispute_text, eligibility_text, order_line, problems_text, resolution_text

log = logging.getLogger(__name__)

# Intents the form does not try to read: the form steps aside, a rule answers, and the form resumes.
INTERJECTIONS = frozenset({
    "faq_refund_time", "faq_seller_no_response", "faq_seller_discount", "faq_add_photos", "faq_buyer_protection",
    "help", "bot_challenge", "check_protection", "list_orders", "check_dispute_status", "check_refund_status",
    "request_human", "stop", "cancel_dispute", "greet", "goodbye", "thank", "out_of_scope",
})
DRAFT_SLOTS = form.FORM_SLOTS + ("evidence_files", "draft_id", "summary_declined")


def reset_draft() -> List[EventType]:
    return [SlotSet(slot, None) for slot in DRAFT_SLOTS]


def order_buttons(_: Translator, summaries) -> List[Dict[str, str]]:
    return [button(_("{item} ({days}d left)", item=s.order.item[:40], days=s.protection_days_left), "inform",
                   order_number=s.order.number)
            for s in summaries[:8]]


def _draft(tracker: Tracker) -> Dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in DRAFT_SLOTS}


# Draft fields kept in the store between conversations (not the confirmation: that is always asked again).
SAVED_SLOTS = tuple(slot for slot in DRAFT_SLOTS if slot not in (form.CONFIRM, "summary_declined"))


def save_draft(buyer: str, slots: Dict[str, Any]) -> None:
    """Keeps the form so far for "continue my dispute" later; a failure here never breaks the turn."""
    order = slots.get(form.ORDER)
    if not order:
        return
    try:
        services().disputes.save_draft(buyer, order, {k: slots.get(k) for k in SAVED_SLOTS})
    except Exception:
        log.exception("could not save the dispute draft")


def named_order(tracker: Tracker, summaries) -> Optional[Any]:
    """The order the message names (number, "my last order", item words), if exactly one fits."""
    for value in entity_values(tracker, "order_number"):
        number = form.order_number_or_none(value)
        if number:
            return next((s for s in summaries if s.order.number == number), None)
    matches = orders_in_words(tracker, summaries)
    return matches[0] if len(matches) == 1 else None


def _problems_named(tracker: Tracker) -> List[EventType]:
    problems = answers.settle_wrong_item(tracker.latest_message.get("text") or "",
                                         [p for p in entity_values(tracker, "problem") if p in form.VALID_PROBLEMS])
    if not problems:
        return []
    if "not_received" in problems:
        return [SlotSet(form.RECEIVED, False), SlotSet(form.PROBLEMS, ["not_received"]),
                SlotSet(form.RESOLUTION, "full_refund")]
    return [SlotSet(form.RECEIVED, True), SlotSet(form.PROBLEMS, problems)]


class ActionStartDispute(Action):
    """Before the form: the order named in the message may already have a dispute (its status is told), may be
    too late (the reason and what to do instead), or may have a draft the buyer left (it is picked up)."""

    def name(self) -> str:
        return "action_start_dispute"

    events_when_stopped = [SlotSet("can_start_dispute", False)]

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        previous = follow_up_of(tracker)
        if previous is not None:  # "and the dress?": the question just answered, about another order
            return [SlotSet("can_start_dispute", False)] + await answer_again(previous, dispatcher, tracker, domain)
        disputes = services().disputes
        orders = disputes.list_orders(buyer)
        named = named_order(tracker, orders)
        if named is not None and named.dispute_number:
            details = disputes.dispute_status(buyer, named.dispute_number)
            dispatcher.utter_message(text=_("{item} already has a dispute, so I won't open another one:",
                                            item=named.order.item))
            dispatcher.utter_message(text=dispute_text(_, details), buttons=dispute_buttons(_, details))
            return [SlotSet("can_start_dispute", False), SlotSet("last_dispute", named.dispute_number)]
        if named is not None and not named.eligibility.can_open:
            self._cannot_open(dispatcher, _, named, orders)
            return [SlotSet("can_start_dispute", False)]
        if not any(s.eligibility.can_open for s in orders):
            dispatcher.utter_message(text=_("None of your orders can get a new dispute right now:"))
            dispatcher.utter_message(text="\n".join(order_line(_, s) for s in orders) or _("You have no orders."))
            dispatcher.utter_message(text=_(CANNOT_OPEN_ALTERNATIVES))
            return [SlotSet("can_start_dispute", False)]
        drafts = disputes.open_drafts(buyer)
        draft = next((d for d in drafts if named is not None and d.order_number == named.order.number), None)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if draft is None and named is None and intent == "continue_dispute" and drafts:
            draft = drafts[0]
        start = reset_draft() + [SlotSet("can_start_dispute", True), SlotSet("draft_id", uuid.uuid4().hex)]
        if draft is None:
            if intent == "continue_dispute":
                dispatcher.utter_message(text=_("I don't have an unfinished dispute saved for you, so let's start "
                                                "one."))
            # The order named now (or in the question this "yes" answers) is the form's first field, and the
            # problems named with it come along (the form reads the message again when it starts anyway).
            return start + ([SlotSet(form.ORDER, named.order.number)] if named is not None else []) + \
                _problems_named(tracker)
        item = next((s.order.item for s in orders if s.order.number == draft.order_number), draft.order_number)
        dispatcher.utter_message(text=_("Let's pick up your dispute about the {item} where you left it.", item=item))
        kept = [SlotSet(slot, draft.fields.get(slot)) for slot in SAVED_SLOTS if draft.fields.get(slot) is not None]
        return start + kept

    @staticmethod
    def _cannot_open(dispatcher, _: Translator, summary, orders) -> None:
        order = summary.order
        lines = [_("{item} (order {number}) can't get a dispute: {reason}", item=order.item, number=order.number,
                   reason=eligibility_text(_, summary.eligibility))]
        if summary.eligibility.code == "protection_not_started":
            lines.append(_("What you can do: cancel the order from My Orders (Cancel order) if you no longer want "
                           "it, or ask the seller when it ships."))
        else:
            lines.append(_("What you can do: contact the seller from the order page (Contact seller); many sellers "
                           "still refund or replace. I can also get you a person: say 'agent'."))
        others = [s for s in orders if s.eligibility.can_open]
        if others:
            lines.append(_("These orders can still get a dispute:"))
        dispatcher.utter_message(text="\n".join(lines), buttons=order_buttons(_, others))


CANNOT_OPEN_ALTERNATIVES = N_("If the protection time is too short, contact the seller directly from the order page. "
                               "I can also get you a person: say 'agent'.")


def _returning_to_the_form(tracker: Tracker) -> bool:
    """True when the form picks up again after a rule answered an interruption, not for a fresh buyer message:
    the form was already running when the buyer spoke, and another action answered since."""
    events = tracker.events[:-1]  # the last event is Rasa's own "dispute_form" marker
    answered_since = False
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "user":
            if not answered_since:
                return False
            loop = next((e.get("name") for e in reversed(events[:index]) if e.get("event") == "active_loop"), None)
            return loop == "dispute_form"
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "dispute_form", None):
            answered_since = True
    return False


class ValidateDisputeForm(FormValidationAction):
    """Reads every turn through bot.conversation.draft; `required_slots` says which fields the form still
    collects (they depend on the answers: not received means no problems or resolution to ask)."""

    def name(self) -> str:
        return "validate_dispute_form"

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[str]:
        return form.required_slots(_draft(tracker))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        _ = translated(tracker)
        buyer = buyer_id(tracker)
        if buyer is None:
            dispatcher.utter_message(text=_(NOT_SIGNED_IN))
            return reset_draft() + [SlotSet("requested_slot", None)]
        requested = tracker.get_slot("requested_slot")
        if _returning_to_the_form(tracker):
            return await self._next(dispatcher, tracker, domain)
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name") or ""
        turn = form.Turn(
            intent=intent,
            text=message.get("text") or "",
            entities=[(e.get("entity"), e.get("value")) for e in message.get("entities") or []],
            requested_slot=requested,
            attachments=(message.get("metadata") or {}).get("attachments") or (),
            confidence=float((message.get("intent") or {}).get("confidence") or 0.0),
            problem_guesses=[(g.get("code") or "", float(g.get("confidence") or 0)) for g in
                             message.get("problem_ranking") or [] if isinstance(g, dict)],
            problem_cues=cue_codes(message.get("text") or ""),
        )
        if requested and intent in INTERJECTIONS and not form.answers_the_question(turn):
            # Not an answer: the form steps aside (Rasa rejects it) and a rule answers; the form then resumes.
            return [SlotSet("requested_slot", requested)]
        orders = services().disputes.list_orders(buyer)
        draft = _draft(tracker)
        outcome = form.understand(turn, draft, orders,
                                  max_files=services().settings.rules.max_evidence_files_per_dispute, _=_,
                                  meaning=item_meaning(tracker))
        if outcome.unanswered_question and intent in INTERJECTIONS | {"nlu_fallback"} - {"stop", "cancel_dispute"}:
            return [SlotSet("requested_slot", requested)]
        for i, text in enumerate(outcome.messages):
            last = i == len(outcome.messages) - 1
            dispatcher.utter_message(text=text, buttons=order_buttons(_, outcome.order_choices) if last else [])
        if outcome.offer_resolution:
            dispatcher.utter_message(text=_("Shall I change it?"), buttons=[
                button(_(RESOLUTION_CHANGE_TITLES[outcome.offer_resolution]), "inform",
                       resolution=outcome.offer_resolution),
                button(_("No, file it as it is"), "affirm")])
        elif outcome.unanswered_question:
            dispatcher.utter_message(text=_("I can't answer that one here, sorry; a person from our help desk can "
                                            "(say 'agent'). Nothing is filed yet."))
        elif not outcome.slots and not outcome.messages and requested:
            dispatcher.utter_message(text=_(DID_NOT_CATCH))
        events = [SlotSet(slot, value) for slot, value in outcome.slots.items()]
        # The summary is not repeated right after "no, change something" or an offer to change the resolution.
        holding = requested == form.CONFIRM and (_(form.WHAT_TO_CHANGE) in outcome.messages
                                                 or outcome.offer_resolution is not None)
        events.append(SlotSet("summary_declined", True if holding else None))
        if not tracker.get_slot("draft_id"):
            events.append(SlotSet("draft_id", uuid.uuid4().hex))
        tracker.add_slots(events)
        if tracker.get_slot(form.CONFIRM) is True and form.next_slot(_draft(tracker)) is None:
            return events + file_or_keep(dispatcher, _, tracker, buyer)
        if outcome.slots:
            save_draft(buyer, _draft(tracker))
        return events + await self._next(dispatcher, tracker, domain)

    async def _next(self, dispatcher, tracker, domain) -> List[EventType]:
        # Asked explicitly: rasa-sdk leaves the choice to Rasa when the list happens to equal the domain's.
        return [SlotSet("requested_slot", form.next_slot(_draft(tracker)))]


DID_NOT_CATCH = N_("Sorry, I didn't catch that as an answer.")
RESOLUTION_CHANGE_TITLES = {"full_refund": N_("Change to a full refund"),
                            "partial_refund": N_("Change to a partial refund"),
                            "another_item": N_("Change to another item")}


class ActionAskDisputeOrder(Action):
    def name(self) -> str:
        return "action_ask_dispute_order"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        eligible = [s for s in services().disputes.list_orders(buyer) if s.eligibility.can_open]
        dispatcher.utter_message(text=_("Which order is it about? Pick one, type its 16-digit number, or tell me "
                                        "what you bought."), buttons=order_buttons(_, eligible))
        return []


# The evidence question; the other fixed questions are responses in domain.yml (utter_ask_<slot>), which
# Rasa asks without calling the action server.
EVIDENCE_QUESTION = N_("Photos or a short video make a dispute much stronger. Send them here now, or say "
                       "'no photos' to go on without.")


class ActionAskEvidenceDone(Action):
    def name(self) -> str:
        return f"action_ask_{form.EVIDENCE}"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        _ = translated(tracker)
        files = tracker.get_slot("evidence_files") or []
        if not files:
            dispatcher.utter_message(text=_(EVIDENCE_QUESTION), buttons=[button(_("No photos"), "deny")])
            return []
        # Plural forms per language; English keeps its "file(s)" in both.
        dispatcher.utter_message(text=_.plural("{count} file(s) so far. Send more, or tap Done.",
                                               "{count} file(s) so far. Send more, or tap Done.", len(files)),
                                 buttons=[button(_("Done"), "deny")])
        return []


class ActionAskRefundAmount(Action):
    def name(self) -> str:
        return "action_ask_refund_amount"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        summary = services().disputes.order_summary(buyer, tracker.get_slot(form.ORDER))
        dispatcher.utter_message(text=_("How much do you want back? You paid {price}.",
                                        price=_.money(summary.order.price, summary.order.currency)))
        return []


class ActionAskConfirmFiling(Action):
    """Shows the summary of the draft and asks for an explicit yes before anything is filed."""

    def name(self) -> str:
        return "action_ask_confirm_filing"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        if tracker.get_slot("summary_declined"):
            return []  # the buyer said no to the summary and was asked what to change
        _ = translated(tracker)
        summary = services().disputes.order_summary(buyer, tracker.get_slot(form.ORDER))
        order = summary.order
        received = tracker.get_slot(form.RECEIVED)
        resolution = tracker.get_slot(form.RESOLUTION) or "full_refund"
        amount = tracker.get_slot(form.AMOUNT)
        wanted = resolution_text(_, Resolution(resolution), _.money(amount, order.currency) if amount else None)
        files = tracker.get_slot("evidence_files") or []
        lines = [
            _("Here is your dispute:"),
            _("• Order: {item} ({number})", item=order.item, number=order.number),
            _("• Item received: yes") if received else _("• Item received: no"),
            _("• Problem: {problems}", problems=problems_text(_, tracker.get_slot(form.PROBLEMS) or [])),
            _("• You want: {wanted}", wanted=wanted),
            _("• Description: {description}", description=tracker.get_slot(form.DESCRIPTION) or _("(none)")),
            _.plural("• Evidence: {count} file(s)", "• Evidence: {count} file(s)", len(files)),
            _("Shall I file it?"),
        ]
        dispatcher.utter_message(text="\n".join(lines), buttons=file_it_buttons(_))
        return []


def file_it_buttons(_: Translator) -> List[Dict[str, str]]:
    return [button(_("Yes, file it"), "affirm"), button(_("No, change something"), "deny")]


def file_dispute(dispatcher: CollectingDispatcher, _: Translator, tracker: Tracker, buyer: str) -> str:
    """Files the confirmed form and says so; returns the dispute number. Raises what the store raises."""
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
        text=_("Done: dispute {number} is open. The seller has {days} days, until {date}, to respond. If they don't, "
               "the Dispute Team takes over automatically. You can add photos or change the dispute while it is "
               "open.", number=d.number, days=svc.settings.rules.seller_response_days, date=_.day(d.seller_deadline)))
    return d.number


NOT_FILED_KEPT = N_("Nothing is lost: your dispute is still here, exactly as you confirmed it. Say yes to try again, "
                    "or tell me what to change.")


def file_or_keep(dispatcher: CollectingDispatcher, _: Translator, tracker: Tracker, buyer: str) -> List[EventType]:
    """Files the dispute as the form's last step, while the form is still open: if filing fails, the buyer's
    confirmed draft stays in the form (and in the store) and a new yes files it, exactly once."""
    try:
        number = file_dispute(dispatcher, _, tracker, buyer)
    except DomainError as exc:
        dispatcher.utter_message(text=_("I couldn't file it: {error}", error=error_text(_, exc)) + " " +
                                 _(NOT_FILED_KEPT), buttons=file_it_buttons(_))
        return [SlotSet(form.CONFIRM, None), SlotSet("summary_declined", True),
                SlotSet("requested_slot", form.CONFIRM)]
    except Exception:
        log.exception("filing failed for conversation %s", tracker.sender_id)
        dispatcher.utter_message(text=_("Sorry, something went wrong on my side and the dispute is not filed yet.") +
                                 " " + _(NOT_FILED_KEPT), buttons=[button(_("Yes, file it"), "affirm")])
        return [SlotSet(form.CONFIRM, None), SlotSet("summary_declined", True),
                SlotSet("requested_slot", form.CONFIRM)]
    return reset_draft() + [SlotSet("last_dispute", number), SlotSet("requested_slot", None)]


class ActionFileDispute(Action):
    """After the form: files a confirmed draft the form did not file itself (the form normally files on the
    final yes, see `file_or_keep`), so a confirmation is never dropped."""

    def name(self) -> str:
        return "action_file_dispute"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        if tracker.get_slot(form.CONFIRM) is not True:
            return []
        number = file_dispute(dispatcher, translated(tracker), tracker, buyer)
        return reset_draft() + [SlotSet("last_dispute", number)]


class ActionStopForm(Action):
    def name(self) -> str:
        return "action_stop_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        _ = translated(tracker)
        if tracker.get_slot(form.ORDER):
            dispatcher.utter_message(text=_("OK, I stopped. Nothing was filed. I kept what you told me: say "
                                            "'continue my dispute' whenever you want to pick it up, here or on "
                                            "another channel."))
        else:
            dispatcher.utter_message(text=_("OK, I stopped. Nothing was filed."))
        return reset_draft()



ASKERS: Dict[str, Type[Action]] = {
    form.ORDER: ActionAskDisputeOrder, form.EVIDENCE: ActionAskEvidenceDone, form.AMOUNT: ActionAskRefundAmount,
    form.CONFIRM: ActionAskConfirmFiling,
}


async def ask_current_step(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> bool:
    """Asks the form's current question again (with its buttons); False when no form is under way."""
    slot = tracker.get_slot("requested_slot")
    if not tracker.active_loop.get("name") or not slot:
        return False
    if slot in ASKERS:
        shown = tracker.copy()
        shown.slots["summary_declined"] = None  # the summary is shown in full here
        await ASKERS[slot]().run(dispatcher, shown, domain)
    else:
        dispatcher.utter_message(response=f"utter_ask_{slot}")
    return True


async def start_instead(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
    """Starts the dispute form from another action (the classifier read "i want to dispute the dress" as a
    change, or was unsure): the same checks as action_start_dispute, then the form at once."""
    events = list(await ActionStartDispute().run(dispatcher, tracker, domain) or [])
    if SlotSet("can_start_dispute", True) in events:
        events.append(FollowupAction("dispute_form"))
    return events


def undisputed_order_named(tracker: Tracker, buyer: str) -> Optional[Any]:
    """The order the message names, when it has no dispute (so "change/escalate my dispute" cannot mean it)."""
    named = named_order(tracker, services().disputes.list_orders(buyer))
    return named if named is not None and not named.dispute_number else None


async def answer_again(action_name: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> List[EventType]:
    """Runs the action that answered the previous question (protection, status, refund) for this message."""
    from .disputes import ActionDisputeStatus, ActionRefundStatus
    from .orders import ActionCheckProtection

    by_name: Dict[str, Type[Action]] = {"action_check_protection": ActionCheckProtection,
                                        "action_dispute_status": ActionDisputeStatus,
                                        "action_refund_status": ActionRefundStatus}
    action = by_name[action_name]()
    return list(await action.run(dispatcher, tracker, domain) or [])
