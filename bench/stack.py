"""The one launcher of the full stack (`python -m bot run`: action server, Rasa with the trained model, gateway)
shared by the end-to-end tests (tests/support/e2e.py) and the benchmarks (bench.load, bench.faults,
bench.conversations).

    stack = Stack(var_dir, profile="single")           # free loopback ports, its own VAR_DIR, nothing started
    stack.seed()                                       # `python -m bot seed` into the store it names
    seconds = stack.start()                            # until the runner's ready line and every gateway's /healthz
                                                       # (or launch() now, wait_up() later, to watch it start)
    stack.url, stack.urls, stack.ports, stack.env      # where it listens, what it was started with
    stack.pid, stack.pids(), stack.processes("rasa")   # the runner; its children by name and by role
    stack.kill("action_server")                        # kill -9 of one child's process group (it is restarted)
    stack.output, stack.log(), stack.log("rasa")       # what the runner printed; a child's log
    rest = stack.stop()                                # Ctrl-C, a kill after STOP_SECONDS; what it printed since

Profile `single` is `python -m bot run`'s default (SQLite files under VAR_DIR, in-memory lock store, one worker
each, one gateway); `scaled` takes a PostgreSQL URL for the dispute store and Rasa's conversations, a Redis URL,
and worker and gateway counts (docs/deployment.md). Settings of the developer's shell or .env that would change
the stack under test are dropped; `extra_env` adds or overrides any. The runner's output goes to a file
(`log_path`, by default VAR_DIR/stack.log), never to a pipe that could fill up; each child also logs under
VAR_DIR/logs. Only loopback addresses; every wait is bounded.

This module imports nothing of the tests (tests/ is not a package); the tests import it.
"""
from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import httpx

ROOT = Path(__file__).resolve().parents[1]
READY_LINE = "Press Ctrl-C to stop everything."  # what bot/ops/runner.py prints once every process is healthy
START_SECONDS = 240.0
STOP_SECONDS = 60.0
PROFILES = ("single", "scaled")
# Settings of the developer's shell or .env that would change the stack under test; each stack sets its own.
STACK_SETTINGS = ("DATABASE_URL", "BOT_SECRET", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "REDIS_URL",
                  "RASA_TRACKER_URL", "RASA_WORKERS", "RASA_PROCESSES", "ACTION_SERVER_WORKERS", "GATEWAY_PROCESSES",
                  "GATEWAY_BACKGROUND_JOBS", "GATEWAY_HOST", "AGENT_WEBHOOK_URL", "MARKETPLACE_WEBHOOK_URL",
                  "MARKETPLACE_WEBHOOK_SECRET")


class StackError(RuntimeError):
    """The stack did not start, did not become healthy, or exited; the message says what it printed."""


# ---- ports ----------------------------------------------------------------------------------------------------

# Listening ports come from below the kernel's ephemeral range (32768-60999 on Linux): a port picked there and
# bound a few seconds later (Rasa's second process starts after the first) can meanwhile be taken by an outgoing
# connection, which made a stack fail with "address already in use" once in a fresh-clone run.
LISTEN_PORTS = range(20000, 32000)


