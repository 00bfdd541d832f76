"""Read-only units of work (`uow_factory.reading()`). On SQLite a writing unit of work starts with BEGIN IMMEDIATE
and holds the write lock until it ends; a reading one starts with a plain deferred BEGIN and refuses writes, so in
WAL mode it neither waits behind a writer nor makes one wait. Each lock test shows both sides: the reading unit
(what the services' pure reads use now) finishes at once, a writing unit in its place (what every read used before)
waits until the other side lets go. Writes and commit() inside a reading unit fail with ReadOnlyViolation, on every
backend."""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Callable

import pytest
from conftest import START, World
from sqlalchemy import insert

from bot.disputes.accounts import AccountService
from bot.disputes.clock import FixedClock
from bot.disputes.model import AgentRole, DisputeDraft
from bot.disputes.policy import Rules
from bot.disputes.ports import ReadOnlyViolation
from bot.disputes.services import DisputeService
from bot.store import migrate
from bot.store import tables as t
from bot.store.engine import create_store_engine
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.uow import SqlUnitOfWorkFactory

AT_ONCE = 5.0  # seconds: far more than a read takes, far less than SQLite's 30 s busy timeout
STILL_WAITING = 0.5  # seconds a blocked unit of work is watched to be sure it waits


class InThread:
    """Runs `work` in a thread; done() says whether it finished within a time, result() re-raises its error."""

    def __init__(self, work: Callable[[], object]) -> None:
        self._work = work
        self._finished = threading.Event()
        self._error: BaseException | None = None
        self._value: object = None
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to the test thread by result()
            self._error = exc
        finally:
            self._finished.set()

    def done(self, within: float) -> bool:
        return self._finished.wait(within)

    def result(self) -> object:
        assert self._finished.is_set(), "still running"
        if self._error is not None:
            raise self._error
        return self._value


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'disputes.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def anna(sqlite_engine) -> str:
    world = World(sqlite_engine, FixedClock(START))
    world.buyer("anna")
    return world.order("anna")


def _services(engine, tmp_path):
    factory = SqlUnitOfWorkFactory(engine)
    clock, rules = FixedClock(START), Rules()
    return factory, DisputeService(factory, clock, rules, DiskEvidenceStorage(tmp_path / "evidence")), \
        AccountService(factory, clock, rules)


def test_a_read_does_not_wait_for_a_writer(sqlite_engine, anna, tmp_path):
    factory, disputes, accounts = _services(sqlite_engine, tmp_path)
    writer = sqlite_engine.connect()
    transaction = writer.begin()  # BEGIN IMMEDIATE: this connection holds the write lock until it ends
    writer.execute(insert(t.buyers).values(id="zoe", name="Zoe", email=""))
    blocked = None
    try:
        reads = InThread(lambda: ([o.order.number for o in disputes.list_orders("anna")],
                                  accounts.buyer("anna").id, [b.id for b in accounts.list_buyers()]))
        assert reads.done(AT_ONCE), "a read-only unit of work waited for the writer"
        # It sees what was committed, not the writer's uncommitted buyer.
        assert reads.result() == ([anna], "anna", ["anna"])

        # The same read in a writing unit of work, as every read was before: it queues behind the writer.
        def read_in_a_writing_unit():
            with factory() as uow:
                return uow.buyers.get("anna").id

        blocked = InThread(read_in_a_writing_unit)
        assert not blocked.done(STILL_WAITING), "a writing unit of work did not wait for the writer"
    finally:
        transaction.commit()
        writer.close()
    assert blocked.done(AT_ONCE) and blocked.result() == "anna"


def test_a_read_does_not_hold_up_a_writer(sqlite_engine, anna, tmp_path):
    factory, disputes, _ = _services(sqlite_engine, tmp_path)
    save = lambda: disputes.save_draft("anna", anna, {"received": True})  # noqa: E731 - a writing unit of work

    with factory.reading() as uow:
        assert [o.number for o in uow.orders.list_for_buyer("anna")] == [anna]  # its snapshot is taken
        writer = InThread(save)
        assert writer.done(AT_ONCE), "a writer waited for a read-only unit of work"
        writer.result()

    # A writing unit of work that only reads, as every read was before, holds a writer up until it ends.
    with factory() as uow:
        assert uow.buyers.get("anna") is not None
        writer = InThread(save)
        assert not writer.done(STILL_WAITING), "a writer did not wait for a writing unit of work"
    assert writer.done(AT_ONCE)
    writer.result()
    assert [d.order_number for d in disputes.open_drafts("anna")] == [anna]


def test_writes_in_a_read_only_unit_fail_clearly_and_write_nothing(engine, world):
    buyer = world.buyer("ben")
    order = world.order(buyer)
    factory = SqlUnitOfWorkFactory(engine)
    draft = DisputeDraft(buyer, order, {"received": False}, datetime(2026, 3, 2, tzinfo=timezone.utc))

    with factory.reading() as uow:
        with pytest.raises(ReadOnlyViolation, match="refused to run DELETE"):
            uow.drafts.save(draft)  # a delete, then an insert
        with pytest.raises(ReadOnlyViolation, match="refused to run INSERT"):
            uow.agents.add("Ada", AgentRole.AGENT, "hash")
        with pytest.raises(ReadOnlyViolation, match="nothing to commit"):
            uow.commit()
        assert uow.buyers.get(buyer) is not None  # still reads after a refusal

    with factory.reading() as uow:
        assert uow.drafts.list_for_buyer(buyer) == []
    # The refusal belonged to that unit of work only: its pooled connection writes again in a writing one.
    for _ in range(3):
        with factory() as uow:
            uow.drafts.save(draft)
            uow.commit()
    with factory.reading() as uow:
        assert [d.order_number for d in uow.drafts.list_for_buyer(buyer)] == [order]
