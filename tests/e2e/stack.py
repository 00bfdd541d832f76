"""Helpers for end-to-end tests. Starts the real stack (`python -m bot run`: action server, Rasa with the trained model, gateway) on free
loopback ports with its own var/ directory, and talks to it as a buyer would.

The tests share one stack, so none of them changes the demo buyers: each makes buyers of its own with
`stack.copy_buyer("anna")` (the same orders and disputes under new numbers) and looks only at its own
conversations and hand-offs. They pass in any order (`--random-order`)."""
from __future__ import annotations

import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Dict, List, Mapping, Optional, Tuple

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from bot.settings import Settings, default_rasa_processes
from bot.store import tables as t
from bot.store.engine import create_store_engine
from bot.store.seed import BUYERS
from fake_telegram import FakeTelegram
from waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Press Ctrl-C to stop everything."  # what bot/runner.py prints once every process is up
START_SECONDS = 240
STOP_SECONDS = 60
DEMO_BUYER_IDS = tuple(buyer_id for buyer_id, _, _ in BUYERS)
# DEMO_BUYERS is read when the stack starts, so the demo page may sign in this many copies of each demo buyer
# (their ids are known in advance: see Stack.copy_buyer).
COPIES_SIGNED_IN = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


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


class Stack:
    def __init__(self, var_dir: Path, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.ports = {"rasa": free_port(), "actions": free_port(), "gateway": free_port()}
        self.var_dir = var_dir
        # As many Rasa processes as `make run` starts here, each on a port known to be free.
        self.ports.update({f"rasa {i + 1}": free_port() for i in range(1, default_rasa_processes())})
        rasa_urls = [f"http://127.0.0.1:{port}" for name, port in self.ports.items() if name.startswith("rasa")]
        self.env = {**os.environ, "VAR_DIR": str(var_dir), "RASA_URL": ",".join(rasa_urls),
                    "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports['actions']}",
                    "GATEWAY_PORT": str(self.ports["gateway"]), **(extra_env or {})}
        # The embedded set-up (test_scaled.py covers the scale-out one), whatever the shell or .env says.
        for name in ("DATABASE_URL", "BOT_SECRET", "RASA_TRACKER_URL", "RASA_WORKERS", "RASA_PROCESSES",
                     "ACTION_SERVER_WORKERS",
                     "GATEWAY_PROCESSES", "GATEWAY_BACKGROUND_JOBS"):
            if name not in (extra_env or {}):
                self.env.pop(name, None)
        self.url = f"http://127.0.0.1:{self.ports['gateway']}"
        self.output: List[str] = []  # what the stack printed up to READY_LINE
        self.process: Optional[subprocess.Popen] = None
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._reader: Optional[threading.Thread] = None
        self._copies: Dict[str, int] = {}  # demo buyer -> copies made

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

    def bot(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=120).stdout.strip()

    @staticmethod
    def _read_output(stream: IO[str], lines: "queue.Queue[Optional[str]]") -> None:
        # Reads for the stack's whole life, not only until it is up: a pipe nobody empties fills up and the
        # stack then blocks on its next print (the runner prints again when it restarts a crashed process).
        for line in stream:
            lines.put(line)
        lines.put(None)  # the output ended: the stack exited

    def start(self, timeout: float = START_SECONDS) -> None:
        """Starts the stack and returns once it printed READY_LINE; fails the test (with what it printed) if it
        exits first or `timeout` seconds pass, and never leaves it running then."""
        if not any((ROOT / "models").glob("*.tar.gz")):
            pytest.fail("No trained model: run the suite through `make test`, which trains it first.")
        self.bot("seed")
        self.output = []
        self._lines = queue.Queue()
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read_output, args=(self.process.stdout, self._lines),
                                        name="stack-output", daemon=True)
        self._reader.start()
        try:
            problem = self._wait_until_ready(time.monotonic() + timeout)
        except BaseException:  # the test's own timeout or Ctrl-C while waiting: do not leave the stack behind
            self.stop()
            raise
        if problem:
            rest = self.stop()
            pytest.fail(f"stack did not start ({problem}):\n" + "".join(self.output) + rest)

    def _wait_until_ready(self, deadline: float) -> Optional[str]:
        """None once READY_LINE is printed, else what went wrong. The wait is a queue read with the time left,
        so a stack that prints nothing cannot hold it past the deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "no ready line in time"
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return "no ready line in time"
            if line is None:
                return f"it exited with {self.process.wait()}"
            self.output.append(line)
            if READY_LINE in line:
                return None

    def stop(self) -> str:
        """Ctrl-C, then a kill if it is still running after STOP_SECONDS. Returns what it printed after
        READY_LINE."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._reader is not None:
            self._reader.join(timeout=10)  # the output ends with the process (unless a grandchild still holds it)
        rest = []
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                rest.append(line)
        return "".join(rest)


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


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """One running stack shared by the end-to-end tests (import this fixture to use it). Its Telegram channel
    talks to a fake Bot API server on loopback (`stack.telegram`)."""
    telegram = FakeTelegram().start(free_port())
    # The browser tests sign in on the demo page, as after `make run`, each as a copy of a demo buyer.
    signed_in = [*DEMO_BUYER_IDS, *(copy_id(demo, serial) for demo in DEMO_BUYER_IDS
                                    for serial in range(1, COPIES_SIGNED_IN + 1))]
    s = Stack(tmp_path_factory.mktemp("stack-var"), {
        "TELEGRAM_TOKEN": "424242:E2E-token", "TELEGRAM_BASE_URL": telegram.url, "PUSH_INTERVAL_SECONDS": "0.5",
        "DEMO_BUYERS": ",".join(signed_in)})
    s.telegram = telegram
    s.start()
    yield s
    s.stop()
    telegram.stop()
