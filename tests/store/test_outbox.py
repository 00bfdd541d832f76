"""The dispute-event outbox (bot.store.outbox): written with the change, handed out in order per dispute, leased."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.disputes.errors import ConcurrentUpdate
from bot.disputes.model import Agent, AgentRole
from bot.store import tables as t
from bot.store.outbox import EVENT_TYPES, SqlOutbox
from bot.store.repositories import DisputeRepository

LEASE = timedelta(seconds=60)
TEAM = Agent(7, "Dana (Dispute Team)", AgentRole.DISPUTE_TEAM)


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(t.outbox_events).order_by(t.outbox_events.c.id)).all()


def history_count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.dispute_events)).scalar_one()


def open_one(service, world, buyer="anna", **kw):
    with world.engine.connect() as conn:
        known = conn.execute(select(t.buyers).where(t.buyers.c.id == buyer)).first() is not None
    if not known:
        world.buyer(buyer)
    args = dict(received=True, problems=["damaged"], resolution="partial_refund", refund_amount="10.00",
                description="Cracked")
    args.update(kw)
    return service.open_dispute(buyer, world.order(buyer, price="25.00"), **args).dispute


class TestWrittenWithTheChange:
    def test_every_change_writes_its_event_with_the_dispute_after_it(self, service, world, engine, clock):
        d = open_one(service, world)
        clock.advance(minutes=1)
        service.seller_offer("s-1", d.number, "partial_refund", "15.00", note="Half back?")
        clock.advance(minutes=1)
        service.accept_seller_offer("anna", d.number)
        got = rows(engine)
        assert [r.event_type for r in got] == ["dispute.opened", "dispute.seller_offered", "dispute.offer_accepted",
                                               "dispute.refunded"]
        assert len({r.event_id for r in got}) == 4
        assert all(r.delivered_at is None and r.failed_at is None and r.attempts == 0 for r in got)
        opened = got[0].payload
        assert opened["actor"] == {"kind": "buyer"}
        assert opened["dispute"]["number"] == d.number and opened["dispute"]["status"] == "awaiting_seller"
        assert opened["dispute"]["claim"] == {"received": True, "problems": ["damaged"],
                                              "resolution": "partial_refund", "refund_amount": "10.00",
                                              "currency": "USD"}
        assert opened["dispute"]["seller_offer"] is None
        assert opened["dispute"]["seller_deadline"].endswith("Z") and opened["dispute"]["buyer_id"] == "anna"
        assert opened["detail"]["problems"] == ["damaged"]
        offered = got[1].payload
        assert offered["actor"] == {"kind": "seller"}
        assert offered["dispute"]["seller_offer"] == {"resolution": "partial_refund", "amount": "15.00",
                                                      "currency": "USD"}
        assert offered["detail"]["note"] == "Half back?"
        accepted = got[2].payload
        assert accepted["dispute"]["status"] == "resolved"  # after the change, not before
        assert got[3].payload["actor"] == {"kind": "system"} and got[3].payload["detail"]["amount"] == "15.00"
        assert got[2].created_at == clock.now()

    def test_the_other_public_types(self, service, world, engine):
        a = open_one(service, world)
        service.modify_dispute("anna", a.number, problems=["damaged", "missing_parts"])
        service.escalate_dispute("anna", a.number)
        service.decide(TEAM, a.number, in_buyers_favour=False, note="Photos show no damage")
        b = open_one(service, world)
        service.seller_reject("s-1", b.number, note="It was fine")
        service.cancel_dispute("anna", b.number, confirmed=True)
        c = open_one(service, world, resolution="full_refund", refund_amount=None)
        service.seller_accept("s-1", c.number)
        types = [r.event_type for r in rows(engine)]
        assert types == ["dispute.opened", "dispute.modified", "dispute.escalated", "dispute.decided",
                         "dispute.opened", "dispute.seller_rejected", "dispute.cancelled",
                         "dispute.opened", "dispute.seller_accepted", "dispute.refunded"]
        assert rows(engine)[3].payload["actor"] == {"kind": "agent"}

    def test_a_change_that_rolls_back_leaves_no_outbox_row(self, service, world, engine, monkeypatch):
        d = open_one(service, world)
        before, history = len(rows(engine)), history_count(engine)

        def lost_race(self, dispute):
            raise ConcurrentUpdate()

        monkeypatch.setattr(DisputeRepository, "save", lost_race)  # fails after the event was written
        with pytest.raises(ConcurrentUpdate):
            service.escalate_dispute("anna", d.number)
        assert len(rows(engine)) == before == 1
        assert history_count(engine) == history

    def test_every_action_the_services_record_is_mapped_or_deliberately_not(self, project_root):
        import re

        source = (project_root / "bot/disputes/services.py").read_text()
        actions = set(re.findall(r'self\._event\([^"]*"([a-z_]+)"', source, flags=re.S))
        assert actions and actions <= set(EVENT_TYPES), actions - set(EVENT_TYPES)


class TestClaiming:
    def test_one_event_per_dispute_at_a_time_in_order(self, service, world, engine, clock):
        outbox = SqlOutbox(engine)
        a = open_one(service, world)
        service.escalate_dispute("anna", a.number)
        b = open_one(service, world)
        now = clock.now()
        first = outbox.claim(now, LEASE, 10)
        assert [(e.event_type, e.payload["dispute"]["number"]) for e in first] == [
            ("dispute.opened", a.number), ("dispute.opened", b.number)]
        # Retried later: a's escalation still waits behind a's opening.
        outbox.mark_retry(first[0].event_id, now + timedelta(seconds=5), "HTTP 503")
        outbox.mark_delivered(first[1].event_id, now)
        assert outbox.claim(now + timedelta(seconds=1), LEASE, 10) == []
        again = outbox.claim(now + timedelta(seconds=5), LEASE, 10)
        assert [(e.event_id, e.attempts) for e in again] == [(first[0].event_id, 2)]
        outbox.mark_failed(again[0].event_id, now, "HTTP 503")  # given up: the next one may go
        nxt = outbox.claim(now + timedelta(seconds=5), LEASE, 10)
        assert [e.event_type for e in nxt] == ["dispute.escalated"]

    def test_a_claimed_event_is_leased_and_comes_back_when_the_lease_ends(self, service, world, engine, clock):
        outbox = SqlOutbox(engine)
        open_one(service, world)
        now = clock.now()
        [taken] = outbox.claim(now, LEASE, 10)
        assert outbox.claim(now + LEASE - timedelta(seconds=1), LEASE, 10) == []  # another worker gets nothing
        [back] = outbox.claim(now + LEASE, LEASE, 10)  # the first worker died holding it
        assert back.event_id == taken.event_id and back.attempts == 2

    def test_two_workers_claiming_at_once_never_take_the_same_event(self, service, world, engine, clock):
        for _ in range(6):
            open_one(service, world)
        now = clock.now()
        outboxes = [SqlOutbox(engine) for _ in range(4)]
        barrier = threading.Barrier(len(outboxes))
        got: list = []

        def work(outbox):
            barrier.wait()
            got.append([e.event_id for e in outbox.claim(now, LEASE, 10)])

        threads = [threading.Thread(target=work, args=(o,)) for o in outboxes]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
        taken = [event_id for claimed in got for event_id in claimed]
        assert len(taken) == len(set(taken)) == 6

    def test_operators_list_and_replay(self, service, world, engine, clock):
        outbox = SqlOutbox(engine)
        open_one(service, world)
        open_one(service, world)
        now = clock.now()
        a, b = outbox.claim(now, LEASE, 10)
        outbox.mark_failed(a.event_id, now, "HTTP 500")
        outbox.mark_failed(b.event_id, now, "ConnectError: refused")
        assert outbox.counts() == {"pending": 0, "failed": 2, "delivered": 0}
        failed = outbox.undelivered("failed")
        assert [(r.state, r.last_error) for r in failed] == [("failed", "HTTP 500"),
                                                             ("failed", "ConnectError: refused")]
        assert all(r.replayed_at is None for r in failed)
        assert outbox.replay(now, event_id=a.event_id) == 1
        assert outbox.counts() == {"pending": 1, "failed": 1, "delivered": 0}
        # Replay starts the attempts again; the row still says it was replayed, and when.
        [replayed] = outbox.undelivered("pending")
        assert replayed.attempts == 0 and replayed.replayed_at == now
        assert replayed.as_dict()["replayed_at"] is not None
        assert outbox.replay(now, all_failed=True) == 1
        assert outbox.replay(now, event_id="no-such-event") == 0
        assert sorted(e.event_id for e in outbox.claim(now, LEASE, 10)) == sorted([a.event_id, b.event_id])
