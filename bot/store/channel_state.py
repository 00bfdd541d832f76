"""Gateway-side state in the shared database: which channel updates were handled, and which dispute news
was pushed to whom. Rows are tiny; `prune` drops old update ids."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.disputes.clock import Clock
from bot.i18n import DEFAULT, supported
from bot.notifications.push import PushEvent, Recipient

from . import tables as t
from .engine import read_connection

KEEP_UPDATE_IDS = timedelta(days=7)  # Telegram re-delivers for at most 24 hours
# Web chat has no account to write to, only the buyer's chat sessions: news goes to the sessions used lately (a
# browser keeps its session for the next visit), at most a few, so long-gone devices are not written to for ever.
WEB_CHANNEL = "web"  # bot.channels.web.CHANNEL
WEB_SESSIONS_RECENT = timedelta(days=30)
WEB_SESSIONS_MAX = 5


def _event_query(*extra):
    """An event with what its news needs: the dispute's buyer and number, the order's item and currency, and the
    buyer's language (the news is written in it). The caller's select_from joins the buyers table (_with_buyer)."""
    e, d, o = t.dispute_events, t.disputes, t.orders
    return select(e.c.id, d.c.buyer_id, d.c.number, o.c.item, o.c.currency, e.c.action, e.c.actor_kind,
                  e.c.actor_name, e.c.detail, t.buyers.c.language.label("buyer_language"), *extra)


def _with_buyer(joined):
    # An outer join: news is sent even if the buyer's row were missing (in English then).
    return joined.outerjoin(t.buyers, t.buyers.c.id == t.disputes.c.buyer_id)


class SqlChannelState:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    # ---- inbound updates -----------------------------------------------------------------------

    def claim_update(self, channel: str, update_id: int) -> bool:
        """True the first time an update id is seen on a channel; False for every repeat, across restarts."""
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(t.channel_updates).values(channel=channel, update_id=int(update_id),
                                                              received_at=self._clock.now()))
            return True
        except IntegrityError:
            return False

    def prune(self) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(t.channel_updates.delete().where(
                t.channel_updates.c.received_at < self._clock.now() - KEEP_UPDATE_IDS))
            return result.rowcount or 0

    # ---- outbound pushes (bot.notifications.push.PushStore) --------------------------------------------------

    def _cursor(self, conn, channel: str) -> int:
        row = conn.execute(select(t.push_cursors.c.last_event_id).where(t.push_cursors.c.channel == channel)).first()
        if row is not None:
            return row[0]
        # First start on this database: news from before it does not get pushed.
        latest = conn.execute(select(func.coalesce(func.max(t.dispute_events.c.id), 0))).scalar_one()
        try:
            with conn.begin_nested():
                conn.execute(insert(t.push_cursors).values(channel=channel, last_event_id=latest))
        except IntegrityError:
            return conn.execute(select(t.push_cursors.c.last_event_id)
                                .where(t.push_cursors.c.channel == channel)).scalar_one()
        return latest

    def new_events(self, channel: str, limit: int) -> list[PushEvent]:
        e, d, o = t.dispute_events, t.disputes, t.orders
        with self._engine.begin() as conn:
            after = self._cursor(conn, channel)
            rows = conn.execute(
                _event_query()
                .select_from(_with_buyer(e.join(d, d.c.id == e.c.dispute_id).join(o, o.c.id == d.c.order_id)))
                .where(e.c.id > after).order_by(e.c.id).limit(limit)).all()
        return [_event(r) for r in rows]

    def advance(self, channel: str, event_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(t.push_cursors)
                         .where(and_(t.push_cursors.c.channel == channel, t.push_cursors.c.last_event_id < event_id))
                         .values(last_event_id=event_id))

    def recipients(self, channel: str, buyer_id: str) -> list[str]:
        """Telegram: the chats linked to the buyer. Web: the buyer's recently used chat sessions, newest first."""
        if channel == WEB_CHANNEL:
            w = t.web_sessions
            with read_connection(self._engine) as conn:
                return list(conn.execute(
                    select(w.c.session_id)
                    .where(and_(w.c.buyer_id == buyer_id, w.c.last_seen_at >= self._clock.now() - WEB_SESSIONS_RECENT))
                    .order_by(w.c.last_seen_at.desc()).limit(WEB_SESSIONS_MAX)).scalars())
        i = t.channel_identities
        with read_connection(self._engine) as conn:
            return list(conn.execute(select(i.c.external_id).where(and_(i.c.channel == channel,
                                                                        i.c.buyer_id == buyer_id))).scalars())

    def claim_delivery(self, event: PushEvent, channel: str, external_id: str) -> bool:
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(t.push_deliveries).values(
                    event_id=event.event_id, channel=channel, external_id=external_id, status="sending",
                    attempts=0, updated_at=self._clock.now()))
            return True
        except IntegrityError:
            return False

    def mark_delivery(self, event_id: int, channel: str, external_id: str, sent: bool) -> None:
        p = t.push_deliveries
        with self._engine.begin() as conn:
            conn.execute(update(p).where(and_(p.c.event_id == event_id, p.c.channel == channel,
                                              p.c.external_id == external_id))
                         .values(status="sent" if sent else "failed", attempts=p.c.attempts + 1,
                                 updated_at=self._clock.now()))

    def retryable(self, channel: str, max_attempts: int, limit: int) -> list[Recipient]:
        e, d, o, p = t.dispute_events, t.disputes, t.orders, t.push_deliveries
        with self._engine.begin() as conn:
            rows = conn.execute(
                _event_query(p.c.external_id)
                .select_from(_with_buyer(p.join(e, e.c.id == p.c.event_id).join(d, d.c.id == e.c.dispute_id)
                                         .join(o, o.c.id == d.c.order_id)))
                .where(and_(p.c.channel == channel, p.c.status == "failed", p.c.attempts < max_attempts))
                .order_by(e.c.id).limit(limit)).all()
            return [Recipient(_event(r), r.external_id) for r in rows]


def _event(row) -> PushEvent:
    return PushEvent(event_id=row.id, buyer_id=row.buyer_id, dispute_number=row.number, item=row.item,
                     currency=row.currency, action=row.action, actor_kind=row.actor_kind,
                     actor_name=row.actor_name or "", detail=dict(row.detail or {}),
                     language=supported(row.buyer_language) or DEFAULT)
