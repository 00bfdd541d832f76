"""Rasa's conversation store (endpoints.yml `tracker_store`): Rasa's SQL tracker store, with the latest session
of recently active conversations kept in memory. Loaded by Rasa, in Rasa's process.

Rasa's own store reads every event of the session back from the database for each buyer message and counts
them again before each save: about a third of Rasa's CPU under load (py-spy, docs/adr/0006-performance.md).
Here each conversation's rows are read once; afterwards only rows with a higher id are fetched, so the
database stays the truth and several Rasa processes can share it. That holds because Rasa handles one
conversation under its lock store's lock from the read to the save, so one conversation's rows are written
one turn at a time, in id order. Rows deleted behind Rasa's back are not noticed until the conversation
leaves the cache (after CACHE_IDLE_SECONDS or when CACHE_CONVERSATIONS newer ones pushed it out).

Events go to the event broker (endpoints.yml `event_broker`: the review inbox, bot.rasa.review_broker) after they
are committed, taken from the same list that was written: Rasa's own `stream_events` would read the whole
conversation back once more for each save to find them. A broker that has not seen the conversation before (another
Rasa process had its last turns) is given its last events first, when it asks for them (`needs_history`).

On SQLite the store keeps its connections open (Rasa opens one per query there) and uses WAL with
synchronous=NORMAL: a commit no longer waits for the disk twice, and a crash of the process loses nothing
committed (only a power cut can lose the last commits).
"""
from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger(__name__)

CACHE_CONVERSATIONS = 2000
# Events handed to a broker that asks for a conversation's history: a few turns are all it looks back at.
BROKER_HISTORY_EVENTS = 60
CACHE_IDLE_SECONDS = 1800.0


@dataclass
class _Row:
    id: int
    timestamp: Optional[float]
    type_name: str
    data: str  # the stored JSON text: parsed anew for each tracker, so no two trackers share mutable dicts


@dataclass
class _Session:
    """The rows of a conversation's latest session, as Rasa's `_event_query` would return them."""

    rows: List[_Row] = field(default_factory=list)
    last_id: int = 0
    used_at: float = 0.0

    def extend(self, rows: List[_Row]) -> None:
        if not rows:
            return
        self.rows.extend(rows)
        self.last_id = max(self.last_id, rows[-1].id)
        starts = [r.timestamp for r in rows if r.type_name == SessionStarted.type_name and r.timestamp is not None]
        if starts:
            # Same cut as Rasa's query: from the latest SessionStarted's timestamp on.
            start = max(starts)
            self.rows = [r for r in self.rows if r.timestamp is not None and r.timestamp >= start]


class CachedSQLTrackerStore(SQLTrackerStore):
    # A failed read raises (the turn fails and the buyer is told to try again): bot.patches.rasa keeps Rasa from
    # wrapping this store in its FailSafeTrackerStore, which would answer with a blank conversation.
    fails_loudly = True
    engine: Any  # SQLAlchemy's, built by Rasa's store (replaced below for PostgreSQL)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._tune_sqlite()
        else:
            # Rasa's engine hands out pooled connections unchecked: after a database restart or terminated
            # connections, the next turn would fail on a dead one.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        table = self.SQLEvent.__table__
        self._newer_rows = (
            sa.select(table.c.id, table.c.timestamp, table.c.type_name, table.c.data)
            .where(table.c.sender_id == sa.bindparam("sender_id"), table.c.id > sa.bindparam("after_id"))
            .order_by(table.c.id))
        self._insert = table.insert()
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def _tune_sqlite(self) -> None:
        url = self.engine.url
        self.engine.dispose()
        # One process, one event-loop thread: a small pool of kept connections instead of one per query.
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                                       connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    # ---- the cache ------------------------------------------------------------------------------------------

    def _current(self, db_session: Any, sender_id: str) -> _Session:
        """The conversation's latest session, brought up to date with the database."""
        now = time.monotonic()
        cached = self._sessions.get(sender_id)
        if cached is not None and now - cached.used_at > CACHE_IDLE_SECONDS:
            cached = None
        if cached is None:
            cached = _Session()
            cached.extend([_Row(r.id, r.timestamp, r.type_name, r.data)
                           for r in self._event_query(db_session, sender_id, fetch_events_from_all_sessions=False)])
        else:
            cached.extend([_Row(*r) for r in db_session.execute(
                self._newer_rows, {"sender_id": sender_id, "after_id": cached.last_id})])
        cached.used_at = now
        self._sessions[sender_id] = cached
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > CACHE_CONVERSATIONS:
            self._sessions.popitem(last=False)
        return cached

    def _forget(self, sender_id: str) -> None:
        self._sessions.pop(sender_id, None)

    # ---- Rasa's TrackerStore interface ----------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        try:
            rows = self._rows(sender_id)
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            rows = self._rows(sender_id)  # a read, safe to repeat once on a fresh connection
        if not self.domain or not rows:
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(r.data) for r in rows], self.domain.slots)

    def _rows(self, sender_id: str) -> List[_Row]:
        with self.session_scope() as db_session:
            try:
                return list(self._current(db_session, sender_id).rows)
            except Exception:
                self._forget(sender_id)
                raise

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        with self.session_scope() as db_session:
            try:
                cached = self._current(db_session, sender_id)
                # The tracker holds the stored session followed by what this turn added (as Rasa's own save
                # assumes when it counts the stored events).
                new_events = list(tracker.events)[len(cached.rows):]
                added: List[_Row] = []
                published: List[dict] = []
                for event in new_events:
                    data = event.as_dict()
                    published.append(data)
                    text = json.dumps(data)
                    result = db_session.execute(self._insert, {
                        "sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                        "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                        "action_name": data.get("name"), "data": text})
                    added.append(_Row(result.inserted_primary_key[0], data.get("timestamp"), event.type_name, text))
                db_session.commit()
            except Exception:
                # Whatever was or wasn't written, the next read starts again from the database.
                self._forget(sender_id)
                raise
        cached.extend(added)
        if self.event_broker is not None and published:
            self._publish(tracker, len(new_events), published)

    def _publish(self, tracker: DialogueStateTracker, new_count: int, published: List[dict]) -> None:
        """Hands the turn's stored events to the event broker. The turn is stored: nothing here may fail it."""
        broker = self.event_broker
        sender_id = tracker.sender_id
        try:
            needs_history = getattr(broker, "needs_history", None)
            if needs_history is not None and needs_history(sender_id):
                earlier = list(tracker.events)[:-new_count][-BROKER_HISTORY_EVENTS:]
                broker.catch_up(sender_id, [e.as_dict() for e in earlier])
            for data in published:
                broker.publish({"sender_id": sender_id, **data})
        except Exception:
            log.exception("the event broker failed on a stored turn; the turn is unaffected")
