"""Transcripts of the conversations the gateway relays, on any channel."""
from __future__ import annotations

import hmac
from typing import Any, Dict, List, Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.disputes.clock import Clock

from . import tables as t
from .engine import read_connection

SENDERS = ("buyer", "bot", "agent")


_INSERT_MESSAGE = insert(t.chat_messages)


class SqlTranscripts:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def append(self, conversation_id: str, sender: str, bodies: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Stores messages in order; returns them as `messages()` would, ids included."""
        if sender not in SENDERS:
            raise ValueError(f"unknown sender {sender!r}")
        now = self._clock.now()
        stored = []
        with self._engine.begin() as conn:
            for body in bodies:
                # Values as parameters, not in the statement: SQLAlchemy then reuses the compiled insert.
                result = conn.execute(_INSERT_MESSAGE, {"conversation_id": conversation_id, "sender": sender,
                                                        "body": dict(body), "created_at": now})
                stored.append({"id": result.inserted_primary_key[0], "sender": sender, "at": now.isoformat(),
                               **dict(body)})
        return stored

    def messages(self, conversation_id: str, after_id: int = 0, limit: int = 200) -> List[Dict[str, Any]]:
        """Messages after `after_id`; with no `after_id`, the most recent `limit` ones. Oldest first."""
        m = t.chat_messages
        query = select(m.c.id, m.c.sender, m.c.body, m.c.created_at).where(m.c.conversation_id == conversation_id)
        with read_connection(self._engine) as conn:
            if after_id:
                rows = conn.execute(query.where(m.c.id > after_id).order_by(m.c.id).limit(limit)).all()
            else:
                rows = list(reversed(conn.execute(query.order_by(m.c.id.desc()).limit(limit)).all()))
        return [{"id": r.id, "sender": r.sender, "at": r.created_at.isoformat(), **dict(r.body or {})} for r in rows]


class SqlWebSessions:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def bind(self, session_id: str, buyer_id: str) -> bool:
        """For a signed-in buyer: True if the session is new (now bound to this buyer) or already this buyer's."""
        w = t.web_sessions
        try:
            with self._engine.begin() as conn:
                now = self._clock.now()
                row = conn.execute(select(w.c.buyer_id).where(w.c.session_id == session_id)).first()
                if row is not None:
                    if row.buyer_id != buyer_id:
                        return False
                    conn.execute(update(w).where(w.c.session_id == session_id).values(last_seen_at=now))
                    return True
                conn.execute(insert(w).values(session_id=session_id, buyer_id=buyer_id, created_at=now,
                                              last_seen_at=now))
                return True
        except IntegrityError:  # two tabs bound the same new id at once: the other one won
            return self.owner_is(session_id, buyer_id)

    def start_guest(self, session_id: str, secret_hash: str) -> None:
        """A new guest session, resumed later only by whoever presents the secret with this hash."""
        with self._engine.begin() as conn:
            now = self._clock.now()
            conn.execute(insert(t.web_sessions).values(session_id=session_id, buyer_id=None, secret_hash=secret_hash,
                                                       created_at=now, last_seen_at=now))

    def guest_holds(self, session_id: str, secret_hash: str) -> bool:
        """True if this is a guest session issued with the secret of this hash."""
        w = t.web_sessions
        with read_connection(self._engine) as conn:
            row = conn.execute(select(w.c.buyer_id, w.c.secret_hash).where(w.c.session_id == session_id)).first()
        return (row is not None and row.buyer_id is None and row.secret_hash is not None
                and hmac.compare_digest(row.secret_hash, secret_hash))

    def owner_is(self, session_id: str, buyer_id: str | None) -> bool:
        w = t.web_sessions
        with read_connection(self._engine) as conn:
            row = conn.execute(select(w.c.buyer_id).where(w.c.session_id == session_id)).first()
        return row is not None and row.buyer_id == buyer_id

    def owner(self, session_id: str) -> str | None:
        """The buyer a session is bound to; None for a guest's session or an unknown id."""
        w = t.web_sessions
        with read_connection(self._engine) as conn:
            return conn.execute(select(w.c.buyer_id).where(w.c.session_id == session_id)).scalar()
