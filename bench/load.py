"""Load benchmark: simulated buyers holding whole conversations through the gateway, and stock Rasa side by side.

    python -m bench.load [--buyers 40] [--concurrency 20] [--channels rest,socketio] [--no-stock] [--out bench/results]
                         [--profile single|scaled]

1. Starts the full stack (`python -m bot run`) in a temporary folder with N extra demo buyers (one delivered
   order each), timing start-up to a healthy /healthz (of every gateway).
   Profile `single` (default): SQLite files, in-memory lock store, one worker each, one gateway.
   Profile `scaled` (docs/deployment.md): a fresh PostgreSQL database bench_<pid> on BENCH_POSTGRES_URL's
   server (default postgresql+psycopg2://postgres@127.0.0.1:5432/postgres; dropped afterwards) for the
   dispute store and Rasa's conversations, Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/0) for
   Rasa's lock store and socket.io, --rasa-workers Sanic workers (default: the number of cores),
   --action-server-workers (2) and --gateways (2) gateway processes; buyers are spread round-robin over the
   gateways.
2. N buyers, C at a time, each: list orders, open a dispute with every field (tapping the offered buttons),
   check its status, one FAQ, goodbye. Over the REST chat endpoint and over socket.io as the widget does.
   Every turn is timed; a reply without what the turn expects is an error; replies are checked to arrive in
   order (transcript ids rising) and none lost; afterwards the store must hold exactly one dispute per buyer.
3. Stock Rasa 3.6.21: `rasa init` (its moodbot) trained into a temporary folder, run with its REST webhook,
   driven with the same N, C and number of turns. Ratios are printed: absolute times on a shared machine
   drift, ratios measured side by side do not.
4. Peak resident memory of every process, training time, start-up time. JSON goes to bench/results/: our
   figures under "ours" (profile single, as before) or "ours_scaled".

Only loopback addresses; every loop is bounded in count and time. A benchmark, never a test that fails.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import httpx

ROOT = Path(__file__).resolve().parents[1]
TURN_TIMEOUT = 60.0
RUN_DEADLINE = 900.0
PROFILES = ("single", "scaled")
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Settings of the developer's shell or .env that would change the stack under test; each run sets its own.
STACK_SETTINGS = ("DATABASE_URL", "BOT_SECRET", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "REDIS_URL",
                  "RASA_TRACKER_URL", "RASA_WORKERS", "RASA_PROCESSES", "ACTION_SERVER_WORKERS", "GATEWAY_PROCESSES",
                  "GATEWAY_BACKGROUND_JOBS", "AGENT_WEBHOOK_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports_in_a_row(count: int, attempts: int = 50) -> int:
    """The first of `count` consecutive free loopback ports (the gateways listen on GATEWAY_PORT + i)."""
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


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# ---- memory ---------------------------------------------------------------------------------------------

def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> List[int]:
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


def _tree(pid: int) -> List[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160]
    except OSError:
        return ""


class MemorySampler:
    """Samples the resident memory of a process tree every 0.5 s; keeps each process's peak and the peak sum."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.peaks: Dict[int, int] = {}
        self.names: Dict[int, str] = {}
        self.peak_total_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "MemorySampler":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            total = 0
            for pid in _tree(self.root):
                rss = _rss_kb(pid)
                total += rss
                if rss > self.peaks.get(pid, 0):
                    self.peaks[pid] = rss
                    self.names.setdefault(pid, _command(pid))
            self.peak_total_kb = max(self.peak_total_kb, total)

    def stop(self) -> Dict[str, Any]:
        self._stop.set()
        self._thread.join(2)
        processes = sorted(({"pid": p, "command": self.names.get(p, ""), "peak_rss_mb": round(kb / 1024, 1)}
                            for p, kb in self.peaks.items() if kb > 10_000), key=lambda x: -x["peak_rss_mb"])
        return {"peak_total_rss_mb": round(self.peak_total_kb / 1024, 1), "processes": processes}


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _machine_busy_ticks() -> int:
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values) - values[3] - values[4]  # all but idle and iowait
    except (OSError, IndexError, ValueError):
        return 0


def _role(command: str) -> str:
    for part, role in (("rasa run", "rasa"), ("uvicorn", "gateway"), ("bot.rasa.action_server", "action_server")):
        if part in command:
            return role
    return "other"


