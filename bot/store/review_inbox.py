"""The review inbox's rows (bot.review). Recording is an upsert on the pending text: one row per pending text,
repeats counted; safe with several Rasa processes recording at once (a unique key decides, the loser updates)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, List, Sequence

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.disputes.clock import Clock
from bot.review.model import (
    Guess,
    ProblemGuess,
    ReviewItem,
    ReviewItemClosed,
    ReviewItemNotFound,
    ReviewStatus,
    Sighting,
    text_key,
)

from . import tables as t
from .engine import read_connection

r = t.review_items
OPEN = (ReviewStatus.PENDING.value, ReviewStatus.LABELLED.value)


def _item(row) -> ReviewItem:
    return ReviewItem(
        id=row.id, text=row.text, conversation_id=row.conversation_id, buyer_id=row.buyer_id,
        reasons=list(row.reasons or []), intent=row.intent, confidence=row.confidence,
        alternatives=[Guess(a["intent"], a["confidence"]) for a in row.alternatives or []],
        problems=[ProblemGuess(p["code"], p.get("confidence"), bool(p.get("found"))) for p in row.problems or []],
        first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at, repeats=row.repeats,
        status=ReviewStatus(row.status), label_intent=row.label_intent, label_problems=list(row.label_problems or []),
        reviewed_by=row.reviewed_by, reviewed_at=row.reviewed_at, exported_at=row.exported_at)


class SqlReviewInbox:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    # ---- recording (from Rasa's process) --------------------------------------------------------------------

    def record(self, sighting: Sighting) -> int:
        """Adds the message, or counts a repeat of a pending one (the same normalised text). Returns the row id."""
        key = text_key(sighting.text)
        seen_at = sighting.seen_at or self._clock.now()
        for _ in range(3):
            try:
                with self._engine.begin() as conn:
                    row = conn.execute(select(r.c.id, r.c.reasons, r.c.repeats).where(r.c.pending_key == key)).first()
                    if row is None:
                        return self._insert(conn, sighting, key, seen_at)
                    reasons = list(row.reasons or [])
                    reasons += [x.value for x in sighting.reasons if x.value not in reasons]
                    changes = {"reasons": reasons, "last_seen_at": seen_at}
                    if sighting.new_occurrence:
                        changes["repeats"] = r.c.repeats + 1
                    conn.execute(update(r).where(r.c.id == row.id).values(**changes))
                    return row.id
            except IntegrityError:  # another process inserted the same text in between: count on its row
                continue
        raise RuntimeError("could not record the message after three tries")

    def _insert(self, conn: Connection, sighting: Sighting, key: str, seen_at: datetime) -> int:
        buyer = sighting.buyer_id
        if buyer is not None and conn.execute(select(t.buyers.c.id).where(t.buyers.c.id == buyer)).first() is None:
            buyer = None
        result = conn.execute(insert(r).values(
            text=sighting.text, text_key=key, pending_key=key, conversation_id=sighting.conversation_id[:200],
            buyer_id=buyer, reasons=[x.value for x in sighting.reasons], intent=sighting.intent,
            confidence=sighting.confidence,
            alternatives=[{"intent": g.intent, "confidence": g.confidence} for g in sighting.alternatives],
            problems=[{"code": p.code, "confidence": p.confidence, "found": p.found} for p in sighting.problems],
            first_seen_at=seen_at, last_seen_at=seen_at, repeats=1, status=ReviewStatus.PENDING.value,
            label_problems=[]))
        return result.inserted_primary_key[0]

    # ---- review ---------------------------------------------------------------------------------------------

    def get(self, item_id: int) -> ReviewItem:
        with read_connection(self._engine) as conn:
            row = conn.execute(select(r).where(r.c.id == item_id)).first()
        if row is None:
            raise ReviewItemNotFound(item_id)
        return _item(row)

    def items(self, statuses: Sequence[ReviewStatus], limit: int = 200) -> List[ReviewItem]:
        """Most repeated first, then the most recent: what is worth an admin's minute comes first."""
        with read_connection(self._engine) as conn:
            rows = conn.execute(select(r).where(r.c.status.in_([s.value for s in statuses]))
                                .order_by(r.c.repeats.desc(), r.c.last_seen_at.desc(), r.c.id.desc())
                                .limit(limit)).all()
        return [_item(row) for row in rows]

    def count(self, status: ReviewStatus) -> int:
        with read_connection(self._engine) as conn:
            return conn.execute(select(func.count()).select_from(r).where(r.c.status == status.value)).scalar_one()

    def label(self, item_id: int, intent: str, problems: List[str], reviewer: str) -> ReviewItem:
        return self._review(item_id, status=ReviewStatus.LABELLED.value, label_intent=intent,
                            label_problems=problems, reviewed_by=reviewer[:80])

    def discard(self, item_id: int, reviewer: str) -> ReviewItem:
        return self._review(item_id, status=ReviewStatus.DISCARDED.value, label_intent=None, label_problems=[],
                            reviewed_by=reviewer[:80])

    def _review(self, item_id: int, **values) -> ReviewItem:
        with self._engine.begin() as conn:
            done = conn.execute(update(r).where(and_(r.c.id == item_id, r.c.status.in_(OPEN))).values(
                pending_key=None, reviewed_at=self._clock.now(), **values)).rowcount
        if not done:
            item = self.get(item_id)  # raises when there is no such item
            raise ReviewItemClosed(item_id, item.status)
        return self.get(item_id)

    # ---- export ---------------------------------------------------------------------------------------------

    def labelled(self) -> List[ReviewItem]:
        with read_connection(self._engine) as conn:
            rows = conn.execute(select(r).where(r.c.status == ReviewStatus.LABELLED.value).order_by(r.c.id)).all()
        return [_item(row) for row in rows]

    def mark_exported(self, exported: Iterable[tuple[int, str]]) -> None:
        """Each (id, text as exported): the raw text is no longer needed once its masked form is in the data."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            for item_id, text in exported:
                conn.execute(update(r).where(and_(r.c.id == item_id, r.c.status == ReviewStatus.LABELLED.value))
                             .values(status=ReviewStatus.EXPORTED.value, exported_at=now, text=text))
