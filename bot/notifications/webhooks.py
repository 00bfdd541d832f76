"""Dispute events out to the marketplace's webhook (docs/integration.md, "Dispute events"): signing, verifying and
the delivery worker that reads the outbox.

The contract is at-least-once on the wire with a stable event id: an event is marked delivered only after a 2xx
answer, so a crash between the answer and the mark sends it again with the same id, and the receiver de-duplicates
on `X-Dispute-Event-Id`. On the worker's side each event is delivered once: claiming takes a lease in one
conditional UPDATE (bot.store.outbox), so two workers never send the same event at the same time.

Order per dispute: the store hands out a dispute's oldest event that is neither delivered nor failed, and nothing
after it until it is; events of different disputes are sent side by side. A failure (anything but 2xx, or no
answer) is retried with exponential backoff and jitter until the retry window after the event was written has
passed; then the event is marked failed and an operator may replay it (`python -m bot outbox replay`).

May import: the standard library and anyio only (the store comes in by constructor, the HTTP client as `post`).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Protocol

import anyio

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Dispute-Signature"
EVENT_ID_HEADER = "X-Dispute-Event-Id"
EVENT_TYPE_HEADER = "X-Dispute-Event-Type"
DEFAULT_TOLERANCE_SECONDS = 300  # receivers refuse signatures older (or newer) than this


def utc_iso(at: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a Z (2026-03-02T09:30:00Z)."""
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


# ---- signing ------------------------------------------------------------------------------------------------

def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Dispute-Signature value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, now: Optional[float] = None,
                     tolerance: float = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """Whether `header` (X-Dispute-Signature) signs exactly `body` (the raw bytes received) with `secret`, at a
    time no further than `tolerance` seconds from `now` (unix seconds; the current time by default). Several v1
    values are accepted (one per secret during a rotation); any matching one will do."""
    now = time.time() if now is None else now
    timestamp: Optional[int] = None
    macs: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            macs.append(value)
    if timestamp is None or not macs or abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, mac) for mac in macs)


# ---- the outbox as the worker sees it -----------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxEvent:
    event_id: str
    dispute_id: int
    event_type: str
    payload: dict[str, Any]  # the body's `data`
    created_at: datetime
    attempts: int  # attempts started, this one included


class OutboxStore(Protocol):
    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[OutboxEvent]:
        """Due events, at most one per dispute (its oldest undelivered, unfailed one), each leased until
        now + lease so that no other worker takes it meanwhile."""
        ...

    def mark_delivered(self, event_id: str, now: datetime) -> None: ...
    def mark_retry(self, event_id: str, next_attempt_at: datetime, error: str) -> None: ...
    def mark_failed(self, event_id: str, now: datetime, error: str) -> None: ...


def body_of(event: OutboxEvent) -> bytes:
    """The JSON body sent for an event: {"id", "type", "occurred_at", "data"}."""
    envelope = {"id": event.event_id, "type": event.event_type, "occurred_at": utc_iso(event.created_at),
                "data": event.payload}
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


# (url, body, headers) -> the HTTP status; raises on a connection error or a timeout.
Post = Callable[[str, bytes, Mapping[str, str]], Awaitable[int]]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: base, 2*base, 4*base, ... capped, each scaled by a random 0.5 to 1."""

    base_seconds: float = 5.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
        capped = min(self.max_seconds, self.base_seconds * 2 ** max(0, min(attempts - 1, 30)))
        return timedelta(seconds=capped * (0.5 + rand() / 2))


class WebhookWorker:
    """Sends the outbox's events to one URL. `run_once` is one round (returns how many were delivered);
    `run_forever` the gateway's background task."""

    def __init__(self, store: OutboxStore, post: Post, url: str, secret: str, *,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 retry_window: timedelta = timedelta(hours=48), backoff: Backoff = Backoff(),
                 lease: timedelta = timedelta(seconds=60), batch: int = 50, interval_seconds: float = 2.0) -> None:
        self._store = store
        self._post = post
        self.url = url
        self._secret = secret
        self._now = now
        self._window = retry_window
        self._backoff = backoff
        self._lease = lease
        self._batch = batch
        self._interval = interval_seconds

    async def run_once(self) -> int:
        events = await anyio.to_thread.run_sync(self._store.claim, self._now(), self._lease, self._batch)
        if not events:
            return 0
        results = await asyncio.gather(*(self._deliver(event) for event in events))
        return sum(results)

    async def _deliver(self, event: OutboxEvent) -> int:
        body = body_of(event)
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: event.event_id,
            EVENT_TYPE_HEADER: event.event_type,
            SIGNATURE_HEADER: sign(self._secret, body, int(self._now().timestamp())),
        }
        try:
            status = await self._post(self.url, body, headers)
            error = "" if 200 <= status < 300 else f"HTTP {status}"
        except Exception as exc:  # no answer: retried like any other failure
            error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        now = self._now()
        if not error:
            await anyio.to_thread.run_sync(self._store.mark_delivered, event.event_id, now)
            return 1
        deadline = event.created_at + self._window
        if now >= deadline:
            log.warning("dispute event %s (%s) failed for good after %d attempts: %s", event.event_id,
                        event.event_type, event.attempts, error)
            await anyio.to_thread.run_sync(self._store.mark_failed, event.event_id, now, error)
        else:
            later = min(now + self._backoff.delay(event.attempts), deadline)
            log.info("dispute event %s (%s) not delivered (%s); next attempt at %s", event.event_id,
                     event.event_type, error, utc_iso(later))
            await anyio.to_thread.run_sync(self._store.mark_retry, event.event_id, later, error)
        return 0

    async def run_forever(self) -> None:
        while True:
            try:
                delivered = await self.run_once()
            except Exception:  # keep delivering; a failed round is retried next interval
                log.exception("dispute event delivery round failed")
                delivered = 0
            if not delivered:
                await asyncio.sleep(self._interval)