class CpuMeter:
    """CPU time spent per message, by role (Rasa, gateway, action server, this load generator) and for the
    whole machine (which also counts PostgreSQL, Redis and anything else running). Unlike messages/s, CPU
    per message hardly changes with the machine's speed on the day or with how busy it is."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.ticks_per_second = os.sysconf("SC_CLK_TCK")

    def _snapshot(self) -> Dict[str, Any]:
        per_pid = {pid: (_command(pid), _cpu_ticks(pid)) for pid in _tree(self.root)}
        return {"pids": per_pid, "self": _cpu_ticks(os.getpid()), "machine": _machine_busy_ticks()}

    def start(self) -> "CpuMeter":
        self._before = self._snapshot()
        return self

    def per_message(self, messages: int) -> Dict[str, Any]:
        after = self._snapshot()
        if not messages:
            return {}
        roles: Dict[str, int] = {}
        for pid, (command, ticks) in after["pids"].items():
            spent = ticks - self._before["pids"].get(pid, (command, 0))[1]
            roles[_role(command)] = roles.get(_role(command), 0) + spent
        roles["load_generator"] = after["self"] - self._before["self"]
        roles["machine"] = after["machine"] - self._before["machine"]
        return {role: round(1000 * ticks / self.ticks_per_second / messages, 2) for role, ticks in roles.items()}


# ---- turns and results ------------------------------------------------------------------------------------

@dataclass
class Results:
    latencies: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    lost: int = 0
    out_of_order: int = 0
    messages: int = 0
    conversations: int = 0
    answered_by: Dict[str, int] = field(default_factory=dict)  # gateway URL -> turns it answered

    def answered(self, url: str) -> None:
        self.answered_by[url] = self.answered_by.get(url, 0) + 1

    def summary(self, seconds: float) -> Dict[str, Any]:
        ms = [x * 1000 for x in self.latencies]
        return {"conversations": self.conversations, "messages": self.messages, "seconds": round(seconds, 2),
                "answered_by_gateway": dict(self.answered_by),
                "messages_per_second": round(self.messages / seconds, 2) if seconds else None,
                "p50_ms": _round(percentile(ms, 50)), "p95_ms": _round(percentile(ms, 95)),
                "p99_ms": _round(percentile(ms, 99)), "mean_ms": _round(statistics.mean(ms)) if ms else None,
                "errors": len(self.errors), "error_samples": self.errors[:10], "lost_replies": self.lost,
                "out_of_order_replies": self.out_of_order}


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)


class Unexpected(Exception):
    pass


def _button(messages: List[Dict[str, Any]], title_part: str) -> str:
    for message in reversed(messages):
        for b in message.get("buttons") or message.get("quick_replies") or []:
            if title_part.lower() in (b.get("title") or "").lower():
                return b["payload"]
    raise Unexpected(f"no button {title_part!r} in {[m.get('text') for m in messages]}")


def _expect(messages: List[Dict[str, Any]], part: str) -> None:
    text = "\n".join(m.get("text") or "" for m in messages)
    if part.lower() not in text.lower():
        raise Unexpected(f"expected {part!r}, got {text[:160]!r}")


async def dispute_conversation(say) -> None:
    """The scripted buyer: `say(text)` returns the bot's messages for that turn."""
    _expect(await say("show my orders"), "protection")
    opened = await say("I want to open a dispute")
    _expect(opened, "Which order")
    received = await say(_button(opened, "d left"))
    _expect(received, "receive the item")
    problems = await say(_button(received, "Yes, it arrived"))
    resolution = await say(_button(problems, "Damaged"))
    description = await say(_button(resolution, "Full refund"))
    _expect(description, "describe the problem")
    evidence = await say("The case arrived cracked and one earbud does not charge at all")
    summary = await say(_button(evidence, "No photos"))
    filed = await say(_button(summary, "Yes, file it"))
    _expect(filed, "is open")
    _expect(await say("what is the status of my dispute"), "Dispute")
    _expect(await say("how long does a refund take"), "business days")
    await say("bye")


async def stock_conversation(say) -> None:
    """Stock Rasa's moodbot, as many turns (12) as the dispute conversation. Its TED policy answers repeated
    greetings differently from run to run, so any non-empty answer counts: the point is the cost of a turn."""
    for text in ["hello", "I am sad", "yes", "hi", "great", "are you a bot?", "hey there", "very good",
                 "good morning", "I am unhappy", "yes it did", "bye"]:
        if not any(m.get("text") for m in await say(text)):
            raise Unexpected(f"no answer to {text!r}")


