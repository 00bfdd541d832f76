"""Hand-offs and the agents' audit log in the shared database. Claims are compare-and-set on `version`, so two
agents (or two gateways) never both hold one conversation."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Engine

from bot.disputes.clock import Clock
from bot.disputes.model import Agent
from bot.helpdesk.model import Handoff, HandoffNotFound, HandoffReason, HandoffStatus, HandoffTaken

from . import tables as t
from .engine import read_connection

OPEN = (HandoffStatus.QUEUED.value, HandoffStatus.CLAIMED.value)


def _handoffs():
    """Hand-off rows with their conversation's language (bot.channels.languages), for the agents to see."""
    h, c = t.handoffs, t.conversation_languages
    return select(h, c.c.language).select_from(h.outerjoin(c, c.c.conversation_id == h.c.conversation_id))


def _handoff(row) -> Handoff:
    return Handoff(id=row.id, conversation_id=row.conversation_id, channel=row.channel, buyer_id=row.buyer_id,
                   reason=HandoffReason(row.reason), status=HandoffStatus(row.status), draft=dict(row.draft or {}),
                   requested_at=row.requested_at, agent_id=row.agent_id, agent_name=row.agent_name,
                   claimed_at=row.claimed_at, released_at=row.released_at, release_note=row.release_note or "",
                   version=row.version, language=row.language)


class SqlHandoffs:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def open(self, conversation_id: str, channel: str, buyer_id: Optional[str], reason: HandoffReason,
             draft: Dict[str, Any]) -> tuple[Handoff, bool]:
        """The conversation's open hand-off, or a new one (True when new). Asking twice queues once."""
        h = t.handoffs
        with self._engine.begin() as conn:
            existing = conn.execute(_handoffs().where(and_(h.c.conversation_id == conversation_id,
                                                         h.c.status.in_(OPEN)))).first()
            if existing is not None:
                return _handoff(existing), False
            result = conn.execute(insert(h).values(
                conversation_id=conversation_id, channel=channel, buyer_id=buyer_id, reason=reason.value,
                status=HandoffStatus.QUEUED.value, draft=draft, requested_at=self._clock.now(), release_note="",
                version=1))
            row = conn.execute(_handoffs().where(h.c.id == result.inserted_primary_key[0])).one()
            return _handoff(row), True

    def get(self, handoff_id: int) -> Handoff:
        with read_connection(self._engine) as conn:
            row = conn.execute(_handoffs().where(t.handoffs.c.id == handoff_id)).first()
        if row is None:
            raise HandoffNotFound(handoff_id)
        return _handoff(row)

    def open_for(self, conversation_id: str) -> Optional[Handoff]:
        h = t.handoffs
        with read_connection(self._engine) as conn:
            row = conn.execute(_handoffs().where(and_(h.c.conversation_id == conversation_id, h.c.status.in_(OPEN)))
                               .order_by(h.c.id.desc())).first()
        return _handoff(row) if row is not None else None

    def queue(self) -> List[Handoff]:
        """Open hand-offs, oldest first: queued ones (in queue order), then those being handled."""
        h = t.handoffs
        with read_connection(self._engine) as conn:
            rows = conn.execute(_handoffs().where(h.c.status.in_(OPEN)).order_by(h.c.requested_at, h.c.id)).all()
        items = [_handoff(r) for r in rows]
        return [x for x in items if x.status is HandoffStatus.QUEUED] + \
            [x for x in items if x.status is HandoffStatus.CLAIMED]

    def position(self, handoff: Handoff) -> int:
        """1 for the next in line."""
        h = t.handoffs
        with read_connection(self._engine) as conn:
            ahead = conn.execute(select(func.count()).select_from(h).where(and_(
                h.c.status == HandoffStatus.QUEUED.value, h.c.id < handoff.id))).scalar_one()
        return ahead + 1

    def claim(self, handoff_id: int, agent: Agent) -> Handoff:
        handoff = self.get(handoff_id)
        if not handoff.is_open:
            raise HandoffNotFound(handoff_id)
        if handoff.status is HandoffStatus.CLAIMED:
            if handoff.agent_id == agent.id:
                return handoff
            raise HandoffTaken(handoff.agent_name or "another agent")
        h = t.handoffs
        with self._engine.begin() as conn:
            done = conn.execute(update(h).where(and_(h.c.id == handoff_id, h.c.version == handoff.version))
                                .values(status=HandoffStatus.CLAIMED.value, agent_id=agent.id, agent_name=agent.name,
                                        claimed_at=self._clock.now(), version=handoff.version + 1)).rowcount
        if not done:  # somebody else claimed (or released) it in between
            return self.claim(handoff_id, agent)
        return self.get(handoff_id)

    def release(self, handoff_id: int, note: str) -> Handoff:
        handoff = self.get(handoff_id)
        if not handoff.is_open:
            raise HandoffNotFound(handoff_id)
        h = t.handoffs
        with self._engine.begin() as conn:
            done = conn.execute(update(h).where(and_(h.c.id == handoff_id, h.c.version == handoff.version))
                                .values(status=HandoffStatus.RELEASED.value, released_at=self._clock.now(),
                                        release_note=note, version=handoff.version + 1)).rowcount
        if not done:
            return self.release(handoff_id, note)
        return self.get(handoff_id)

    def audit(self, agent: Agent, action: str, handoff_id: Optional[int] = None,
              dispute_number: Optional[str] = None, detail: Optional[Dict[str, Any]] = None) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(t.agent_audit).values(
                agent_id=agent.id, agent_name=agent.name, action=action, handoff_id=handoff_id,
                dispute_number=dispute_number, detail=detail or {}, at=self._clock.now()))

    def audit_log(self, handoff_id: Optional[int] = None, limit: int = 200) -> List[Dict[str, Any]]:
        a = t.agent_audit
        query = select(a).order_by(a.c.id.desc()).limit(limit)
        if handoff_id is not None:
            query = query.where(a.c.handoff_id == handoff_id)
        with read_connection(self._engine) as conn:
            rows = conn.execute(query).all()
        return [{"agent": r.agent_name, "action": r.action, "handoff_id": r.handoff_id,
                 "dispute_number": r.dispute_number, "detail": r.detail, "at": r.at.isoformat()} for r in rows]
