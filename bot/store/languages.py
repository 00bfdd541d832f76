"""Conversation and buyer languages in the shared store (bot.channels.languages.LanguageMemory)."""
from __future__ import annotations

from typing import Optional, Tuple

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.disputes.clock import Clock
from bot.i18n.detection import LanguageState

from . import tables as t
from .engine import read_connection


class SqlLanguages:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def of(self, conversation_id: str, buyer_id: Optional[str]) -> Tuple[LanguageState, Optional[str]]:
        """The conversation's language state, and the buyer's language from earlier conversations."""
        c, b = t.conversation_languages, t.buyers
        with read_connection(self._engine) as conn:
            row = conn.execute(select(c.c.language, c.c.settled, c.c.asked, c.c.candidate, c.c.unsupported_noted)
                               .where(c.c.conversation_id == conversation_id)).first()
            remembered = conn.execute(select(b.c.language).where(b.c.id == buyer_id)).scalar() if buyer_id else None
        if row is None:
            return LanguageState(), remembered
        return (LanguageState(row.language, bool(row.settled), bool(row.asked), row.candidate, row.unsupported_noted),
                remembered)

    def set(self, conversation_id: str, buyer_id: Optional[str], state: LanguageState) -> None:
        """The conversation's language from now on (and the buyer's, remembered for the next conversation)."""
        c = t.conversation_languages
        values = {"language": state.language, "settled": state.settled, "asked": state.asked,
                  "candidate": state.candidate,
                  "unsupported_noted": state.unsupported_noted, "updated_at": self._clock.now()}
        with self._engine.begin() as conn:
            changed = conn.execute(update(c).where(c.c.conversation_id == conversation_id).values(**values)).rowcount
            if not changed:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(c).values(conversation_id=conversation_id, **values))
                except IntegrityError:  # another gateway started it at the same moment
                    conn.execute(update(c).where(c.c.conversation_id == conversation_id).values(**values))
            if buyer_id:
                conn.execute(update(t.buyers).where(t.buyers.c.id == buyer_id).values(language=state.language))

    def buyer_language(self, buyer_id: str) -> Optional[str]:
        with read_connection(self._engine) as conn:
            return conn.execute(select(t.buyers.c.language).where(t.buyers.c.id == buyer_id)).scalar()
