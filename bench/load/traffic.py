"""Traffic generation: N buyers, C at a time, each holding one scripted conversation over the REST chat endpoint
or over socket.io as the widget does; every turn timed, replies checked to arrive in order and none lost."""
from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import httpx

from bench.load.scripts import Unexpected, dispute_conversation

TURN_TIMEOUT = 60.0
RUN_DEADLINE = 900.0


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


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
                # The polling transport waits for its pending long-poll; the session is over anyway.
                with contextlib.suppress(asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(client.disconnect(), 1)
                http = getattr(client.eio, "http", None)
                if http is not None and not http.closed:
                    await http.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(one(i, t) for i, t in enumerate(tokens))), RUN_DEADLINE)
    return time.perf_counter() - started
