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
from typing import Any, Protocol

import anyio

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


def _money(detail: dict[str, Any], currency: str) -> str:
    amount = detail.get("amount")
    return f"{amount} {currency}" if amount else ""


def push_text(event: PushEvent) -> str | None:
    """What the buyer is told about an event, or None for events the buyer caused (they saw the answer)."""
    if event.actor_kind == "buyer":
        return None
    if event.actor_kind == "agent" and event.action != "decided":
        return None  # the agent tells the buyer in the conversation they are handling
    head = f"Dispute {event.dispute_number} ({event.item[:60]}): "
    d = event.detail
    by_agent = f" {event.actor_name} from our help desk" if event.actor_kind == "agent" and event.actor_name else ""
    texts = {
        "seller_accepted": "the seller accepted your request.",
        "seller_rejected": "the seller rejected your request"
                           + (f": \"{d.get('note')}\"" if d.get("note") else "") + ". You can escalate it to "
                           "the Dispute Team now: say 'escalate'.",
        "seller_offered": "the seller offered " + ({
            "full_refund": "a full refund", "partial_refund": f"a partial refund of {_money(d, event.currency)}",
            "another_item": "to send another item"}.get(str(d.get("resolution")), "a solution"))
            + (f" (\"{d.get('note')}\")" if d.get("note") else "") + ". You can accept it, or escalate to the "
            "Dispute Team.",
        "escalated": "the seller did not answer in time, so it is now with the Dispute Team."
                     if event.actor_kind == "system" else f"it was escalated to the Dispute Team{by_agent}.",
        "decided": ("the Dispute Team decided in your favour." if d.get("in_buyers_favour")
                    else "the Dispute Team sided with the seller.")
                   + (f" Note: \"{d.get('note')}\"" if d.get("note") else ""),
        "refund_issued": f"a refund of {_money(d, event.currency)} was issued"
                         + (f"; expect it by {d.get('expected_by')}." if d.get("expected_by") else "."),
        "opened": f"it was filed for you{by_agent}. I'll tell you here when the seller answers.",
        "modified": f"it was updated{by_agent}.",
        "cancelled": f"it was cancelled{by_agent}.",
        "evidence_added": f"new files were added{by_agent}.",
    }
    text = texts.get(event.action)
    return head + text if text else None


def push_buttons(event: PushEvent) -> list[dict[str, str]]:
    """Buttons sent with the news: the answers to a seller's offer (payloads the dialogue handles)."""
    if event.action != "seller_offered" or event.actor_kind != "seller":
        return []
    entities = json.dumps({"dispute_number": event.dispute_number}, separators=(",", ":"))
    return [{"title": "Accept the offer", "payload": f"/accept_offer{entities}"},
            {"title": "Escalate", "payload": f"/escalate_dispute{entities}"}]


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
