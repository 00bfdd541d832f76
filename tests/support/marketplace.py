"""The marketplace's side of the end-to-end tests: its systems calling /api/marketplace with a service token, and
what its webhook receiver (stack.marketplace, a support.webhook_receiver.ReceiverThread) got."""
from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, Dict, List

import httpx
from sqlalchemy import select

from bot.settings import Settings
from bot.store import tables as t
from bot.store.engine import create_store_engine
from support.waiting import wait_until


class MarketplaceSystems:
    """One service token (created with `python -m bot service-token create`) and a new Idempotency-Key per change."""

    def __init__(self, running, name: str, *scopes: str) -> None:
        args = [arg for scope in scopes for arg in ("--scope", scope)]
        self.token = running.bot("service-token", "create", name, *args).splitlines()[0]
        self.running = running

    def post(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        response = httpx.post(f"{self.running.url}/api/marketplace{path}", json=body, timeout=30,
                              headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": uuid.uuid4().hex})
        assert response.status_code == 200, response.text
        return response.json()

    def seller_acts(self, number: str, **body: Any) -> Dict[str, Any]:
        """The dispute's seller (read from the store) accepts, rejects or offers."""
        return self.post(f"/disputes/{number}/seller-actions", {"seller_id": self.seller_of(number), **body})

    def decides(self, number: str, **body: Any) -> Dict[str, Any]:
        return self.post(f"/disputes/{number}/decisions", body)

    def dispute_on(self, order_number: str) -> str:
        """The number of the dispute on this order."""
        engine = create_store_engine(Settings.from_env(self.running.env).database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(select(t.disputes.c.number).join(t.orders, t.disputes.c.order_id == t.orders.c.id)
                                    .where(t.orders.c.number == order_number)).scalar_one()
        finally:
            engine.dispose()

    def seller_of(self, number: str) -> str:
        return self.column(number, t.orders.c.seller_id)

    def column(self, number: str, column) -> Any:
        engine = create_store_engine(Settings.from_env(self.running.env).database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(select(column).select_from(t.disputes.join(
                    t.orders, t.disputes.c.order_id == t.orders.c.id)).where(t.disputes.c.number == number)
                ).scalar_one()
        finally:
            engine.dispose()

    def outbox(self, number: str) -> List[Any]:
        """The dispute's outbox rows, in the order they were written."""
        engine = create_store_engine(Settings.from_env(self.running.env).database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(select(t.outbox_events).join(t.disputes, t.disputes.c.id == t.outbox_events.c.dispute_id)
                                    .where(t.disputes.c.number == number).order_by(t.outbox_events.c.id)).all()
        finally:
            engine.dispose()


def marketplace_heard(running, number: str, *types: str, timeout: float = 60) -> List[Dict[str, Any]]:
    """Waits until the receiver has these event types for the dispute, in this order (others may be between),
    checks each event id arrived once, and returns the dispute's events as received."""
    wanted = list(types)

    def arrived():
        got = [body["type"] for body in running.marketplace.for_dispute(number)]
        return got if [x for x in got if x in wanted] == wanted else None
    wait_until(arrived, timeout, f"the marketplace to receive {wanted} for {number}", interval=0.2)
    bodies = running.marketplace.for_dispute(number)
    assert max(Counter(body["id"] for body in bodies).values()) == 1, bodies
    return bodies
