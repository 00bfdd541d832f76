"""Helpers for end-to-end tests. Starts the real stack (`python -m bot run`: action server, Rasa with the trained model, gateway) on free
loopback ports with its own var/ directory, and talks to it as a buyer would."""
from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Dict, List, Optional

import httpx
import pytest

from bot.settings import default_rasa_processes
from fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Press Ctrl-C to stop everything."  # what bot/runner.py prints once every process is up
START_SECONDS = 240
STOP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


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
    s = Stack(tmp_path_factory.mktemp("stack-var"), {
        "TELEGRAM_TOKEN": "424242:E2E-token", "TELEGRAM_BASE_URL": telegram.url, "PUSH_INTERVAL_SECONDS": "0.5",
        "DEMO_BUYERS": "anna,ben,chen"})  # the browser tests sign in on the demo page, as after `make run`
    s.telegram = telegram
    s.start()
    yield s
    s.stop()
    telegram.stop()
