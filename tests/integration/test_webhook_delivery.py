"""Dispute events reach a real receiver on 127.0.0.1 through the outbox worker, across a receiver outage and a
worker restart: each event arrives once per event id, in order per dispute (clock and backoff controlled)."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import httpx
from sqlalchemy import select
from support.webhook_receiver import WebhookReceiver

from bot.gateway import jobs
from bot.notifications.webhooks import Backoff, WebhookWorker
from bot.settings import Settings
from bot.store import tables as t
from bot.store.engine import create_store_engine
from bot.store.outbox import SqlOutbox

SECRET = "marketplace-webhook-secret"


def fresh_engine(engine):
    """Another engine on the same database, as a restarted process would have."""
    schema = getattr(engine, "pg_schema", None)
    return schema.engine() if schema is not None else create_store_engine(str(engine.url))


def outbox_rows(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(t.outbox_events, t.disputes.c.number)
            .join(t.disputes, t.disputes.c.id == t.outbox_events.c.dispute_id)
            .order_by(t.outbox_events.c.id)).all()


class WorkerProcess:
    """What a gateway with the background jobs holds for the webhook: its own engine, HTTP client and worker."""

    def __init__(self, engine, receiver: WebhookReceiver, clock) -> None:
        self.engine = fresh_engine(engine)
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
        services = SimpleNamespace(outbox=SqlOutbox(self.engine), settings=Settings(
            marketplace_webhook_url=receiver.url, marketplace_webhook_secret=SECRET))
        worker = jobs.webhook_worker(services, self.http, now=clock.now, backoff=Backoff(5, 120))
        assert isinstance(worker, WebhookWorker)
        self.worker = worker

    async def rounds(self, clock, n: int, step_seconds: float) -> None:
        for _ in range(n):
            await self.worker.run_once()
            clock.advance(seconds=step_seconds)

    async def stop(self) -> None:
        await self.http.aclose()
        self.engine.dispose()


def open_one(service, world, buyer, **kw):
    args = dict(received=True, problems=["damaged"], resolution="partial_refund", refund_amount="10.00")
    args.update(kw)
    return service.open_dispute(buyer, world.order(buyer, price="25.00"), **args).dispute


def test_outage_and_restart_deliver_each_event_once_in_order_per_dispute(engine, service, world, clock):
    anna, ben = world.buyer("anna"), world.buyer("ben")
    receiver = WebhookReceiver(SECRET, now=lambda: clock.now().timestamp())

    async def scenario():
        await receiver.start()
        a = open_one(service, world, anna)
        b = open_one(service, world, ben)
        service.seller_offer("s-1", a.number, "partial_refund", "12.00")

        # The receiver answers 503 for a while: a few minutes of retries, while disputes keep changing.
        receiver.failing = True
        first = WorkerProcess(engine, receiver, clock)
        await first.rounds(clock, 4, 20)
        service.accept_seller_offer(anna, a.number)
        service.escalate_dispute(ben, b.number)
        c = open_one(service, world, anna)
        await first.rounds(clock, 4, 30)
        assert receiver.refused and not receiver.accepted

        # Then it is gone altogether (connection refused), and the worker's process dies holding leases.
        await receiver.stop()
        await first.rounds(clock, 3, 40)
        # Past the longest backoff (2 minutes), so every pending event is due whatever the jitter drew: the
        # dying process then holds a lease on each dispute's next event.
        clock.advance(seconds=121)
        leased = first.worker._store.claim(clock.now(), timedelta(seconds=60), 10)
        assert leased  # claimed, never sent: the restarted worker must take them after the lease
        await first.stop()
        service.modify_dispute(anna, c.number, problems=["damaged", "missing_parts"])

        # Receiver back on the same URL; a new worker process on its own engine.
        receiver.failing = False
        await receiver.start()
        second = WorkerProcess(engine, receiver, clock)
        for _ in range(60):  # bounded: backoff is capped at 2 minutes, each round moves the clock a minute
            await second.rounds(clock, 1, 60)
            if SqlOutbox(second.engine).counts()["pending"] == 0:
                break
        await second.stop()
        await receiver.stop()
        return a, b, c

    a, b, c = asyncio.run(scenario())
    rows = outbox_rows(engine)
    assert [r.event_type for r in rows if r.number == a.number] == [
        "dispute.opened", "dispute.seller_offered", "dispute.offer_accepted", "dispute.refunded"]
    assert all(r.delivered_at is not None and r.failed_at is None for r in rows)

    # Once per event id, every event.
    arrived = Counter(body["id"] for body in receiver.accepted)
    assert set(arrived) == {r.event_id for r in rows}
    assert max(arrived.values()) == 1
    assert not [reason for reason, _ in receiver.refused if reason != "down"]  # every signature held

    # In order per dispute: the order the events were written in.
    for number in (a.number, b.number, c.number):
        written = [r.event_id for r in rows if r.number == number]
        received = [body["id"] for body in receiver.accepted if body["data"]["dispute"]["number"] == number]
        assert received == written, number
    last = [body for body in receiver.accepted if body["data"]["dispute"]["number"] == c.number][-1]
    assert last["type"] == "dispute.modified"
    assert last["data"]["dispute"]["claim"]["problems"] == ["damaged", "missing_parts"]


def test_the_worker_is_off_without_url_or_secret():
    def worker(**env):
        services = SimpleNamespace(outbox=None, settings=Settings(**env))
        return jobs.webhook_worker(services, None)

    assert worker() is None
    assert worker(marketplace_webhook_url="https://marketplace.test/hooks") is None
    assert worker(marketplace_webhook_secret="x") is None
    on = worker(marketplace_webhook_url="https://marketplace.test/hooks", marketplace_webhook_secret="x")
    assert on is not None and on.url == "https://marketplace.test/hooks"
