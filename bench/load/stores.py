"""The stores behind a benchmarked stack: a temporary PostgreSQL database for the scaled profile, the bench buyers
put in before the run, and the disputes counted after it (SQLite or PostgreSQL alike)."""
from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Dict, List, Mapping

from bench.stack import Stack

DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _on_server(server_url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    # CREATE/DROP DATABASE cannot run inside a transaction block.
    engine = create_engine(server_url, future=True, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def create_database(server_url: str, name: str) -> str:
    """Creates the empty PostgreSQL database `name` on `server_url`'s server; returns its URL. Fails if it exists,
    so two runs never share one."""
    from sqlalchemy.engine import make_url

    if not name.replace("_", "").isalnum():
        raise ValueError(f"plain database names only, got {name!r}")
    _on_server(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    # FORCE (PostgreSQL 13+) ends connections a killed process may have left behind.
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def temporary_database(server_url: str, name: str):
    """A fresh database for one run, dropped afterwards whatever happens."""
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def add_bench_buyers(env: Mapping[str, str], count: int) -> List[str]:
    """N buyers in the store `env` names (after `python -m bot seed`), each with one delivered order that can
    still get a dispute (40 days of protection); returns their buyer tokens."""
    from sqlalchemy import insert

    from bot.composition import build_services
    from bot.settings import Settings
    from bot.store import tables as t
    from bot.store.repositories import to_minor

    services = build_services(Settings.from_env(dict(env)))
    now = datetime.now(timezone.utc)
    ids = [f"bench{i:04d}" for i in range(count)]
    with services.engine.begin() as conn:
        conn.execute(insert(t.buyers), [{"id": b, "name": f"Bench buyer {b}", "email": ""} for b in ids])
        conn.execute(insert(t.orders), [{
            "number": f"77{i:014d}", "buyer_id": b, "seller_id": "s-soundwave",
            "item": "TWS wireless earbuds, Bluetooth 5.3, black", "price_minor": to_minor(Decimal("23.99")),
            "currency": "USD", "status": "delivered", "ordered_at": now - timedelta(days=25),
            "shipped_at": now - timedelta(days=22), "delivered_at": now - timedelta(days=8),
            "protection_ends_at": now + timedelta(days=40)} for i, b in enumerate(ids)])
    tokens = [services.buyer_tokens.issue(b) for b in ids]
    services.close()
    return tokens


def prepare_store(stack: Stack, buyers: int) -> List[str]:
    """Migrates and seeds the stack's store (before it starts), adds `buyers` bench buyers; returns their tokens."""
    stack.seed()
    return add_bench_buyers(stack.env, buyers)


def count_disputes(env: Mapping[str, str], buyers: int) -> Dict[str, int]:
    """Disputes per bench buyer in the store `env` names (SQLite or PostgreSQL alike)."""
    from sqlalchemy import func, select

    from bot.composition import build_services
    from bot.settings import Settings
    from bot.store import tables as t

    services = build_services(Settings.from_env(dict(env)))
    with services.engine.connect() as conn:
        rows = conn.execute(select(t.disputes.c.buyer_id, func.count()).where(t.disputes.c.buyer_id.like("bench%"))
                            .group_by(t.disputes.c.buyer_id)).all()
    services.close()
    per_buyer = {b: n for b, n in rows}
    return {"buyers_with_one": sum(1 for n in per_buyer.values() if n == 1),
            "duplicates": sum(n - 1 for n in per_buyer.values() if n > 1), "expected": buyers}
