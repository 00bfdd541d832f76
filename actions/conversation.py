"""Fallback in two stages, and asking for a person."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet, UserUtteranceReverted

from bot.conversation.draft import FORM_SLOTS
from bot.disputes.matching import match_orders

from .common import (
    button,
    buyer_id,
    dispute_buttons,
    follow_up_of,
    item_meaning,
    previous_answer,
    services,
    translated,
    with_entities,
)
from .dispute_form import answer_again, ask_current_step, named_order, start_instead
from .disputes import ActionConfirmPending, ActionEscalateDispute, says_yes_or_no_to_the_pending_question
from .replies import dispute_text
from .triage import MISSED, PICKERS, carry_on_with, picked_dispute, what_i_can_do

FALLBACK = "action_fallback"


def previous_turn_was_fallback(tracker: Tracker) -> bool:
    """True when the bot's last answer before this message was itself a fallback."""
    return previous_answer(tracker) == FALLBACK


class ActionFallback(Action):
    """First miss: ask to rephrase. Second miss in a row: offer a person and the main options."""

    def name(self) -> str:
        return FALLBACK

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        _ = translated(tracker)
        pick_for = tracker.get_slot("pick_for")
        buyer = buyer_id(tracker)
        previous = follow_up_of(tracker) if buyer is not None else None
        if previous is not None:  # "what about the shoes?" after a status answer
            return await answer_again(previous, dispatcher, tracker, domain)
        if says_yes_or_no_to_the_pending_question(tracker):
            return await ActionConfirmPending().run(dispatcher, tracker, domain)  # "yep go" read as unsure
        if pick_for in PICKERS and buyer is not None:
            chosen = picked_dispute(tracker, buyer)
            if chosen is not None:  # "the second one": the answer to "Which dispute?", not a miss
                return await carry_on_with(chosen, pick_for, dispatcher, tracker, domain)
        outside_form = buyer is not None and not tracker.active_loop.get("name")
        summaries = services().disputes.list_orders(buyer) if buyer is not None and outside_form else []
        disputed = disputed_order_named(tracker, summaries) if outside_form else None
        if disputed is not None and buyer is not None:  # (outside_form implies a buyer)
            # "whats up with the charger case": one order with a dispute fits the words, so its status.
            details = services().disputes.dispute_status(buyer, disputed.dispute_number)
            dispatcher.utter_message(text=dispute_text(_, details), buttons=dispute_buttons(_, details))
            return [SlotSet("last_dispute", disputed.dispute_number)]
        if outside_form and has_dispute_facts(tracker, summaries):
            # "smart watch still hasnt come, open a dispute": unsure of the request, sure of the facts.
            return await start_instead(dispatcher, tracker, domain)
        if not previous_turn_was_fallback(tracker):
            dispatcher.utter_message(text=_(MISSED))
            await ask_current_step(dispatcher, tracker, domain)  # in the middle of the form: its question again
        else:
            # Second miss in a row: a person takes over (the gateway queues the conversation on this payload).
            dispatcher.utter_message(text=_("Sorry, I still don't understand. I'm getting a person from our help "
                                            "desk; they will see what you wrote."))
            dispatcher.utter_message(json_message={"handoff": {"reason": "fallback", "draft": draft_of(tracker)}})
        # The misunderstood message is taken back so it does not steer the dialogue.
        return [UserUtteranceReverted()]


def disputed_order_named(tracker: Tracker, summaries):
    """The one order with a dispute that the message's words fit, if exactly one does."""
    summaries = [s for s in summaries if s.dispute_number]
    if any(e.get("entity") == "problem" for e in tracker.latest_message.get("entities") or []):
        return None  # a new complaint, not a question about a case
    matches = match_orders([s.order for s in summaries], tracker.latest_message.get("text") or "",
                           item_meaning(tracker))
    return next(s for s in summaries if s.order.number == matches[0].number) if len(matches) == 1 else None


def has_dispute_facts(tracker: Tracker, summaries) -> bool:
    """A problem with an item, or an order named together with the word dispute/refund/claim."""
    if any(e.get("entity") == "problem" for e in tracker.latest_message.get("entities") or []):
        return True
    text = (tracker.latest_message.get("text") or "").lower()
    if not any(word in text for word in ("dispute", "refund", "claim", "complain")):
        return False
    return named_order(tracker, summaries) is not None