def _urls(urls: Union[str, Sequence[str]]) -> List[str]:
    return [urls] if isinstance(urls, str) else list(urls)


async def run_rest(urls: Union[str, Sequence[str]], tokens: List[Optional[str]], concurrency: int, script,
                   results: Results, path: str = "/webhooks/rest/webhook",
                   think: Tuple[float, float] = (0.0, 0.0)) -> float:
    """Each token holds one conversation (`script`) over the REST chat endpoint; buyer i talks to gateway
    i mod len(urls). With `think` (seconds, from-to), each buyer pauses that long after each answer, as a
    person reads and types; without, the next turn goes at once (the most load C buyers can make)."""
    urls = _urls(urls)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT, limits=limits) as http:
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int, token: Optional[str]) -> None:
            sender = f"bench-{index}-{os.getpid()}"
            url = urls[index % len(urls)]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            pauses = random.Random(index)  # the same pauses in every run, for ours and for stock Rasa
            first = [True]

            async def say(text: str) -> List[Dict[str, Any]]:
                if think[1] > 0 and not first[0]:
                    await asyncio.sleep(pauses.uniform(*think))
                first[0] = False
                started = time.perf_counter()
                response = await http.post(url + path, json={"sender": sender, "message": text}, headers=headers)
                results.latencies.append(time.perf_counter() - started)
                results.messages += 1
                if response.status_code != 200:
                    raise Unexpected(f"HTTP {response.status_code}")
                body = response.json()
                if not body:
                    results.lost += 1
                else:
                    results.answered(url)
                if any(m.get("recipient_id") not in (None, sender) for m in body):
                    results.out_of_order += 1
                return body

            async with gate:
                try:
                    await script(say)
                except (Unexpected, httpx.HTTPError) as exc:
                    results.errors.append(f"{type(exc).__name__}: {exc}")
                results.conversations += 1

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one(i, t) for i, t in enumerate(tokens))), RUN_DEADLINE)
        return time.perf_counter() - started


async def run_socketio(urls: Union[str, Sequence[str]], tokens: List[str], concurrency: int, results: Results,
                       script=None) -> float:
    """Each token holds one conversation (`script`, default dispute_conversation) over socket.io as the widget
    does; buyer i connects to gateway i mod len(urls)."""
    import socketio

    urls = _urls(urls)
    script = script or dispute_conversation
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, token: str) -> None:
        url = urls[index % len(urls)]
        client = socketio.AsyncClient(reconnection=False)
        inbox: asyncio.Queue = asyncio.Queue()
        last_id = [0]
        client.on("bot_message", lambda data: inbox.put_nowait(("bot", data)))
        client.on("bot_typing", lambda data: inbox.put_nowait(("typing", data)))
        client.on("user_stored", lambda data: inbox.put_nowait(("stored", data)))
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))

        async def say(text: str) -> List[Dict[str, Any]]:
            started = time.perf_counter()
            await client.emit("user_uttered", {"message": text, "session_id": session})
            replies: List[Dict[str, Any]] = []
            stored = False
            deadline = time.monotonic() + TURN_TIMEOUT
            while time.monotonic() < deadline:
                try:
                    kind, data = await asyncio.wait_for(inbox.get(), max(0.1, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    break
                if kind == "stored":
                    stored = True
                    _order(data.get("id"))
                elif kind == "bot":
                    _order(data.get("id"))
                    replies.append(data)
                elif kind == "typing" and not data.get("typing") and stored:
                    break
            results.latencies.append(time.perf_counter() - started)
            results.messages += 1
            if not replies:
                results.lost += 1
            else:
                results.answered(url)
            return replies

        def _order(message_id: Any) -> None:
            if isinstance(message_id, int):
                if message_id <= last_id[0]:
                    results.out_of_order += 1
                last_id[0] = max(last_id[0], message_id)

        async with gate:
            try:
                await client.connect(url, socketio_path="/socket.io/", auth={"token": token}, transports=["polling"])
                await client.emit("session_request", {"session_id": None})
                session = await asyncio.wait_for(confirmed, 20)
                await script(say)
            except (Unexpected, asyncio.TimeoutError, socketio.exceptions.SocketIOError) as exc:
                results.errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                results.conversations += 1
                try:
                    await asyncio.wait_for(client.disconnect(), 1)
                except (asyncio.TimeoutError, Exception):
                    pass  # the polling transport waits for its pending long-poll; the session is over anyway
                http = getattr(client.eio, "http", None)
                if http is not None and not http.closed:
                    await http.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(one(i, t) for i, t in enumerate(tokens))), RUN_DEADLINE)
    return time.perf_counter() - started


