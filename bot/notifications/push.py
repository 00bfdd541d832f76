"""Dispute news pushed to buyers on channels that can write first (Telegram): the seller answered, the
dispute was escalated or decided, a refund was issued, a help-desk agent acted.

The notifier reads new dispute events after a per-channel cursor, claims one delivery per event and
recipient (so several gateways never send the same news twice) and sends it with the channel's sender.
A failed send is retried on later rounds, up to MAX_ATTEMPTS.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import anyio

from bot.i18n import DEFAULT, N_, Translator, translator

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 100


@dataclass(frozen=True)
class PushEvent:
    event_id: int
    buyer_id: str
    dispute_number: str
    item: str
    currency: str
    action: str
    actor_kind: str
    actor_name: str
    detail: dict[str, Any] = field(default_factory=dict)
    language: str = DEFAULT  # the buyer's (buyers.language): the news is written in it


@dataclass(frozen=True)
class Recipient:
    event: PushEvent
    external_id: str


class PushStore(Protocol):
    def new_events(self, channel: str, limit: int) -> list[PushEvent]: ...
    def advance(self, channel: str, event_id: int) -> None: ...
    def recipients(self, channel: str, buyer_id: str) -> list[str]: ...
    def claim_delivery(self, event: PushEvent, channel: str, external_id: str) -> bool: ...
    def mark_delivery(self, event_id: int, channel: str, external_id: str, sent: bool) -> None: ...
    def retryable(self, channel: str, max_attempts: int, limit: int) -> list[Recipient]: ...


def _money(_: Translator, detail: dict[str, Any], currency: str) -> str:
    amount = detail.get("amount")
    if not amount:
        return ""
    if _.language == DEFAULT:
        return f"{amount} {currency}"  # as English news always read
    try:
        return _.money(Decimal(str(amount)), currency)
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"


def _day(_: Translator, value: Any) -> str:
    if _.language != DEFAULT:
        try:
            return _.day(date.fromisoformat(str(value)))
        except ValueError:
            pass
    return str(value)


# Every message is one whole sentence per event and variant (a translator sees the sentence, never fragments glued
# in code); `{number}` and `{item}` name the dispute, `{note}` is the seller's or the Dispute Team's own words.
ACCEPTED = N_("Dispute {number} ({item}): the seller accepted your request.")
REJECTED = {
    False: N_("Dispute {number} ({item}): the seller rejected your request. You can escalate it to the Dispute Team "
              "now: say 'escalate'."),
    True: N_("Dispute {number} ({item}): the seller rejected your request: \"{note}\". You can escalate it to the "
             "Dispute Team now: say 'escalate'."),
}
OFFERED = {
    ("full_refund", False): N_("Dispute {number} ({item}): the seller offered a full refund. You can accept it, or "
                               "escalate to the Dispute Team."),
    ("full_refund", True): N_("Dispute {number} ({item}): the seller offered a full refund (\"{note}\"). You can "
                              "accept it, or escalate to the Dispute Team."),
    ("partial_refund", False): N_("Dispute {number} ({item}): the seller offered a partial refund of {amount}. You "
                                  "can accept it, or escalate to the Dispute Team."),
    ("partial_refund", True): N_("Dispute {number} ({item}): the seller offered a partial refund of {amount} "
                                 "(\"{note}\"). You can accept it, or escalate to the Dispute Team."),
    ("another_item", False): N_("Dispute {number} ({item}): the seller offered to send another item. You can accept "
                                "it, or escalate to the Dispute Team."),
    ("another_item", True): N_("Dispute {number} ({item}): the seller offered to send another item (\"{note}\"). "
                               "You can accept it, or escalate to the Dispute Team."),
    (None, False): N_("Dispute {number} ({item}): the seller offered a solution. You can accept it, or escalate to "
                      "the Dispute Team."),
    (None, True): N_("Dispute {number} ({item}): the seller offered a solution (\"{note}\"). You can accept it, or "
                     "escalate to the Dispute Team."),
}
ESCALATED_LATE = N_("Dispute {number} ({item}): the seller did not answer in time, so it is now with the Dispute "
                    "Team.")
DECIDED = {
    (True, False): N_("Dispute {number} ({item}): the Dispute Team decided in your favour."),
    (True, True): N_("Dispute {number} ({item}): the Dispute Team decided in your favour. Note: \"{note}\""),
    (False, False): N_("Dispute {number} ({item}): the Dispute Team sided with the seller."),
    (False, True): N_("Dispute {number} ({item}): the Dispute Team sided with the seller. Note: \"{note}\""),
}
REFUND = {
    False: N_("Dispute {number} ({item}): a refund of {amount} was issued."),
    True: N_("Dispute {number} ({item}): a refund of {amount} was issued; expect it by {day}."),
}
# (An agent's own actions are never pushed, but for a decision: the agent tells the buyer in the conversation.)
BY_OTHERS = {
    "escalated": N_("Dispute {number} ({item}): it was escalated to the Dispute Team."),
    "opened": N_("Dispute {number} ({item}): it was filed for you. I'll tell you here when the seller answers."),
    "modified": N_("Dispute {number} ({item}): it was updated."),
    "cancelled": N_("Dispute {number} ({item}): it was cancelled."),
    "evidence_added": N_("Dispute {number} ({item}): new files were added."),
}
ACCEPT_OFFER = N_("Accept the offer")
ESCALATE = N_("Escalate")


def push_text(event: PushEvent) -> str | None:
    """What the buyer is told about an event, in the buyer's language, or None for events the buyer caused (they
    saw the answer)."""
    if event.actor_kind == "buyer":
        return None
    if event.actor_kind == "agent" and event.action != "decided":
        return None  # the agent tells the buyer in the conversation they are handling
    _ = translator(event.language)
    d = event.detail
    note = d.get("note")
    base: dict[str, Any] = {"number": event.dispute_number, "item": event.item[:60]}
    if note:
        base["note"] = note
    action = event.action
    if action == "seller_accepted":
        return _(ACCEPTED, **base)
    if action == "seller_rejected":
        return _(REJECTED[bool(note)], **base)
    if action == "seller_offered":
        resolution = str(d.get("resolution"))
        kind = resolution if resolution in ("full_refund", "partial_refund", "another_item") else None
        if kind == "partial_refund":
            base["amount"] = _money(_, d, event.currency)
        return _(OFFERED[(kind, bool(note))], **base)
    if action == "escalated" and event.actor_kind == "system":
        return _(ESCALATED_LATE, **base)
    if action == "decided":
        return _(DECIDED[(bool(d.get("in_buyers_favour")), bool(note))], **base)
    if action == "refund_issued":
        base.pop("note", None)
        base["amount"] = _money(_, d, event.currency)
        if d.get("expected_by"):
            base["day"] = _day(_, d.get("expected_by"))
        return _(REFUND[bool(d.get("expected_by"))], **base)
    if action in BY_OTHERS:
        base.pop("note", None)
        return _(BY_OTHERS[action], **base)
    return None


def push_buttons(event: PushEvent) -> list[dict[str, str]]:
    """Buttons sent with the news: the answers to a seller's offer (payloads the dialogue handles)."""
    if event.action != "seller_offered" or event.actor_kind != "seller":
        return []
    _ = translator(event.language)
    entities = json.dumps({"dispute_number": event.dispute_number}, separators=(",", ":"))
    return [{"title": _(ACCEPT_OFFER), "payload": f"/accept_offer{entities}"},
            {"title": _(ESCALATE), "payload": f"/escalate_dispute{entities}"}]


