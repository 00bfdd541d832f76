"""Load benchmark: simulated buyers holding whole conversations through the gateway, and stock Rasa side by side.

    python -m bench.load [--buyers 40] [--concurrency 20] [--channels rest,socketio] [--no-stock] [--out bench/results]

1. Starts the full stack (`python -m bot run`) in a temporary folder with N extra demo buyers (one delivered
   order each), timing start-up to a healthy /healthz.
2. N buyers, C at a time, each: list orders, open a dispute with every field (tapping the offered buttons),
   check its status, one FAQ, goodbye. Over the REST chat endpoint and over socket.io as the widget does.
   Every turn is timed; a reply without what the turn expects is an error; replies are checked to arrive in
   order (transcript ids rising) and none lost; afterwards the store must hold exactly one dispute per buyer.
3. Stock Rasa 3.6.21: `rasa init` (its moodbot) trained into a temporary folder, run with its REST webhook,
   driven with the same N, C and number of turns. Ratios are printed: absolute times on a shared machine
   drift, ratios measured side by side do not.
4. Peak resident memory of every process, training time, start-up time. JSON goes to bench/results/.

Only loopback addresses; every loop is bounded in count and time. A benchmark, never a test that fails.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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
from typing import Any, Dict, List, Optional

import httpx

ROOT = Path(__file__).resolve().parents[1]
TURN_TIMEOUT = 60.0
RUN_DEADLINE = 900.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


# ---- turns and results ------------------------------------------------------------------------------------

@dataclass
class Results:
    latencies: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    lost: int = 0
    out_of_order: int = 0
    messages: int = 0
    conversations: int = 0

    def summary(self, seconds: float) -> Dict[str, Any]:
        ms = [x * 1000 for x in self.latencies]
        return {"conversations": self.conversations, "messages": self.messages, "seconds": round(seconds, 2),
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


async def run_rest(url: str, tokens: List[Optional[str]], concurrency: int, script, results: Results,
                   path: str = "/webhooks/rest/webhook") -> float:
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT, limits=limits) as http:
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int, token: Optional[str]) -> None:
            sender = f"bench-{index}-{os.getpid()}"
            headers = {"Authorization": f"Bearer {token}"} if token else {}

            async def say(text: str) -> List[Dict[str, Any]]:
                started = time.perf_counter()
                response = await http.post(url + path, json={"sender": sender, "message": text}, headers=headers)
                results.latencies.append(time.perf_counter() - started)
                results.messages += 1
                if response.status_code != 200:
                    raise Unexpected(f"HTTP {response.status_code}")
                body = response.json()
                if not body:
                    results.lost += 1
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


async def run_socketio(url: str, tokens: List[str], concurrency: int, results: Results) -> float:
    import socketio

    gate = asyncio.Semaphore(concurrency)

    async def one(token: str) -> None:
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
                await dispute_conversation(say)
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
    await asyncio.wait_for(asyncio.gather(*(one(t) for t in tokens)), RUN_DEADLINE)
    return time.perf_counter() - started


# ---- the stacks -------------------------------------------------------------------------------------------

def add_bench_buyers(var_dir: Path, count: int, env: Dict[str, str]) -> List[str]:
    """N buyers, each with one delivered order that can still get a dispute (40 days of protection)."""
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


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ours(args, work: Path) -> Dict[str, Any]:
    ports = {"rasa": free_port(), "actions": free_port(), "gateway": free_port()}
    env = {**os.environ, "VAR_DIR": str(work / "var"), "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
           "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}", "GATEWAY_PORT": str(ports["gateway"]),
           "SWEEP_INTERVAL_SECONDS": "0"}
    for name in ("DATABASE_URL", "BOT_SECRET", "TELEGRAM_TOKEN"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "bot", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    channels = args.channels.split(",")
    tokens = add_bench_buyers(work / "var", args.buyers * len(channels), env)
    url = f"http://127.0.0.1:{ports['gateway']}"
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    memory = MemorySampler(process.pid).start()
    out: Dict[str, Any] = {}
    try:
        out["startup_to_healthy_seconds"] = round(wait_healthy(url + "/healthz", process, 240), 1)
        for i, channel in enumerate(channels):
            batch = tokens[i * args.buyers:(i + 1) * args.buyers]
            results = Results()
            if channel == "rest":
                seconds = asyncio.run(run_rest(url, batch, args.concurrency, dispute_conversation, results))
            else:
                seconds = asyncio.run(run_socketio(url, batch, args.concurrency, results))
            out[channel] = results.summary(seconds)
            print(f"  ours/{channel}: {json.dumps(out[channel])}", flush=True)
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
        seconds = asyncio.run(run_rest(url, [None] * args.buyers, args.concurrency, stock_conversation, results))
        out["rest"] = results.summary(seconds)
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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--channels", default="rest,socketio")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Rasa")
    parser.add_argument("--no-ours", action="store_true", help="skip our stack (stock Rasa only)")
    parser.add_argument("--no-training", action="store_true", help="skip timing a forced training")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    report: Dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "buyers": args.buyers,
        "concurrency": args.concurrency, "cpus": os.cpu_count(), "python": platform.python_version(),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        if not args.no_training:
            report["training_seconds"] = training_seconds()
            print(f"training: {report['training_seconds']} s", flush=True)
        if not args.no_ours:
            print("our stack ...", flush=True)
            report["ours"] = ours(args, work)
        if not args.no_stock:
            print("stock Rasa (rasa init) ...", flush=True)
            report["stock_rasa"] = stock(args, work)
            ours_rest = (report.get("ours") or {}).get("rest") or {}
            stock_rest = report["stock_rasa"].get("rest") or {}
            if ours_rest.get("messages_per_second") and stock_rest.get("messages_per_second"):
                report["ratios"] = {
                    "throughput_ours_over_stock": round(ours_rest["messages_per_second"]
                                                        / stock_rest["messages_per_second"], 2),
                    "p95_ours_over_stock": round(ours_rest["p95_ms"] / stock_rest["p95_ms"], 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report.get(k) for k in ("training_seconds", "ratios")}, indent=2))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
