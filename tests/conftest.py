"""Shared fixtures. Store tests run on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Optional

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine

from bot.disputes.accounts import AccountService
from bot.disputes.clock import FixedClock
from bot.disputes.model import OrderStatus
from bot.disputes.policy import Rules
from bot.disputes.services import DisputeService
from bot.store import migrate
from bot.store import tables as t
from bot.store.engine import create_store_engine
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.repositories import to_minor
from bot.store.uow import SqlUnitOfWorkFactory

START = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)  # a Monday
PG_URL = os.environ.get("TEST_DATABASE_URL")


@dataclass
class PgSchema:
    """A throw-away schema, so parallel or repeated runs never see each other's rows."""

    url: str
    schema: str

    def engine(self) -> Engine:
        return create_engine(self.url, future=True, connect_args={"options": f"-csearch_path={self.schema}"})


def _pg_schema() -> PgSchema:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    admin.dispose()
    return PgSchema(PG_URL, name)


def _drop_pg_schema(schema: PgSchema) -> None:
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema.schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        eng = create_store_engine(f"sqlite:///{tmp_path / 'disputes.db'}")
        migrate.upgrade(eng)
        yield eng
        eng.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL store tests need TEST_DATABASE_URL (CI sets it; .ci/run shows the value)")
    schema = _pg_schema()
    eng = schema.engine()
    eng.pg_schema = schema  # for tests that open more connections or processes
    migrate.upgrade(eng)
    yield eng
    eng.dispose()
    _drop_pg_schema(schema)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def rules() -> Rules:
    return Rules()


@pytest.fixture
def storage(tmp_path) -> DiskEvidenceStorage:
    return DiskEvidenceStorage(tmp_path / "evidence")


@pytest.fixture
def service(engine, clock, rules, storage) -> DisputeService:
    return DisputeService(SqlUnitOfWorkFactory(engine), clock, rules, storage)


@pytest.fixture
def accounts(engine, clock, rules) -> AccountService:
    return AccountService(SqlUnitOfWorkFactory(engine), clock, rules)


class World:
    """Builds buyers, sellers and orders directly in the store, relative to the test clock."""

    def __init__(self, engine: Engine, clock: FixedClock) -> None:
        self.engine = engine
        self.clock = clock
        self._next = 0

    def buyer(self, buyer_id: str, name: Optional[str] = None) -> str:
        with self.engine.begin() as conn:
            conn.execute(insert(t.buyers).values(id=buyer_id, name=name or buyer_id.title(), email=""))
        return buyer_id

    def seller(self, seller_id: str = "s-1") -> str:
        with self.engine.begin() as conn:
            if conn.execute(t.sellers.select().where(t.sellers.c.id == seller_id)).first() is None:
                conn.execute(insert(t.sellers).values(id=seller_id, name=f"Store {seller_id}"))
        return seller_id

    def order(self, buyer_id: str, *, days_left: Optional[float] = 40, price: str = "25.00",
              status: OrderStatus = OrderStatus.DELIVERED, seller_id: str = "s-1", item: str = "Test item") -> str:
        self.seller(seller_id)
        self._next += 1
        number = f"{1000000000000000 + self._next}"
        now = self.clock.now()
        with self.engine.begin() as conn:
            conn.execute(insert(t.orders).values(
                number=number, buyer_id=buyer_id, seller_id=seller_id, item=item,
                price_minor=to_minor(Decimal(price)), currency="USD", status=status.value,
                ordered_at=now - timedelta(days=20),
                shipped_at=None if status is OrderStatus.AWAITING_SHIPMENT else now - timedelta(days=18),
                delivered_at=now - timedelta(days=5) if status is OrderStatus.DELIVERED else None,
                protection_ends_at=None if days_left is None else now + timedelta(days=days_left),
            ))
        return number


@pytest.fixture
def world(engine, clock) -> World:
    return World(engine, clock)


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _rasa_as_released():
    """A test that installs the Rasa patches (bot.patches.rasa) leaves Rasa as released for the next one."""
    yield
    from bot.patches import rasa as rasa_patches  # imports nothing of Rasa until install() runs

    rasa_patches.uninstall()
