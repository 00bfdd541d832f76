"""Races: two processes submitting the same dispute at once, and two edits of one dispute at once."""
from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import func, select

from bot.disputes.clock import FixedClock
from bot.disputes.errors import ConcurrentUpdate, DisputeAlreadyExists
from bot.disputes.policy import Rules
from bot.disputes.services import DisputeService
from bot.store import tables as t
from bot.store.engine import create_store_engine
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.uow import SqlUnitOfWorkFactory
from conftest import START, PgSchema

ctx = multiprocessing.get_context("fork")


def _service(url: str, schema: str | None, evidence_dir: str) -> DisputeService:
    engine = PgSchema(url, schema).engine() if schema else create_store_engine(url)
    return DisputeService(SqlUnitOfWorkFactory(engine), FixedClock(START), Rules(), DiskEvidenceStorage(evidence_dir))


def _open_at_the_same_moment(url, schema, evidence_dir, order_number, key, barrier, results):
    service = _service(url, schema, evidence_dir)
    barrier.wait(timeout=30)
    try:
        details = service.open_dispute("anna", order_number, received=True, problems=["damaged"],
                                       resolution="full_refund", description="Arrived broken", submission_key=key)
        results.put(("ok", details.dispute.number, os.getpid()))
    except DisputeAlreadyExists as exc:
        results.put(("exists", exc.message, os.getpid()))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(("error", repr(exc), os.getpid()))


def _race(engine, tmp_path, order_number, keys):
    schema = getattr(engine, "pg_schema", None)
    url = schema.url if schema else engine.url.render_as_string(hide_password=False)
    engine.dispose()  # no pooled connection may cross the fork
    barrier = ctx.Barrier(len(keys))
    results = ctx.Queue()
    procs = [ctx.Process(target=_open_at_the_same_moment,
                         args=(url, schema.schema if schema else None, str(tmp_path / "ev"), order_number, key,
                               barrier, results))
             for key in keys]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return [results.get(timeout=5) for _ in procs]


def _dispute_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.disputes)).scalar_one()


@pytest.mark.parametrize("attempt", range(3))
def test_two_processes_same_submission_yield_one_dispute(engine, world, tmp_path, attempt):
    world.buyer("anna")
    number = world.order("anna")
    outcomes = _race(engine, tmp_path, number, ["conv-42:submit-1", "conv-42:submit-1"])
    assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][1] == outcomes[1][1]  # both callers are told the same dispute number
    assert _dispute_count(engine) == 1


def test_two_different_submissions_on_one_order_yield_one_dispute(engine, world, tmp_path):
    world.buyer("anna")
    number = world.order("anna")
    outcomes = sorted(_race(engine, tmp_path, number, ["tab-1", "tab-2"]))
    assert [o[0] for o in outcomes] == ["exists", "ok"], outcomes
    assert _dispute_count(engine) == 1


def test_concurrent_edits_one_wins_the_other_conflicts(engine, world, service):
    """Two edits read the same version; the second write finds it changed and nothing of it is saved."""
    world.buyer("anna")
    d = service.open_dispute("anna", world.order("anna"), received=True, problems=["damaged"]).dispute
    factory = SqlUnitOfWorkFactory(engine)
    with factory() as first_reader:
        first = first_reader.disputes.get_by_number(d.number)
    with factory() as second_reader:
        second = second_reader.disputes.get_by_number(d.number)
    with factory() as uow:
        first.seller_note = "first writer"
        uow.disputes.save(first)
        uow.commit()
    with pytest.raises(ConcurrentUpdate):
        with factory() as uow:
            second.seller_note = "second writer"
            uow.disputes.save(second)
            uow.commit()
    assert service.dispute_status("anna", d.number).dispute.seller_note == "first writer"


def test_insert_collision_after_clean_checks_answers_with_the_winner(engine, world, service, monkeypatch):
    """Deterministic version of the race: the checks saw no dispute (the other process had not committed),
    so the insert itself collides on the order's unique key and the service recovers."""
    from bot.store import repositories

    world.buyer("anna")
    number = world.order("anna")
    winner = service.open_dispute("anna", number, received=True, problems=["damaged"], submission_key="k-1").dispute
    blind = {"get_by_order", "get_by_submission_key"}
    originals = {name: getattr(repositories.DisputeRepository, name) for name in blind}
    calls = {"n": 0}

    def blind_once(name):
        def lookup(self, *args):
            calls["n"] += 1
            return None if calls["n"] <= 2 else originals[name](self, *args)
        return lookup

    for name in blind:
        monkeypatch.setattr(repositories.DisputeRepository, name, blind_once(name))
    again = service.open_dispute("anna", number, received=True, problems=["damaged"], submission_key="k-1")
    assert again.dispute.number == winner.number and calls["n"] > 2
    calls["n"] = 0
    with pytest.raises(DisputeAlreadyExists):
        service.open_dispute("anna", number, received=True, problems=["damaged"], submission_key="k-2")
    assert _dispute_count(engine) == 1
