"""Unit of work: one database transaction per service call; nothing is written unless commit() is reached.

A writing unit of work on SQLite starts with BEGIN IMMEDIATE (bot.store.engine): it holds the write lock from
the start, so writers queue instead of failing half-way. A reading one (SqlUnitOfWorkFactory.reading) starts with a
plain deferred BEGIN on a read_connection and refuses every statement that is not a read, so it never takes the
write lock: with WAL it reads its snapshot while a writer works, and never makes a writer wait.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bot.disputes import ports
from bot.disputes.errors import ConcurrentUpdate

from . import repositories as r
from .engine import read_connection
from .service_tokens import ClaimTakenOver, mark_committed, unbind_committed

# The first words of the statements a read-only unit of work may run (its BEGIN included); anything else is refused
# before it reaches the database.
_READING = frozenset({"SELECT", "WITH", "BEGIN", "PRAGMA", "SHOW", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK"})


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

    def __init__(self, engine: Engine, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: Optional[Connection] = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._read_only:
            self._conn = read_connection(self._engine)
            event.listen(self._conn, "before_cursor_execute", _refuse_writes)  # this connection object only
        else:
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
        if self._read_only:
            raise ports.ReadOnlyViolation("A read-only unit of work has nothing to commit; use a writing one.")
        assert self._conn is not None, "commit() outside the unit of work's with block"
        try:
            # A change made for an Idempotency-Key commits with the key's mark, in one transaction, or not at all.
            if not mark_committed(self._conn):
                self._tx.rollback()
                raise ClaimTakenOver("This Idempotency-Key's claim was taken over by another request.")
            self._tx.commit()
        except OperationalError as exc:
            if _is_lock_conflict(exc):
                raise ConcurrentUpdate() from exc
            raise
        unbind_committed()

    def rollback(self) -> None:
        self._tx.rollback()


def _refuse_writes(conn, cursor, statement: str, parameters, context, executemany) -> None:
    words = statement.split(None, 1)
    first = words[0].upper() if words else ""
    writing = context is not None and (context.isinsert or context.isupdate or context.isdelete or context.isddl)
    if writing or first not in _READING:
        raise ports.ReadOnlyViolation(f"A read-only unit of work refused to run {first or 'an empty statement'}; "
                                      "use a writing one.")


def _is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "could not serialize" in text


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def reading(self) -> SqlUnitOfWork:
        """For pure reads: never takes the write lock, refuses writes and commit() (ReadOnlyViolation)."""
        return SqlUnitOfWork(self.engine, read_only=True)