# (external_id, text), or (external_id, text, buttons) for news with buttons (push_buttons)
Sender = Callable[..., Awaitable[None]]


class Notifier:
    """One per channel per process; `run_once` is one round, `run_forever` the gateway's background task."""

    def __init__(self, channel: str, store: PushStore, send: Sender, interval_seconds: float) -> None:
        self.channel = channel
        self._store = store
        self._send = send
        self._interval = interval_seconds

    async def run_once(self) -> int:
        sent = 0
        retries = await anyio.to_thread.run_sync(self._store.retryable, self.channel, MAX_ATTEMPTS, BATCH)
        for recipient in retries:
            sent += await self._deliver(recipient.event, recipient.external_id)
        events = await anyio.to_thread.run_sync(self._store.new_events, self.channel, BATCH)
        for event in events:
            if push_text(event) is not None:
                for external_id in await anyio.to_thread.run_sync(self._store.recipients, self.channel,
                                                                  event.buyer_id):
                    if await anyio.to_thread.run_sync(self._store.claim_delivery, event, self.channel, external_id):
                        sent += await self._deliver(event, external_id)
            await anyio.to_thread.run_sync(self._store.advance, self.channel, event.event_id)
        return sent

    async def _deliver(self, event: PushEvent, external_id: str) -> int:
        text = push_text(event)
        ok = False
        try:
            buttons = push_buttons(event)
            if text and buttons:
                await self._send(external_id, text, buttons)
            elif text:
                await self._send(external_id, text)
            ok = True
        except Exception:  # the send is retried next round; the reason goes to the log
            log.exception("push of event %s to %s:%s failed", event.event_id, self.channel, external_id)
        await anyio.to_thread.run_sync(self._store.mark_delivery, event.event_id, self.channel, external_id, ok)
        return int(ok)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # keep pushing; a failed round is retried next interval
                log.exception("push round for %s failed", self.channel)
            await asyncio.sleep(self._interval)
