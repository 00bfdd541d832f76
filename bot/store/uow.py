"""Unit of work: one database transaction per service call; nothing is written unless commit() is reached."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bot.disputes import ports
from bot.disputes.errors import ConcurrentUpdate

from . import repositories as r


class SqlUnitOfWork:
    # Typed as the domain's ports, so that this class is a ports.UnitOfWork (protocol members are invariant).
    buyers: ports.BuyerRepository
    sellers: ports.SellerRepository
    orders: ports.OrderRepository
    disputes: ports.DisputeRepository
    events: ports.EventRepository
    evidence: ports.EvidenceRepository
    refunds: ports.RefundRepository
    identities: ports.IdentityRepository
    link_codes: ports.LinkCodeRepository
    agents: ports.AgentRepository
    drafts: ports.DraftRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Optional[Connection] = None

    def __enter__(self) -> SqlUnitOfWork:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        conn = self._conn
        self.buyers = r.BuyerRepository(conn)
        self.sellers = r.SellerRepository(conn)
        self.orders = r.OrderRepository(conn)
        self.disputes = r.DisputeRepository(conn)
        self.events = r.EventRepository(conn)
        self.evidence = r.EvidenceRepository(conn)
        self.refunds = r.RefundRepository(conn)
        self.identities = r.IdentityRepository(conn)
        self.link_codes = r.LinkCodeRepository(conn)
        self.agents = r.AgentRepository(conn)
        self.drafts = r.DraftRepository(conn)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
        if isinstance(exc, OperationalError) and _is_lock_conflict(exc):
            # SQLite refuses a write whose read snapshot is stale: for the caller that is a lost race.
            raise ConcurrentUpdate() from exc

    def commit(self) -> None:
        try:
            self._tx.commit()
        except OperationalError as exc:
            if _is_lock_conflict(exc):
                raise ConcurrentUpdate() from exc
            raise

    def rollback(self) -> None:
        self._tx.rollback()


def _is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "could not serialize" in text


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
