"""The end-to-end tests' stack: bench.stack's launcher (`python -m bot run` on free loopback ports with its own
var/ directory), plus what only the tests need: a failed start fails the test, buyers of each test's own, a buyer
chatting over REST, and the session fixture.

The tests share one stack, so none of them changes the demo buyers: each makes buyers of its own with
`stack.copy_buyer("anna")` (the same orders and disputes under new numbers) and looks only at its own
conversations and hand-offs. They pass in any order (`--random-order`)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from bench.stack import START_SECONDS, Stack, StackError, free_port, listening
from bot.settings import Settings
from bot.store import tables as t
from bot.store.engine import create_store_engine
from bot.store.seed import BUYERS
from support.fake_telegram import FakeTelegram
from support.waiting import wait_until
from support.webhook_receiver import ReceiverThread

ROOT = Path(__file__).resolve().parents[2]
DEMO_BUYER_IDS = tuple(buyer_id for buyer_id, _, _ in BUYERS)
# DEMO_BUYERS is read when the stack starts, so the demo page may sign in this many copies of each demo buyer
# (their ids are known in advance: see E2EStack.copy_buyer).
COPIES_SIGNED_IN = 30

__all__ = ["E2EStack", "Buyer", "CopiedBuyer", "ROOT", "free_port", "listening", "stack"]


@dataclass(frozen=True)
class CopiedBuyer:
    """A buyer of one test's own: a copy of a demo buyer with the same orders and disputes under new numbers."""

    id: str
    orders: Dict[str, str]  # the demo buyer's order number -> the copy's

    def order(self, demo_number: str) -> str:
        return self.orders[demo_number]


def copy_id(demo_id: str, serial: int) -> str:
    return f"{demo_id}-{serial:02d}"  # two digits: no copy's id starts another's ("chen-03", "chen-30")


def _without_id(row: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in row.items() if key != "id"}


def _copy_buyer_rows(conn: Connection, demo_id: str, buyer_id: str, serial: int) -> Tuple[Dict[str, str], int]:
    """Copies a buyer with their orders, disputes, dispute events, evidence records and refunds. Returns the
    order numbers (demo -> copy) and the id of the last event copied (0 if none)."""
    demo = conn.execute(select(t.buyers).where(t.buyers.c.id == demo_id)).mappings().one()
    conn.execute(insert(t.buyers).values(id=buyer_id, name=demo["name"], email=f"{buyer_id}@example.com"))
    numbers: Dict[str, str] = {}
    order_ids: Dict[int, int] = {}
    for order in conn.execute(select(t.orders).where(t.orders.c.buyer_id == demo_id)).mappings().all():
        # Same length and shape as the demo numbers (16 digits), digits 11-14 tell the copy ("0077" in the demo).
        number = order["number"][:10] + f"{100 + serial:04d}" + order["number"][14:]
        result = conn.execute(insert(t.orders).values(**{**_without_id(order), "number": number,
                                                         "buyer_id": buyer_id}))
        numbers[order["number"]], order_ids[order["id"]] = number, result.inserted_primary_key[0]
    last_event = 0
    for dispute in conn.execute(select(t.disputes).where(t.disputes.c.buyer_id == demo_id)).mappings().all():
        result = conn.execute(insert(t.disputes).values(**{
            **_without_id(dispute), "number": _unused_dispute_number(conn),
            "order_id": order_ids[dispute["order_id"]], "buyer_id": buyer_id}))
        dispute_id = result.inserted_primary_key[0]
        events = t.dispute_events
        for event in conn.execute(select(events).where(events.c.dispute_id == dispute["id"])
                                  .order_by(events.c.id)).mappings().all():
            actor_id = buyer_id if event["actor_kind"] == "buyer" else event["actor_id"]
            result = conn.execute(insert(events).values(**{**_without_id(event), "dispute_id": dispute_id,
                                                           "actor_id": actor_id}))
            last_event = max(last_event, result.inserted_primary_key[0])
        for table in (t.evidence_files, t.refunds):
            for row in conn.execute(select(table).where(table.c.dispute_id == dispute["id"])).mappings().all():
                conn.execute(insert(table).values(**{**_without_id(row), "dispute_id": dispute_id}))
    return numbers, last_event


def _unused_dispute_number(conn: Connection) -> str:
    while True:
        number = str(secrets.randbelow(9 * 10**11) + 10**11)  # as bot.disputes.services makes them
        if conn.execute(select(t.disputes.c.id).where(t.disputes.c.number == number)).first() is None:
            return number


