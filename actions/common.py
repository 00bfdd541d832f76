"""Shared glue for actions: who the buyer is (from channel metadata only), the services, error replies."""
from __future__ import annotations

import functools
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.composition import build_services
from bot.disputes.errors import DomainError
from bot.disputes.matching import ItemMeaning, match_orders, order_by_reference
from bot.disputes.model import DisputeStatus
from bot.disputes.services import DisputeDetails
from bot.i18n import DEFAULT, N_, Translator, supported, translator
from bot.services import Services

log = logging.getLogger(__name__)

_services: Optional[Services] = None

# Marked for the catalogue here, translated where they are sent (`_(NOT_SIGNED_IN)`).
NOT_SIGNED_IN = N_(
    "I can answer general questions, but to look at your orders I need to know who you are. "
    "Open this chat from your account (My Orders > Help), or on Telegram send /start with the link code "
    "from your account page."
)
SOMETHING_WENT_WRONG = N_(
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment, "
    "or say 'agent' to reach a person."
)


def services() -> Services:
    """Built on first use, never at import, so importing the action package connects to nothing."""
    global _services
    if _services is None:
        _services = build_services()
    return _services


def use_services(instance: Optional[Services]) -> None:
    """Lets tests (and the action-server launcher) hand in the services to use."""
    global _services
    _services = instance


def buyer_id(tracker: Tracker) -> Optional[str]:
    """The signed-in buyer, as the channel vouched for it in the message metadata. Never from text or slots."""
    metadata = tracker.latest_message.get("metadata") or {}
    value = metadata.get("buyer_id") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


def language_of(tracker: Tracker) -> str:
    """The conversation's language: the `language` slot, else the language the channel sent with this message
    (the slot is not set yet on a conversation's first turn), else English."""
    language = supported(tracker.get_slot("language"))
    if language is None:
        metadata = tracker.latest_message.get("metadata") or {}
        language = supported(metadata.get("language")) if isinstance(metadata, dict) else None
    return language or DEFAULT


def translated(tracker: Tracker) -> Translator:
    """The `_` an action writes its texts with, in the conversation's language."""
    return translator(language_of(tracker))


def error_text(_: Translator, exc: DomainError) -> str:
    """A domain error as the buyer reads it: its catalogue template when it has one (the English `message` is
    built in bot.disputes, which knows no languages), else that English message."""
    template = getattr(exc, "template", None)
    if template:
        return _(template, **(getattr(exc, "params", None) or {}))
    return exc.message


def entity_values(tracker: Tracker, name: str) -> List[Any]:
    values: List[Any] = []
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in values:
            values.append(entity.get("value"))
    return values


def payload(intent: str, **entities: Any) -> str:
    """A button payload; the gateway only lets through payloads the bot offered in that conversation."""
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


def button(title: str, intent: str, **entities: Any) -> Dict[str, str]:
    """A button; its title is already translated by the caller, its payload never is."""
    return {"title": title, "payload": payload(intent, **entities)}


ActionRun = Callable[..., Awaitable[List[Dict[str, Any]]]]


def needs_buyer(run: ActionRun) -> ActionRun:
    """Answers unknown buyers with how to sign in; turns domain errors into their message, and any other
    failure into an apology (logged with the conversation id), so no turn fails silently."""

    @functools.wraps(run)
    async def wrapper(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]):
        # Actions that rules expect to set slots say which events to return when they stop early.
        early: List[Dict[str, Any]] = list(getattr(self, "events_when_stopped", []))
        _ = translated(tracker)
        buyer = buyer_id(tracker)
        if buyer is None:
            dispatcher.utter_message(text=_(NOT_SIGNED_IN))
            return early
        try:
            return await run(self, dispatcher, tracker, domain, buyer)
        except DomainError as exc:
            dispatcher.utter_message(text=error_text(_, exc))
            return early
        except Exception:
            log.exception("action %s failed for conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=_(SOMETHING_WENT_WRONG))
            return early

    return wrapper


def dispute_buttons(_: Translator, details: DisputeDetails) -> List[Dict[str, str]]:
    """What the buyer can do next with an open dispute, one tap away."""
    d = details.dispute
    if not d.is_open:
        return []
    buttons = [button(_("Change / add photos"), "modify_dispute", dispute_number=d.number)]
    if d.status is DisputeStatus.SELLER_OFFERED and d.seller_offer is not None:
        buttons.append(button(_("Accept the offer"), "accept_offer", dispute_number=d.number))
    if d.status is not DisputeStatus.ESCALATED:
        buttons.append(button(_("Escalate"), "escalate_dispute", dispute_number=d.number))
    buttons.append(button(_("Cancel dispute"), "cancel_dispute", dispute_number=d.number))
    return buttons


ANSWERS_TO_FOLLOW = ("action_check_protection", "action_dispute_status", "action_refund_status")


def previous_answer(tracker: Tracker) -> Optional[str]:
    """The action that answered the buyer's previous message (the last one before the current message)."""
    seen_current_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current_message:
                return None
            seen_current_message = True
        elif seen_current_message and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


def follow_up_of(tracker: Tracker) -> Optional[str]:
    """The action that answered the previous message, when this one only asks the same about another order
    ("and the dress?" after the earbuds' protection)."""
    from bot.conversation.answers import is_follow_up

    if not is_follow_up(tracker.latest_message.get("text") or "") or tracker.active_loop.get("name"):
        return None
    previous = previous_answer(tracker)
    return previous if previous in ANSWERS_TO_FOLLOW else None


def item_meaning(tracker: Tracker) -> Optional[ItemMeaning]:
    """For a conversation in another language than the item titles' (English in the demo marketplace): what the
    buyer's words mean among the titles ("los auriculares"); English conversations match words only, as before."""
    return services().item_meaning if language_of(tracker) != DEFAULT else None


def orders_in_words(tracker: Tracker, summaries) -> List[Any]:
    """The orders the message names without a number: "my last order", the item words the extractor tagged,
    else the words of the whole message ("a dispute for my reel")."""
    by_number = {s.order.number: s for s in summaries}
    refs = entity_values(tracker, "order_ref")
    if refs:
        order = order_by_reference([s.order for s in summaries], str(refs[0]))
        return [by_number[order.number]] if order else []
    items = [str(i) for i in entity_values(tracker, "item")]
    text = " ".join(items) if items else (tracker.latest_message.get("text") or "")
    return [by_number[o.number] for o in match_orders([s.order for s in summaries], text, item_meaning(tracker))]


def with_entities(tracker: Tracker, *entities: Dict[str, Any], keep: bool = True) -> Tracker:
    """The tracker with entities added to its latest message (or instead of them), for running another action
    as if the buyer had named that order or dispute."""
    copy = tracker.copy()
    kept = list(tracker.latest_message.get("entities") or []) if keep else []
    copy.latest_message = {**tracker.latest_message, "entities": kept + list(entities)}
    return copy
