"""The dispute-event outbox (table outbox_events): rows written by EventRepository.add in the transaction of the
change they report, read and marked by the webhook worker (bot.notifications.webhooks), listed and replayed by
operators (`python -m bot outbox`, the agent API).

Which dispute actions are published, and under which type (docs/integration.md, "Dispute events"), is
EVENT_TYPES; an action not in it (none today) is kept in the dispute's history only.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.disputes.model import Dispute, DisputeEvent
from bot.notifications.webhooks import OutboxEvent, utc_iso

from . import tables as t

# Dispute actions (DisputeEvent.action) -> the public event type.
EVENT_TYPES: Dict[str, str] = {
    "opened": "dispute.opened",
    "modified": "dispute.modified",
    "evidence_added": "dispute.evidence_added",
    "escalated": "dispute.escalated",
    "cancelled": "dispute.cancelled",
    "accepted_offer": "dispute.offer_accepted",
    "seller_accepted": "dispute.seller_accepted",
    "seller_rejected": "dispute.seller_rejected",
    "seller_offered": "dispute.seller_offered",
    "decided": "dispute.decided",
    "refund_issued": "dispute.refunded",
}


def _money(amount: Optional[Decimal]) -> Optional[str]:
    return None if amount is None else f"{amount:.2f}"


def dispute_data(dispute: Dispute, order_number: str, currency: str) -> Dict[str, Any]:
    """The dispute as the payload shows it (no names, no description: those stay with the marketplace's own
    records and the action's detail)."""
    claim = dispute.claim
    offer = dispute.seller_offer
    return {
        "number": dispute.number,
        "order_number": order_number,
        "buyer_id": dispute.buyer_id,
        "seller_id": dispute.seller_id,
        "status": dispute.status.value,
        "claim": {
            "received": claim.received,
            "problems": [p.value for p in claim.problems],
            "resolution": claim.resolution.value,
            "refund_amount": _money(claim.refund_amount),
            "currency": currency,
        },
        "seller_offer": None if offer is None else {"resolution": offer.resolution.value,
                                                    "amount": _money(offer.amount), "currency": currency},
        "seller_deadline": utc_iso(dispute.seller_deadline),
        "opened_at": utc_iso(dispute.opened_at),
        "escalated_at": utc_iso(dispute.escalated_at) if dispute.escalated_at else None,
        "closed_at": utc_iso(dispute.closed_at) if dispute.closed_at else None,
    }


def add_event(conn: Connection, event: DisputeEvent, dispute: Dispute) -> Optional[str]:
    """Writes the outbox row of a dispute event on `conn` (the change's own transaction); returns its event id,
    or None for an action that is not published."""
    event_type = EVENT_TYPES.get(event.action)
    if event_type is None:
        return None
    order = conn.execute(select(t.orders.c.number, t.orders.c.currency)
                         .where(t.orders.c.id == dispute.order_id)).one()
    event_id = str(uuid.uuid4())
    payload = {"actor": {"kind": event.actor.kind.value}, "dispute": dispute_data(dispute, order.number,
                                                                                   order.currency),
               "detail": dict(event.detail)}
    conn.execute(insert(t.outbox_events).values(
        event_id=event_id, dispute_id=event.dispute_id, event_type=event_type, payload=payload,
        created_at=event.at, attempts=0, next_attempt_at=event.at, last_error=""))
    return event_id


@dataclass(frozen=True)
class OutboxRow:
    """One delivery as operators see it."""

    event_id: str
    dispute_number: str
    event_type: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: Optional[datetime]
    failed_at: Optional[datetime]
    last_error: str
    replayed_at: Optional[datetime] = None  # replay starts the attempts again: this says it was replayed

    @property
    def state(self) -> str:
        return "delivered" if self.delivered_at else "failed" if self.failed_at else "pending"

    def as_dict(self) -> Dict[str, Any]:
        return {"event_id": self.event_id, "dispute_number": self.dispute_number, "type": self.event_type,
                "state": self.state, "created_at": utc_iso(self.created_at), "attempts": self.attempts,
                "next_attempt_at": utc_iso(self.next_attempt_at),
                "failed_at": utc_iso(self.failed_at) if self.failed_at else None, "last_error": self.last_error,
                "replayed_at": utc_iso(self.replayed_at) if self.replayed_at else None}


_o = t.outbox_events
_UNDONE = and_(_o.c.delivered_at.is_(None), _o.c.failed_at.is_(None))


class SqlOutbox:
    """bot.notifications.webhooks.OutboxStore on the dispute store, and the operators' view of it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # ---- the worker's side ---------------------------------------------------------------------

    def claim(self, now: datetime, lease: timedelta, limit: int) -> List[OutboxEvent]:
        earlier = _o.alias("earlier")
        blocked = (select(earlier.c.id).where(
            earlier.c.dispute_id == _o.c.dispute_id, earlier.c.id < _o.c.id,
            earlier.c.delivered_at.is_(None), earlier.c.failed_at.is_(None)).exists())
        with self._engine.connect() as conn:
            due = conn.execute(
                select(_o).where(_UNDONE, _o.c.next_attempt_at <= now, ~blocked).order_by(_o.c.id).limit(limit)
            ).all()
        claimed = []
        for row in due:
            # One conditional UPDATE per event: of two workers that read the same row, only the first UPDATE
            # still finds it due with the attempts both read; it takes the lease.
            with self._engine.begin() as conn:
                won = conn.execute(
                    update(_o).where(_o.c.id == row.id, _UNDONE, _o.c.attempts == row.attempts,
                                     _o.c.next_attempt_at <= now)
                    .values(next_attempt_at=now + lease, attempts=_o.c.attempts + 1)
                ).rowcount == 1
            if won:
                claimed.append(OutboxEvent(row.event_id, row.dispute_id, row.event_type, dict(row.payload),
                                           row.created_at, row.attempts + 1))
        return claimed

    def mark_delivered(self, event_id: str, now: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(_o).where(_o.c.event_id == event_id, _o.c.delivered_at.is_(None))
                         .values(delivered_at=now, failed_at=None, last_error=""))

    def mark_retry(self, event_id: str, next_attempt_at: datetime, error: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(_o).where(_o.c.event_id == event_id, _UNDONE)
                         .values(next_attempt_at=next_attempt_at, last_error=error[:500]))

    def mark_failed(self, event_id: str, now: datetime, error: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(_o).where(_o.c.event_id == event_id, _UNDONE)
                         .values(failed_at=now, last_error=error[:500]))

    # ---- the operators' side -------------------------------------------------------------------

    def counts(self) -> Dict[str, int]:
        state = func.count()
        with self._engine.connect() as conn:
            delivered = conn.execute(select(state).where(_o.c.delivered_at.is_not(None))).scalar_one()
            failed = conn.execute(select(state).where(_o.c.delivered_at.is_(None),
                                                      _o.c.failed_at.is_not(None))).scalar_one()
            pending = conn.execute(select(state).where(_UNDONE)).scalar_one()
        return {"pending": pending, "failed": failed, "delivered": delivered}

    def undelivered(self, state: str = "all", limit: int = 100) -> List[OutboxRow]:
        """Failed and/or pending deliveries (state "failed", "pending" or "all"), oldest first."""
        where = {"failed": and_(_o.c.delivered_at.is_(None), _o.c.failed_at.is_not(None)),
                 "pending": _UNDONE}.get(state, _o.c.delivered_at.is_(None))
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(_o, t.disputes.c.number).join(t.disputes, t.disputes.c.id == _o.c.dispute_id)
                .where(where).order_by(_o.c.id).limit(limit)
            ).all()
        return [OutboxRow(r.event_id, r.number, r.event_type, r.created_at, r.attempts, r.next_attempt_at,
                          r.delivered_at, r.failed_at, r.last_error, r.replayed_at) for r in rows]

    def replay(self, now: datetime, event_id: Optional[str] = None, all_failed: bool = False) -> int:
        """Puts one event (delivered or failed), or every failed one, back to pending, due now; returns how many.
        The retry window still counts from the event's creation: a replayed event past it is tried once more."""
        if event_id is None and not all_failed:
            return 0
        where = _o.c.event_id == event_id if event_id is not None else and_(_o.c.delivered_at.is_(None),
                                                                             _o.c.failed_at.is_not(None))
        with self._engine.begin() as conn:
            return conn.execute(update(_o).where(where).values(
                delivered_at=None, failed_at=None, next_attempt_at=now, attempts=0, replayed_at=now)).rowcount