def _telegram_push_cursor(engine: Engine) -> Optional[int]:
    with engine.connect() as conn:
        return conn.execute(select(t.push_cursors.c.last_event_id)
                            .where(t.push_cursors.c.channel == "telegram")).scalar()


class E2EStack(Stack):
    """The embedded set-up (test_scaled.py covers the scale-out one), whatever the shell or .env says: each start
    seeds the demo data first, and a start that fails fails the test with what the stack printed."""

    def __init__(self, var_dir: Path, extra_env: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(var_dir, extra_env)
        self.telegram: Optional[FakeTelegram] = None
        self.marketplace: Optional[ReceiverThread] = None
        self._copies: Dict[str, int] = {}  # demo buyer -> copies made

    def start(self, timeout: float = START_SECONDS) -> float:
        try:
            self.seed()
            return super().start(timeout)
        except StackError as exc:
            pytest.fail(str(exc))

    def copy_buyer(self, demo_id: str) -> CopiedBuyer:
        """A new buyer for one test: `demo_id`'s orders and disputes (same items, prices, dates and statuses)
        under new order and dispute numbers, so whatever the test does touches no other test's data. The first
        COPIES_SIGNED_IN copies of each demo buyer can sign in on the demo page."""
        serial = self._copies.get(demo_id, 0) + 1
        self._copies[demo_id] = serial
        buyer_id = copy_id(demo_id, serial)
        engine = create_store_engine(Settings.from_env(self.env).database_url)
        try:
            with engine.begin() as conn:
                orders, last_event = _copy_buyer_rows(conn, demo_id, buyer_id, serial)
            # The copied events are new to the Telegram notifier: it must be past them before the test links a
            # chat to the copy, or that chat gets a demo dispute's old news.
            if last_event and _telegram_push_cursor(engine) is not None:
                wait_until(lambda: _telegram_push_cursor(engine) >= last_event, 30,
                           "the Telegram notifier to pass the copied dispute events", interval=0.1)
        finally:
            engine.dispose()
        return CopiedBuyer(buyer_id, orders)


class Buyer:
    """A buyer chatting through the gateway's REST endpoint, who can only tap buttons the bot showed."""

    def __init__(self, stack: Stack, buyer_id: str, sender: str) -> None:
        self.token = stack.bot("token", buyer_id)
        self.url = f"{stack.url}/webhooks/rest/webhook"
        self.sender = sender
        self.last: List[Dict] = []

    def say(self, text: str) -> List[Dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": text},
                              headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
        assert response.status_code == 200, response.text
        self.last = response.json()
        return self.last

    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.last)

    def tap(self, title_part: str) -> List[Dict]:
        for message in self.last:
            for b in message.get("buttons") or []:
                if title_part.lower() in b["title"].lower():
                    return self.say(b["payload"])
        raise AssertionError(f"no button with {title_part!r} in {self.last}")


MARKETPLACE_WEBHOOK_SECRET = "e2e-marketplace-webhook-secret"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """One running stack shared by the end-to-end tests (import this fixture to use it). Its Telegram channel
    talks to a fake Bot API server on loopback (`stack.telegram`); its dispute events go to a marketplace webhook
    receiver on loopback (`stack.marketplace`), retried within seconds rather than minutes."""
    telegram = FakeTelegram().start(free_port())
    marketplace = ReceiverThread(MARKETPLACE_WEBHOOK_SECRET).start()
    # The browser tests sign in on the demo page, as after `make run`, each as a copy of a demo buyer.
    signed_in = [*DEMO_BUYER_IDS, *(copy_id(demo, serial) for demo in DEMO_BUYER_IDS
                                    for serial in range(1, COPIES_SIGNED_IN + 1))]
    s = E2EStack(tmp_path_factory.mktemp("stack-var"), {
        "TELEGRAM_TOKEN": "424242:E2E-token", "TELEGRAM_BASE_URL": telegram.url, "PUSH_INTERVAL_SECONDS": "0.5",
        "DEMO_BUYERS": ",".join(signed_in), "MARKETPLACE_WEBHOOK_URL": marketplace.url,
        "MARKETPLACE_WEBHOOK_SECRET": MARKETPLACE_WEBHOOK_SECRET, "MARKETPLACE_WEBHOOK_RETRY_FIRST_SECONDS": "1",
        "MARKETPLACE_WEBHOOK_RETRY_MAX_SECONDS": "4"})
    s.telegram = telegram
    s.marketplace = marketplace
    s.start()
    yield s
    s.stop()
    telegram.stop()
    marketplace.close()
