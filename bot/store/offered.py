"""Buttons offered per conversation (bot.channels.payloads reads and writes them through this)."""
from __future__ import annotations

from datetime import timedelta
from typing import Optional, Sequence, Tuple

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.disputes.clock import Clock

from . import tables as t
from .engine import read_connection

KEEP_PER_CONVERSATION = 40
KEEP_DAYS = 30


class SqlOfferedButtons:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, conversation_id: str, buttons: Sequence[Tuple[str, str, str]]) -> None:
        """(key, payload, title) triples; an offer made again is refreshed. Keeps the latest 40 per conversation."""
        b = t.offered_buttons
        now = self._clock.now()
        with self._engine.begin() as conn:  # one transaction per reply, however many buttons it has
            for key, payload, title in buttons:
                values = {"payload": payload, "title": title[:200], "offered_at": now}
                try:
                    with conn.begin_nested():
                        conn.execute(insert(b).values(conversation_id=conversation_id, payload_key=key, **values))
                except IntegrityError:
                    conn.execute(update(b).where(and_(b.c.conversation_id == conversation_id,
                                                      b.c.payload_key == key)).values(**values))
            keep = select(b.c.payload_key).where(b.c.conversation_id == conversation_id) \
                .order_by(b.c.offered_at.desc()).limit(KEEP_PER_CONVERSATION).scalar_subquery()
            conn.execute(delete(b).where(and_(b.c.conversation_id == conversation_id, b.c.payload_key.not_in(keep))))

    def by_key(self, conversation_id: str, key: str) -> Optional[Tuple[str, str]]:
        b = t.offered_buttons
        with read_connection(self._engine) as conn:
            row = conn.execute(select(b.c.payload, b.c.title).where(and_(b.c.conversation_id == conversation_id,
                                                                         b.c.payload_key == key))).first()
        return (row.payload, row.title) if row is not None else None

    def prune(self) -> int:
        with self._engine.begin() as conn:
            return conn.execute(delete(t.offered_buttons).where(
                t.offered_buttons.c.offered_at < self._clock.now() - timedelta(days=KEEP_DAYS))).rowcount or 0

    def count(self, conversation_id: str) -> int:
        b = t.offered_buttons
        with read_connection(self._engine) as conn:
            return len(conn.execute(select(b.c.payload_key).where(b.c.conversation_id == conversation_id)).all())