class ActionLastResort(Action):
    """Replaces Rasa's default fallback, which answers nothing when no rule or story fits (utter_default is not
    defined): the buyer hears what the bot can do now, with the current step's question and buttons."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        _ = translated(tracker)
        if await ask_current_step_after(dispatcher, tracker, domain, _("Sorry, I lost the thread for a moment. "
                                                                        "We're still on your dispute:")):
            return [UserUtteranceReverted()]
        if tracker.get_slot("awaiting_confirmation"):
            dispatcher.utter_message(text=_("Sorry, I didn't get that. Please answer yes or no to my last question."),
                                     buttons=[button(_("Yes"), "affirm"), button(_("No"), "deny")])
            return [UserUtteranceReverted()]
        if tracker.get_intent_of_latest_message() in ("affirm", "deny"):
            answered = await answer_to_open_offer(dispatcher, tracker)
            if answered is not None:
                return [UserUtteranceReverted(), *answered]
            # A repeated "yes" after the thing was done, or a "no" to a question no longer open.
            dispatcher.utter_message(text=_("There's no question waiting for a yes or no right now. I can show "
                                            "your orders and their Buyer Protection, open or follow a dispute, or "
                                            "get you a person. What would you like?"), buttons=what_i_can_do(_))
            return [UserUtteranceReverted()]
        dispatcher.utter_message(text=_("Sorry, I lost the thread there. I can show your orders and their Buyer "
                                        "Protection, open or follow a dispute, or get you a person. What would you "
                                        "like?"), buttons=what_i_can_do(_))
        return [UserUtteranceReverted()]


async def answer_to_open_offer(dispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """A bare yes or no with no question of ours open, while a seller's offer waits for the buyer: the answer to
    the news of that offer (pushed outside the conversation, so the dialogue never asked). A yes asks to accept,
    saying what accepting means; a no asks whether to escalate instead. None when no single offer is open."""
    from .offers import ask_to_accept, has_offer, offer_words

    buyer = buyer_id(tracker)
    if buyer is None:
        return None
    offers = [d for d in services().disputes.list_disputes(buyer) if has_offer(d)]
    if len(offers) != 1:
        return None
    [offer] = offers
    _ = translated(tracker)
    if tracker.get_intent_of_latest_message() == "affirm":
        return ask_to_accept(dispatcher, _, offer, datetime.now(timezone.utc).date())
    number = offer.dispute.number
    dispatcher.utter_message(text=_("OK, you don't accept the seller's offer on dispute {number} ({offer}).",
                                    number=number, offer=offer_words(_, offer)))
    return await ActionEscalateDispute().run(
        dispatcher, with_entities(tracker, {"entity": "dispute_number", "value": number}), {})


async def ask_current_step_after(dispatcher, tracker, domain, text: str) -> bool:  # (text already translated)
    if not tracker.active_loop.get("name") or not tracker.get_slot("requested_slot"):
        return False
    dispatcher.utter_message(text=text)
    return await ask_current_step(dispatcher, tracker, domain)


def draft_of(tracker: Tracker) -> dict:
    """What the dispute form has collected so far, for the agent's case summary."""
    draft = {slot: tracker.get_slot(slot) for slot in FORM_SLOTS + ("evidence_files",)}
    if tracker.active_loop.get("name"):
        draft["asking"] = tracker.get_slot("requested_slot")
    return {k: v for k, v in draft.items() if v is not None}


class ActionRequestHuman(Action):
    """Asks the gateway (custom payload) to queue the conversation for the help desk, with the form so far."""

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        _ = translated(tracker)
        reason = "asked"
        buyer = buyer_id(tracker)
        if buyer is not None:
            try:
                if any(d.dispute.status.value == "escalated" for d in services().disputes.list_disputes(buyer)):
                    reason = "escalated"
            except Exception:  # the reason is a hint for agents; the hand-off must not fail on it
                pass
        dispatcher.utter_message(text=_("I'm asking a person from our help desk to join. They will see what we "
                                        "have so far, so you won't need to repeat it."))
        dispatcher.utter_message(json_message={"handoff": {"reason": reason, "draft": draft_of(tracker)}})
        return [SlotSet("handoff_requested", True)]


class ActionBackToBot(Action):
    """The help desk handed the conversation back (the gateway says what happened in the metadata)."""

    def name(self) -> str:
        return "action_back_to_bot"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        _ = translated(tracker)
        metadata = tracker.latest_message.get("metadata") or {}
        handoff = metadata.get("handoff") if isinstance(metadata.get("handoff"), dict) else None
        events: List[EventType] = [SlotSet("handoff_requested", None)]
        if handoff is None:
            dispatcher.utter_message(text=_("You're talking to the assistant. What can I do for you?"))
            return events
        agent = handoff.get("agent")
        lines = [_("You're back with the assistant.")]
        if agent:
            lines.append(_("{agent} from our help desk has handed the conversation back.", agent=agent))
        if handoff.get("note"):
            lines.append(_("Their note: \"{note}\"", note=handoff["note"]))
        numbers = [n for n in handoff.get("disputes") or [] if isinstance(n, str)]
        if numbers:
            lines.append(_("Dispute {numbers} is on record; ask me for its status any time.",
                           numbers=", ".join(numbers)))
            events.append(SlotSet("last_dispute", numbers[0]))
            # The agent filed or changed the dispute: the half-filled form is done with.
            events += [SlotSet(slot, None) for slot in FORM_SLOTS + ("evidence_files", "draft_id")]
        elif any(tracker.get_slot(slot) is not None for slot in FORM_SLOTS):
            # The buyer left a half-filled dispute for the help desk: carry on at its next question, with what
            # was already said, instead of starting over from the order.
            lines.append(_("Let's carry on with your dispute where we left off."))
            dispatcher.utter_message(text=" ".join(lines))
            return events + [FollowupAction("dispute_form")]
        dispatcher.utter_message(text=" ".join(lines))
        return events
