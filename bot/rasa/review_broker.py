"""Rasa's event broker for the review inbox (endpoints.yml `event_broker`), loaded by Rasa, in Rasa's process.

Rasa hands it every event of every turn, in order, once the turn is stored (bot.rasa.tracker_store). The
recorder (bot.review.recorder) decides in memory which buyer messages the bot was unsure about; only those are
written, by one background thread, so the event loop never waits for the database. Nothing here raises into Rasa:
an event it cannot read, a full queue or a database that refuses the write costs that one record and a warning in
the log, never the turn. The buyer's text stays out of the log.

Settings come from endpoints.yml like the other endpoints' (`python -m bot process-env`): `url` is the dispute
store (empty: the inbox is off and Rasa gets no broker), `min_confidence` and `min_margin` the thresholds.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from typing import Any, Callable, Dict, List, Optional

from rasa.core.brokers.broker import EventBroker

from bot.review.model import Sighting
from bot.review.recorder import Thresholds, TurnRecorder

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000  # sightings waiting for the database; beyond that they are dropped (with a warning)
_STOP = object()


def _store_for(url: str) -> Any:
    from bot.composition import build_review_store

    return build_review_store(url)


class ReviewInboxBroker(EventBroker):
    def __init__(self, database_url: str, thresholds: Thresholds = Thresholds(),
                 store_factory: Optional[Callable[[], Any]] = None, queue_size: int = QUEUE_SIZE) -> None:
        self._recorder = TurnRecorder(thresholds)
        # The engine is built on the first write, in the writer thread: nothing connects when Rasa starts.
        self._store_factory = store_factory or (lambda: _store_for(database_url))
        self._store: Any = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._writer: Optional[threading.Thread] = None
        self._start_lock = threading.Lock()
        self.recorded = 0
        self.failed = 0
        self.dropped = 0

    @classmethod
    async def from_endpoint_config(cls, broker_config: Any, event_loop: Any = None) -> Optional[ReviewInboxBroker]:
        url = str(getattr(broker_config, "url", "") or "").strip()
        if not url:
            log.info("review inbox off (REVIEW_INBOX=0): no buyer messages are recorded for review")
            return None
        kwargs = getattr(broker_config, "kwargs", {}) or {}
        defaults = Thresholds()
        thresholds = Thresholds(min_confidence=_number(kwargs.get("min_confidence"), defaults.min_confidence),
                                min_margin=_number(kwargs.get("min_margin"), defaults.min_margin))
        return cls(url, thresholds)

    # ---- Rasa's EventBroker interface -----------------------------------------------------------------------

    def publish(self, event: Dict[str, Any]) -> None:
        try:
            sightings = self._recorder.feed(event)
        except Exception:  # an event of a shape never seen: that event is skipped, the turn goes on
            kind = event.get("event") if isinstance(event, dict) else None
            log.exception("review inbox: could not read an event (%s)", kind if isinstance(kind, str) else "?")
            return
        for sighting in sightings:
            self._enqueue(sighting)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        """Writes what is queued (for up to 5 s), then stops the writer."""
        writer = self._writer
        if writer is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=1.0)
        await asyncio.get_running_loop().run_in_executor(None, writer.join, 5.0)
        engine = getattr(self._store, "engine", None)
        if engine is not None:
            engine.dispose()

    # ---- several Rasa processes: bot.rasa.tracker_store asks before publishing ------------------------------

    def needs_history(self, sender_id: str) -> bool:
        return not self._recorder.knows(sender_id)

    def catch_up(self, sender_id: str, events: List[Dict[str, Any]]) -> None:
        try:
            self._recorder.catch_up(sender_id, events)
        except Exception:
            log.exception("review inbox: could not read a conversation's earlier events")

    # ---- the writer -----------------------------------------------------------------------------------------

    def flush(self, timeout: float = 5.0) -> bool:
        """Waits until everything queued so far is written or given up (tests, shutdown). True if it was."""
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        self._ensure_writer()
        return done.wait(timeout)

    def _enqueue(self, sighting: Sighting) -> None:
        try:
            self._queue.put_nowait(sighting)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.warning("review inbox: %d message(s) dropped, the database is not keeping up", self.dropped)
            return
        self._ensure_writer()

    def _ensure_writer(self) -> None:
        if self._writer is not None and self._writer.is_alive():
            return
        with self._start_lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_forever, name="review-inbox", daemon=True)
                self._writer.start()

    def _write_forever(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                if self._store is None:
                    self._store = self._store_factory()
                self._store.record(item)
                self.recorded += 1
            except Exception as exc:  # the database refused or is gone: this record is lost, the next may pass
                cause = getattr(exc, "orig", None) or exc
                log.warning("review inbox: a message could not be recorded (%s); it is dropped",
                            type(cause).__name__)
                self.failed += 1


def _number(value: Any, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        log.warning("review inbox: threshold %r is no number; using %s", value, default)
        return default