# ---- the stacks -------------------------------------------------------------------------------------------

def add_bench_buyers(env: Dict[str, str], count: int) -> List[str]:
    """N buyers in the store `env` names (after `python -m bot seed`), each with one delivered order that can
    still get a dispute (40 days of protection); returns their buyer tokens."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from bot.composition import build_services
    from bot.settings import Settings
    from bot.store import tables as t
    from bot.store.repositories import to_minor

    services = build_services(Settings.from_env(env))
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


def count_disputes(env: Dict[str, str], buyers: int) -> Dict[str, int]:
    """Disputes per bench buyer in the store `env` names (SQLite or PostgreSQL alike)."""
    from sqlalchemy import func, select

    from bot.composition import build_services
    from bot.settings import Settings
    from bot.store import tables as t

    services = build_services(Settings.from_env(env))
    with services.engine.connect() as conn:
        rows = conn.execute(select(t.disputes.c.buyer_id, func.count()).where(t.disputes.c.buyer_id.like("bench%"))
                            .group_by(t.disputes.c.buyer_id)).all()
    services.close()
    per_buyer = {b: n for b, n in rows}
    return {"buyers_with_one": sum(1 for n in per_buyer.values() if n == 1),
            "duplicates": sum(n - 1 for n in per_buyer.values() if n > 1), "expected": buyers}


def wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} not healthy after {timeout} s")


def wait_all_healthy(urls: Sequence[str], process: subprocess.Popen, timeout: float) -> float:
    """Seconds until every gateway's /healthz answers 200 (each checks Rasa, the actions and the store)."""
    started = time.monotonic()
    for url in urls:
        wait_healthy(url + "/healthz", process, max(1.0, timeout - (time.monotonic() - started)))
    return time.monotonic() - started


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---- the profiles -----------------------------------------------------------------------------------------

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


def stack_env(work: Path, profile: str = "single", *, database_url: Optional[str] = None,
              redis_url: Optional[str] = None, rasa_workers: int = 1, action_server_workers: int = 1,
              gateways: int = 1, rasa_processes: int = 1) -> Dict[str, str]:
    """The environment of one stack on free loopback ports with its own var/ under `work`. `single`: SQLite
    files, one worker each. `scaled`: `database_url` for the disputes and Rasa's conversations, `redis_url`
    for Rasa's lock store and socket.io, the given workers and gateway processes."""
    env = {k: v for k, v in os.environ.items() if k not in STACK_SETTINGS}
    env.update({"VAR_DIR": str(work / "var"), "RASA_URL": f"http://127.0.0.1:{free_ports_in_a_row(rasa_processes)}",
                "RASA_PROCESSES": str(rasa_processes),
                "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}", "SWEEP_INTERVAL_SECONDS": "0"})
    if profile == "single":
        env["GATEWAY_PORT"] = str(free_port())
        return env
    if profile != "scaled" or not database_url or not redis_url:
        raise ValueError("the scaled profile needs a database URL and a Redis URL")
    env.update({"DATABASE_URL": database_url, "RASA_TRACKER_URL": database_url, "REDIS_URL": redis_url,
                "RASA_WORKERS": str(rasa_workers), "ACTION_SERVER_WORKERS": str(action_server_workers),
                "GATEWAY_PROCESSES": str(gateways), "GATEWAY_PORT": str(free_ports_in_a_row(gateways))})
    return env


def gateway_urls(env: Dict[str, str]) -> List[str]:
    sys.path.insert(0, str(ROOT))
    from bot.settings import Settings

    return Settings.from_env(env).gateway_urls


