"""Demo marketplace: three buyers and orders that exercise every path of the dispute journey at once.

Dates are relative to the clock, so "16 days of protection left" is true whenever the seed runs.
Disputes are created through the real services (with the clock moved back), so their audit logs are real too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Optional

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from bot.disputes.clock import Clock, FixedClock
from bot.disputes.evidence import EvidenceStorage
from bot.disputes.model import OrderStatus
from bot.disputes.policy import Rules
from bot.disputes.services import DisputeService

from . import tables as t
from .repositories import to_minor
from .uow import SqlUnitOfWorkFactory

BUYERS = [
    ("anna", "Anna Kowalska", "anna@example.com"),
    ("ben", "Ben Okafor", "ben@example.com"),
    ("chen", "Chen Wei", "chen@example.com"),
]
SELLERS = [
    ("s-soundwave", "SoundWave Official Store"),
    ("s-lilystyle", "LilyStyle Fashion Store"),
    ("s-homechef", "HomeChef Kitchenware Store"),
    ("s-techzone", "TechZone Electronics Store"),
    ("s-sportmax", "SportMax Outdoor Store"),
]


@dataclass(frozen=True)
class DemoOrder:
    number: str
    buyer: str
    seller: str
    item: str
    price: str
    status: OrderStatus
    ordered_days_ago: int
    shipped_days_ago: Optional[int]
    delivered_days_ago: Optional[int]
    # Days of Buyer Protection left at seed time (None before shipping, negative once ended). Six extra hours keep
    # "16 days" from turning into 15 during the day the demo is tried.
    protection_days_left: Optional[int]
    note: str


ORDERS = [
    DemoOrder("8190334512007781", "anna", "s-soundwave", "TWS wireless earbuds, Bluetooth 5.3, black", "23.99",
              OrderStatus.DELIVERED, 25, 22, 8, 40, "delivered, ~40 days of protection"),
    DemoOrder("8190334512007782", "anna", "s-lilystyle", "Women's summer midi dress, black, size M", "18.50",
              OrderStatus.DELIVERED, 60, 55, 30, 16, "delivered, ~16 days: still just in time"),
    DemoOrder("8190334512007783", "anna", "s-homechef", "Stainless steel kitchen knife set, 6 pieces", "34.90",
              OrderStatus.DELIVERED, 70, 66, 40, 10, "10 days left: too late to open"),
    DemoOrder("8190334512007784", "anna", "s-techzone", "Silicone phone case for iPhone 13, navy", "4.99",
              OrderStatus.DELIVERED, 140, 135, 110, -3, "protection ended 3 days ago"),
    DemoOrder("8190334512007785", "anna", "s-techzone", "Smart watch 1.9\" AMOLED, heart rate, GPS", "45.00",
              OrderStatus.AWAITING_SHIPMENT, 2, None, None, None, "not shipped yet"),
    DemoOrder("8190334512007786", "anna", "s-homechef", "LED strip lights 10 m, RGB with remote", "12.80",
              OrderStatus.SHIPPED, 48, 45, None, 30, "shipped 45 days ago, never arrived"),
    DemoOrder("8190334512007787", "anna", "s-sportmax", "Men's running shoes, size EU 43, grey", "39.99",
              OrderStatus.DELIVERED, 30, 27, 12, 48, "dispute awaiting the seller"),
    DemoOrder("8190334512007788", "anna", "s-techzone", "65W GaN USB-C charger, 3 ports", "19.99",
              OrderStatus.DELIVERED, 50, 47, 30, 35, "dispute escalated to the Dispute Team"),
    DemoOrder("8190334512007789", "anna", "s-soundwave", "Portable Bluetooth speaker, waterproof IPX7", "29.00",
              OrderStatus.DELIVERED, 45, 42, 25, 38, "refunded after a dispute"),
    DemoOrder("8190334512007790", "ben", "s-techzone", "Mechanical keyboard, 87 keys, brown switches", "59.90",
              OrderStatus.DELIVERED, 20, 18, 6, 30, "delivered, ~30 days"),
    DemoOrder("8190334512007791", "ben", "s-sportmax", "Carbon spinning fishing reel 5000", "27.45",
              OrderStatus.SHIPPED, 40, 37, None, 38, "shipped, not arrived"),
    DemoOrder("8190334512007792", "ben", "s-lilystyle", "Men's linen shirt, white, size L", "16.20",
              OrderStatus.DELIVERED, 35, 32, 14, 20, "delivered, ~20 days"),
    DemoOrder("8190334512007793", "chen", "s-homechef", "Non-stick frying pan 28 cm with lid", "21.75",
              OrderStatus.DELIVERED, 18, 15, 5, 45, "delivered, ~45 days"),
    DemoOrder("8190334512007794", "chen", "s-sportmax", "Yoga mat 6 mm, non-slip, purple", "15.30",
              OrderStatus.DELIVERED, 28, 25, 11, 42, "dispute awaiting the seller"),
]

_EXTRA = timedelta(hours=6)


def is_seeded(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.buyers)).scalar_one() > 0


def reset(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(t.metadata.sorted_tables):
            conn.execute(delete(table))


def seed(engine: Engine, clock: Clock, rules: Rules, storage: EvidenceStorage) -> bool:
    """Fills an empty store with the demo marketplace. Returns False (and changes nothing) if it has data."""
    if is_seeded(engine):
        return False
    now = clock.now()
    ago = lambda days: None if days is None else now - timedelta(days=days)  # noqa: E731
    with engine.begin() as conn:
        conn.execute(insert(t.buyers), [dict(id=i, name=n, email=e) for i, n, e in BUYERS])
        conn.execute(insert(t.sellers), [dict(id=i, name=n) for i, n in SELLERS])
        conn.execute(insert(t.orders), [
            dict(number=o.number, buyer_id=o.buyer, seller_id=o.seller, item=o.item,
                 price_minor=to_minor(Decimal(o.price)),
                 currency="USD", status=o.status.value, ordered_at=ago(o.ordered_days_ago),
                 shipped_at=ago(o.shipped_days_ago), delivered_at=ago(o.delivered_days_ago),
                 protection_ends_at=None if o.protection_days_left is None
                 else now + timedelta(days=o.protection_days_left) + _EXTRA)
            for o in ORDERS
        ])
    _seed_disputes(engine, now, rules, storage)
    return True


def _seed_disputes(engine: Engine, now: datetime, rules: Rules, storage: EvidenceStorage) -> None:
    past = FixedClock(now)
    service = DisputeService(SqlUnitOfWorkFactory(engine), past, rules, storage)

    past.set(now - timedelta(days=4))
    service.open_dispute("anna", "8190334512007787", received=True, problems=["size_mismatch"],
                         resolution="partial_refund", refund_amount="15.00",
                         description="Ordered EU 43 but the label says 43 and they fit like 41.")

    past.set(now - timedelta(days=rules.seller_response_days + 3))
    service.open_dispute("anna", "8190334512007788", received=True, problems=["not_working"],
                                   resolution="full_refund",
                                   description="Charger gets very hot and stops charging after 5 minutes.")
    past.set(now - timedelta(days=2))
    service.escalate_overdue()

    past.set(now - timedelta(days=9))
    speaker = service.open_dispute("anna", "8190334512007789", received=True, problems=["damaged"],
                                   resolution="full_refund", description="Speaker arrived with a cracked case.")
    past.set(now - timedelta(days=6))
    service.seller_accept("s-soundwave", speaker.dispute.number)

    past.set(now - timedelta(days=2))
    service.open_dispute("chen", "8190334512007794", received=True, problems=["color_mismatch"],
                         resolution="another_item", description="Ordered purple, got a grey mat.")
