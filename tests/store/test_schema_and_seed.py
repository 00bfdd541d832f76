"""The migrated schema matches the tables the code uses; the demo seed covers every path and is idempotent."""
from __future__ import annotations

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.disputes.model import DisputeStatus, OrderStatus
from bot.store import seed as demo
from bot.store import tables as t
from bot.store.uow import SqlUnitOfWorkFactory


def test_migrations_produce_exactly_the_declared_schema(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), t.metadata)
    assert diff == []


def test_seed_covers_every_path(engine, clock, rules, storage, service):
    assert demo.seed(engine, clock, rules, storage) is True
    with SqlUnitOfWorkFactory(engine)() as uow:
        buyers = uow.buyers.list()
    assert len(buyers) >= 3
    summaries = [s for b in buyers for s in service.list_orders(b.id)]
    assert len(summaries) >= 12
    anna = {s.order.number: s for s in service.list_orders("anna")}
    days = sorted(s.protection_days_left for s in anna.values()
                  if s.order.status is OrderStatus.DELIVERED and s.dispute_number is None)
    assert 40 in days and 16 in days and 10 in days and 0 in days  # fine, just in time, too late, expired
    assert any(s.order.status is OrderStatus.AWAITING_SHIPMENT for s in anna.values())
    assert any(s.order.status is OrderStatus.SHIPPED and s.eligibility.can_open for s in anna.values())
    statuses = {s.dispute_status for s in anna.values() if s.dispute_status}
    assert {DisputeStatus.AWAITING_SELLER, DisputeStatus.ESCALATED, DisputeStatus.RESOLVED} <= statuses
    refunded = next(s for s in anna.values() if s.dispute_status is DisputeStatus.RESOLVED)
    assert service.refund_status("anna", refunded.dispute_number).refund is not None
    sixteen = next(s for s in anna.values() if s.protection_days_left == 16)
    clock.advance(hours=5)  # still openable later the same day
    assert service.order_summary("anna", sixteen.order.number).eligibility.can_open


def test_seed_is_idempotent_and_reset_starts_over(engine, clock, rules, storage):
    def count():
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(t.orders)).scalar_one(),
                    conn.execute(select(func.count()).select_from(t.disputes)).scalar_one())

    demo.seed(engine, clock, rules, storage)
    first = count()
    assert demo.seed(engine, clock, rules, storage) is False
    assert count() == first
    clock.advance(days=3)
    demo.reset(engine)
    assert count() == (0, 0)
    assert demo.seed(engine, clock, rules, storage) is True
    assert count() == first
    with engine.connect() as conn:
        ends = conn.execute(select(t.orders.c.protection_ends_at)
                            .where(t.orders.c.number == demo.ORDERS[0].number)).scalar_one()
    assert ends - clock.now() > timedelta(days=40)  # dates follow the clock at seed time