def prepare_store(env: Dict[str, str], buyers: int) -> List[str]:
    """Migrates and seeds the store `env` names, adds `buyers` bench buyers; returns their tokens."""
    done = subprocess.run([sys.executable, "-m", "bot", "seed"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"seed failed: {done.stderr[-800:]}")
    return add_bench_buyers(env, buyers)


def start_stack(env: Dict[str, str], log_path: Optional[Path] = None) -> subprocess.Popen:
    """`python -m bot run` in its own session; its output goes to `log_path` (each process also logs under
    VAR_DIR/logs)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if log_path:
            out.close()


def ours(args, work: Path, profile: str = "single") -> Dict[str, Any]:
    channels = args.channels.split(",") + (["rest_paced"] if args.think[1] > 0 else [])
    out: Dict[str, Any] = {"profile": profile}
    with contextlib.ExitStack() as cleanup:
        if profile == "scaled":
            server = os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL
            database = cleanup.enter_context(temporary_database(server, f"bench_{os.getpid()}"))
            env = stack_env(work, "scaled", database_url=database,
                            redis_url=os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL,
                            rasa_workers=args.rasa_workers, action_server_workers=args.action_server_workers,
                            gateways=args.gateways, rasa_processes=args.rasa_processes or 1)
            # Counts only: the URLs may carry passwords.
            out["settings"] = {"rasa_processes": args.rasa_processes or 1, "rasa_workers": args.rasa_workers,
                               "action_server_workers": args.action_server_workers, "gateways": args.gateways,
                               "stores": "postgresql + redis"}
        else:
            from bot.settings import default_rasa_processes

            processes = args.rasa_processes or default_rasa_processes()
            env = stack_env(work, rasa_processes=processes)
            out["settings"] = {"rasa_processes": processes, "stores": "sqlite"}
        tokens = prepare_store(env, args.buyers * len(channels))
        urls = gateway_urls(env)
        process = start_stack(env, work / f"run-{profile}.log")
        memory = MemorySampler(process.pid).start()
        try:
            out["startup_to_healthy_seconds"] = round(wait_all_healthy(urls, process, 240), 1)
            for i, channel in enumerate(channels):
                batch = tokens[i * args.buyers:(i + 1) * args.buyers]
                results = Results()
                cpu = CpuMeter(process.pid).start()
                if channel == "rest":
                    seconds = asyncio.run(run_rest(urls, batch, args.concurrency, dispute_conversation, results))
                elif channel == "rest_paced":
                    seconds = asyncio.run(run_rest(urls, batch, args.concurrency, dispute_conversation, results,
                                                   think=args.think))
                else:
                    seconds = asyncio.run(run_socketio(urls, batch, args.concurrency, results))
                out[channel] = {**results.summary(seconds), "cpu_ms_per_message": cpu.per_message(results.messages)}
                print(f"  ours-{profile}/{channel}: {json.dumps(out[channel])}", flush=True)
            out["disputes"] = count_disputes(env, args.buyers * len(channels))
        finally:
            out["memory"] = memory.stop()
            stop(process)
    return out


def stock(args, work: Path) -> Dict[str, Any]:
    project = work / "stock"
    project.mkdir(parents=True, exist_ok=True)  # rasa init wants the folder to exist
    started = time.monotonic()
    init = subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
                          cwd=work, capture_output=True, text=True)
    out: Dict[str, Any] = {"init_and_training_seconds": round(time.monotonic() - started, 1)}
    if init.returncode != 0 or not list((project / "models").glob("*.tar.gz")):
        out["error"] = "rasa init failed: " + init.stderr[-400:]
        return out
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "rasa", "run", "-i", "127.0.0.1", "-p", str(port),
                                "--model", "models"], cwd=project, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    memory = MemorySampler(process.pid).start()
    url = f"http://127.0.0.1:{port}"
    try:
        out["startup_to_healthy_seconds"] = round(wait_healthy(url + "/", process, 240), 1)
        results = Results()
        cpu = CpuMeter(process.pid).start()
        seconds = asyncio.run(run_rest(url, [None] * args.buyers, args.concurrency, stock_conversation, results))
        out["rest"] = {**results.summary(seconds), "cpu_ms_per_message": cpu.per_message(results.messages)}
        if args.think[1] > 0:
            paced = Results()
            seconds = asyncio.run(run_rest(url, [None] * args.buyers, args.concurrency, stock_conversation, paced,
                                           think=args.think))
            out["rest_paced"] = paced.summary(seconds)
            print(f"  stock/rest_paced: {json.dumps(out['rest_paced'])}", flush=True)
        print(f"  stock/rest: {json.dumps(out['rest'])}", flush=True)
    finally:
        out["memory"] = memory.stop()
        stop(process)
    return out


def training_seconds() -> Optional[float]:
    """`rasa train` of this project into a temporary folder (forced, so nothing is reused)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--out", out], cwd=ROOT,
                              capture_output=True)
        return round(time.monotonic() - started, 1) if done.returncode == 0 else None