def free_port() -> int:
    for _ in range(100):
        port = random.choice(LISTEN_PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # all tried were busy: let the kernel choose
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports_in_a_row(count: int, attempts: int = 50) -> int:
    """The first of `count` consecutive free loopback ports (Rasa processes and gateways listen on port + i)."""
    for _ in range(attempts):
        first = free_port()
        if first + count > 65536:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# ---- processes (Linux /proc) ----------------------------------------------------------------------------------

def children_of(pid: int) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def process_tree(pid: int) -> List[int]:
    """`pid` and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(children_of(current))
    return pids


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160]
    except OSError:
        return ""


def role_of(command: str) -> str:
    """rasa, gateway, action_server or other, from a process's command line."""
    for part, role in (("rasa run", "rasa"), ("uvicorn", "gateway"), ("bot.rasa.action_server", "action_server")):
        if part in command:
            return role
    return "other"


# ---- the stack ------------------------------------------------------------------------------------------------

def wait_healthy(url: str, process: subprocess.Popen, timeout: float, what: str = "process") -> float:
    """Seconds until `url` answers 200; StackError if `process` exits first or `timeout` passes."""
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise StackError(f"the {what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=3).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > timeout:
            raise StackError(f"{url} not healthy after {timeout:.0f} s")
        time.sleep(0.25)


def stop_process(process: subprocess.Popen, timeout: float = STOP_SECONDS) -> None:
    """Ctrl-C, then a kill if it is still running after `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Stack:
    """One full stack on free loopback ports with its own VAR_DIR. Nothing runs until start()."""

    def __init__(self, var_dir: Path, extra_env: Optional[Mapping[str, str]] = None, *, profile: str = "single",
                 database_url: Optional[str] = None, redis_url: Optional[str] = None,
                 rasa_processes: Optional[int] = None, rasa_workers: int = 1, action_server_workers: int = 1,
                 gateways: int = 1, log_path: Optional[Path] = None) -> None:
        """`rasa_processes` defaults to the product's default for `single` (what `make run` starts here) and to
        one for `scaled`; `rasa_workers`, `action_server_workers` and `gateways` above one need `scaled`."""
        if profile not in PROFILES:
            raise ValueError(f"profile is one of {PROFILES}, got {profile!r}")
        if profile == "scaled" and not (database_url and redis_url):
            raise ValueError("the scaled profile needs a database URL and a Redis URL")
        if profile == "single" and max(rasa_workers, action_server_workers, gateways) > 1:
            raise ValueError("several workers or gateways need the scaled profile")
        if rasa_processes is None:
            from bot.settings import default_rasa_processes

            rasa_processes = default_rasa_processes() if profile == "single" else 1
        self.profile = profile
        self.var_dir = Path(var_dir)
        self.log_path = Path(log_path) if log_path else self.var_dir / "stack.log"
        rasa_port, gateway_port = free_ports_in_a_row(rasa_processes), free_ports_in_a_row(gateways)
        self.ports: Dict[str, int] = {"rasa": rasa_port, "actions": free_port(), "gateway": gateway_port}
        self.ports.update({f"rasa {i + 1}": rasa_port + i for i in range(1, rasa_processes)})
        self.ports.update({f"gateway {i + 1}": gateway_port + i for i in range(1, gateways)})
        self.env: Dict[str, str] = {k: v for k, v in os.environ.items() if k not in STACK_SETTINGS}
        self.env.update({"VAR_DIR": str(self.var_dir), "RASA_URL": f"http://127.0.0.1:{rasa_port}",
                         "RASA_PROCESSES": str(rasa_processes),
                         "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports['actions']}",
                         "GATEWAY_PORT": str(gateway_port)})
        if profile == "scaled":
            self.env.update({"DATABASE_URL": database_url, "RASA_TRACKER_URL": database_url, "REDIS_URL": redis_url,
                             "RASA_WORKERS": str(rasa_workers), "ACTION_SERVER_WORKERS": str(action_server_workers),
                             "GATEWAY_PROCESSES": str(gateways)})
        self.env.update(extra_env or {})
        self.urls: List[str] = [f"http://127.0.0.1:{gateway_port + i}" for i in range(gateways)]
        self.url = self.urls[0]
        self.output: List[str] = []  # what the runner printed up to READY_LINE
        self.process: Optional[subprocess.Popen] = None
        self._read_to = 0  # how far into log_path output (and stop()) have read
        self._launched_at = 0.0

    # -- the store and the command line --

    def bot(self, *args: str, timeout: float = 120) -> str:
        """`python -m bot ARGS` with the stack's settings; its output (CalledProcessError if it fails)."""
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=timeout).stdout.strip()

    def seed(self) -> None:
        """`python -m bot seed`: migrates the store and puts the demo data in."""
        try:
            self.bot("seed")
        except subprocess.CalledProcessError as exc:
            raise StackError(f"seed failed: {(exc.stderr or '')[-800:]}") from None

    # -- starting, health, stopping --

    @property
    def pid(self) -> int:
        """The runner's process id (the root of the stack's process tree)."""
        if self.process is None:
            raise StackError("the stack is not started")
        return self.process.pid

    def start(self, timeout: float = START_SECONDS) -> float:
        """launch() and wait_up(): returns the seconds until the stack is up. Raises StackError with what it
        printed if it exits first or `timeout` passes, and never leaves it running then."""
        self.launch()
        return self.wait_up(timeout)

    def launch(self) -> int:
        """Starts `python -m bot run` in a session of its own and returns its pid at once (to watch it from the
        first moment); wait_up() waits until it is up."""
        if not any((ROOT / "models").glob("*.tar.gz")):
            raise StackError("No trained model: run the suite through `make test`, which trains it first.")
        self.output = []
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self._read_to = out.tell()
            self._launched_at = time.monotonic()
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self.process.pid

    def wait_up(self, timeout: float = START_SECONDS) -> float:
        """Seconds from launch() until the runner printed READY_LINE and every gateway's /healthz answered 200
        (each checks Rasa, the actions and the store). Raises StackError with what it printed if it exits first or
        `timeout` passes, and stops it then."""
        deadline = self._launched_at + timeout
        try:
            problem = self._wait_until_ready(deadline)
            if problem is None:
                for url in self.urls:
                    self.wait_healthy(max(1.0, deadline - time.monotonic()), url=url)
        except StackError as exc:
            problem = str(exc)
        except BaseException:  # the caller's own timeout or Ctrl-C while waiting: do not leave the stack behind
            self.stop()
            raise
        if problem:
            rest = self.stop()
            raise StackError(f"stack did not start ({problem}):\n" + "".join(self.output) + rest)
        return time.monotonic() - self._launched_at

    def _new_output(self, whole_lines: bool = True) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._read_to)
                data = log.read()
        except OSError:
            return ""
        if whole_lines:  # the runner may be half-way through a line
            data = data[:data.rfind(b"\n") + 1]
        self._read_to += len(data)
        return data.decode(errors="replace")

    def _wait_until_ready(self, deadline: float) -> Optional[str]:
        """None once READY_LINE is printed, else what went wrong."""
        while True:
            exited = self.process.poll() is not None
            for line in self._new_output().splitlines(keepends=True):
                self.output.append(line)
                if READY_LINE in line:
                    return None
            if exited:
                return f"it exited with {self.process.returncode}"
            if time.monotonic() > deadline:
                return "no ready line in time"
            time.sleep(0.1)

    def wait_healthy(self, timeout: float = START_SECONDS, url: Optional[str] = None) -> float:
        """Seconds until every gateway's (or `url`'s) /healthz answers 200, e.g. after a fault; StackError if the
        runner exits or `timeout` passes."""
        started = time.monotonic()
        for gateway in [url] if url else self.urls:
            try:
                wait_healthy(f"{gateway}/healthz", self.process, max(0.0, timeout - (time.monotonic() - started)),
                             "runner")
            except StackError as exc:
                raise StackError(f"{exc}; see {self.log_path}") from None
        return time.monotonic() - started

    def stop(self) -> str:
        """Ctrl-C, then a kill if it is still running after STOP_SECONDS. Returns what it printed after READY_LINE
        (or after what start() reported)."""
        if self.process is None:
            return ""
        stop_process(self.process)
        return self._new_output(whole_lines=False)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- processes, for fault injection and measurement --

    def pids(self) -> Dict[str, int]:
        """The runner's children by name ("gateway", "rasa" or "rasa 2", "action-server"; VAR_DIR/run/<name>.pid)."""
        pids = {}
        for path in (self.var_dir / "run").glob("*.pid"):
            with contextlib.suppress(OSError, ValueError):
                pids[path.stem] = int(path.read_text())
        return pids

    def processes(self, role: str) -> List[int]:
        """The runner's children of a role (rasa, gateway, action_server): each leads its own process group, with
        Sanic's workers in it."""
        return [pid for pid in children_of(self.pid) if role_of(command_of(pid)) == role]

    def kill(self, role: str, index: Optional[int] = None) -> Optional[int]:
        """kill -9 of the process group of one child of `role` (the index-th by pid, wrapping; the first by
        default); the runner starts it again. Returns its pid, None if there is none."""
        pids = sorted(self.processes(role))
        if not pids:
            return None
        pid = pids[index % len(pids)] if index is not None else pids[0]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        return pid

    # -- logs --

    def log(self, name: Optional[str] = None) -> str:
        """The runner's output (no name), or a child's log: VAR_DIR/logs/<name>.log ("rasa", "rasa-2",
        "action-server", "gateway", "runner"). Empty if there is none yet."""
        path = self.log_path if name is None else self.var_dir / "logs" / f"{name}.log"
        try:
            return path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tails(self, lines: int = 25) -> str:
        """The last lines of the runner's output and of every child's log, for a failure message."""
        parts = []
        for path in [self.log_path, *sorted((self.var_dir / "logs").glob("*.log"))]:
            if path.exists():
                parts.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(parts)

