"""Buttons offered per conversation (bot.channels.payloads reads and writes them through this)."""
from __future__ import annotations

from datetime import timedelta
from typing import Optional, Sequence, Tuple

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.engine import Engine

from bot.disputes.clock import Clock

from . import tables as t
from .engine import read_connection

KEEP_PER_CONVERSATION = 40
KEEP_DAYS = 30


def _build_upsert(dialect: str):
    """Insert, or refresh an offer made again: SQLite and PostgreSQL share the ON CONFLICT form."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        raise NotImplementedError(f"offered buttons on {dialect}")
    b = t.offered_buttons
    statement = dialect_insert(b)
    return statement.on_conflict_do_update(
        index_elements=[b.c.conversation_id, b.c.payload_key],
        set_={"payload": statement.excluded.payload, "title": statement.excluded.title,
              "offered_at": statement.excluded.offered_at})


# Built once, values as parameters: a reused statement keeps its cache key and compiled form, where a new one
# per call cost SQLAlchemy a cache-key walk and, for the upsert, a compile, on every bot reply (py-spy: about a
# tenth of the gateway's CPU).
_UPSERTS = {dialect: _build_upsert(dialect) for dialect in ("sqlite", "postgresql")}
_b = t.offered_buttons
_CONVERSATION = bindparam("conversation_id")
_TRIM = delete(_b).where(and_(_b.c.conversation_id == _CONVERSATION, _b.c.payload_key.not_in(
    select(_b.c.payload_key).where(_b.c.conversation_id == _CONVERSATION)
    .order_by(_b.c.offered_at.desc()).limit(KEEP_PER_CONVERSATION).scalar_subquery())))
_BY_KEY = select(_b.c.payload, _b.c.title).where(and_(_b.c.conversation_id == _CONVERSATION,
                                                      _b.c.payload_key == bindparam("payload_key")))
_LATEST = select(_b.c.payload, _b.c.title).where(and_(
    _b.c.conversation_id == _CONVERSATION,
    _b.c.offered_at == select(_b.c.offered_at).where(_b.c.conversation_id == _CONVERSATION)
    .order_by(_b.c.offered_at.desc()).limit(1).scalar_subquery()))


def _upsert(dialect: str):
    statement = _UPSERTS.get(dialect)
    return statement if statement is not None else _build_upsert(dialect)


class SqlOfferedButtons:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, conversation_id: str, buttons: Sequence[Tuple[str, str, str]]) -> None:
        """(key, payload, title) triples; an offer made again is refreshed. Keeps the latest 40 per conversation."""
        now = self._clock.now()
        rows = {key: {"conversation_id": conversation_id, "payload_key": key, "payload": payload,
                      "title": title[:200], "offered_at": now} for key, payload, title in buttons}
        if not rows:
            return
        with self._engine.begin() as conn:  # one transaction and one statement per reply
            conn.execute(_upsert(conn.dialect.name), list(rows.values()))
            conn.execute(_TRIM, {"conversation_id": conversation_id})

    def mark(self, conversation_id: str, key: str) -> None:
        """One fixed-key row saying "the latest reply had no buttons": one statement, nothing to trim."""
        with self._engine.begin() as conn:
            conn.execute(_upsert(conn.dialect.name), [{"conversation_id": conversation_id, "payload_key": key,
                                                       "payload": "", "title": "", "offered_at": self._clock.now()}])

    def by_key(self, conversation_id: str, key: str) -> Optional[Tuple[str, str]]:
        with read_connection(self._engine) as conn:
            row = conn.execute(_BY_KEY, {"conversation_id": conversation_id, "payload_key": key}).first()
        return (row.payload, row.title) if row is not None else None

    def latest(self, conversation_id: str) -> Sequence[Tuple[str, str]]:
        """(payload, title) of the buttons offered with the bot's latest reply that had any."""
        with read_connection(self._engine) as conn:
            rows = conn.execute(_LATEST, {"conversation_id": conversation_id}).all()
        return [(row.payload, row.title) for row in rows]

    def prune(self) -> int:
        with self._engine.begin() as conn:
            return conn.execute(delete(t.offered_buttons).where(
                t.offered_buttons.c.offered_at < self._clock.now() - timedelta(days=KEEP_DAYS))).rowcount or 0

    def count(self, conversation_id: str) -> int:
        b = t.offered_buttons
        with read_connection(self._engine) as conn:
            return len(conn.execute(select(b.c.payload_key).where(b.c.conversation_id == conversation_id)).all())