def _print_table(report: Dict[str, Any], ours_key: str) -> None:
    """The figures side by side, for people."""
    rows = []
    for who, key in (("ours", ours_key), ("stock", "stock_rasa")):
        for channel, figures in (report.get(key) or {}).items():
            if isinstance(figures, dict) and "messages_per_second" in figures:
                cpu = (figures.get("cpu_ms_per_message") or {}).get("machine")
                rows.append(f"  {who + '/' + channel:<22} {figures['messages_per_second']:>7} msg/s  p50 "
                            f"{figures['p50_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms  p99 {figures['p99_ms']:>7} ms  "
                            f"errors {figures['errors']}  lost {figures['lost_replies']}  "
                            f"out of order {figures['out_of_order_replies']}"
                            + (f"  machine CPU {cpu} ms/msg" if cpu else ""))
    print("\n".join(rows))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--channels", default="rest,socketio")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Rasa")
    parser.add_argument("--no-ours", action="store_true", help="skip our stack (stock Rasa only)")
    parser.add_argument("--no-training", action="store_true", help="skip timing a forced training")
    parser.add_argument("--think-seconds", default="1,3",
                        help="REST once more with each buyer pausing this long (from,to) after each answer, as a "
                             "person does: latency at a realistic load; 0 skips it")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--profile", choices=PROFILES, default="single",
                        help="single: SQLite, one process each; scaled: PostgreSQL, Redis, several workers and "
                             "gateways (docs/deployment.md)")
    parser.add_argument("--rasa-workers", type=int, default=os.cpu_count() or 1, help="scaled: Rasa's Sanic workers")
    parser.add_argument("--action-server-workers", type=int, default=2, help="scaled: the action server's workers")
    parser.add_argument("--rasa-processes", type=int, default=None,
                        help="Rasa processes (default: the product's default for single, 1 for scaled)")
    parser.add_argument("--gateways", type=int, default=2, help="scaled: gateway processes")
    args = parser.parse_args(argv)
    try:
        bounds = [float(x) for x in args.think_seconds.split(",")]
        args.think = (bounds[0], bounds[-1])
    except ValueError:
        parser.error("--think-seconds takes FROM,TO seconds, e.g. 1,3 (or 0)")
    report: Dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "buyers": args.buyers,
        "concurrency": args.concurrency, "profile": args.profile, "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        if not args.no_training:
            report["training_seconds"] = training_seconds()
            print(f"training: {report['training_seconds']} s", flush=True)
        # "ours" as before for the single profile, so earlier result files compare key for key.
        ours_key = "ours" if args.profile == "single" else f"ours_{args.profile}"
        if not args.no_ours:
            print(f"our stack, profile {args.profile} ...", flush=True)
            report[ours_key] = ours(args, work, args.profile)
        if not args.no_stock:
            print("stock Rasa (rasa init) ...", flush=True)
            report["stock_rasa"] = stock(args, work)
            ours_rest = (report.get(ours_key) or {}).get("rest") or {}
            stock_rest = report["stock_rasa"].get("rest") or {}
            if ours_rest.get("messages_per_second") and stock_rest.get("messages_per_second"):
                report["ratios"] = {
                    "profile": args.profile,
                    "throughput_ours_over_stock": round(ours_rest["messages_per_second"]
                                                        / stock_rest["messages_per_second"], 2),
                    "p95_ours_over_stock": round(ours_rest["p95_ms"] / stock_rest["p95_ms"], 2)}
                machine = [(r.get("cpu_ms_per_message") or {}).get("machine") for r in (ours_rest, stock_rest)]
                if all(machine):
                    report["ratios"]["machine_cpu_per_message_ours_over_stock"] = round(machine[0] / machine[1], 2)
            ours_paced = (report.get(ours_key) or {}).get("rest_paced") or {}
            stock_paced = report["stock_rasa"].get("rest_paced") or {}
            if ours_paced.get("p95_ms") and stock_paced.get("p95_ms"):
                report.setdefault("ratios", {})["paced_p95_ours_over_stock"] = round(
                    ours_paced["p95_ms"] / stock_paced["p95_ms"], 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report.get(k) for k in ("training_seconds", "ratios")}, indent=2))
    _print_table(report, ours_key)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
