"""A marketplace-side receiver of dispute-event webhooks on 127.0.0.1, for tests: it verifies each signature,
can be made to fail (answer 503) or be stopped and started again on the same port, and records what it accepted."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, List, Optional

from aiohttp import web

from bot.notifications.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, verify_signature


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WebhookReceiver:
    secret: str
    now: Callable[[], float]  # unix seconds, the clock the signatures are checked against
    port: int = field(default_factory=free_port)
    failing: bool = False  # answer 503 to everything
    accepted: List[dict] = field(default_factory=list)  # bodies answered 2xx, in arrival order
    refused: List[Any] = field(default_factory=list)  # (reason, body) of requests answered 4xx/5xx
    _runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/disputes"

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if self.failing:
            self.refused.append(("down", raw))
            return web.Response(status=503)
        if not verify_signature(self.secret, request.headers.get(SIGNATURE_HEADER, ""), raw, now=self.now()):
            self.refused.append(("signature", raw))
            return web.Response(status=400)
        body = json.loads(raw)
        if body["id"] != request.headers.get(EVENT_ID_HEADER):
            self.refused.append(("event id header", raw))
            return web.Response(status=400)
        self.accepted.append(body)
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks/disputes", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class ReceiverThread:
    """A WebhookReceiver on its own thread and event loop, for tests that are not async (the e2e stack): `url`,
    `accepted`, `refused`; `stop()` and `start()` again on the same port, `close()` at the end."""

    def __init__(self, secret: str) -> None:
        import time

        self.receiver = WebhookReceiver(secret, now=time.time)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _run(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    @property
    def url(self) -> str:
        return self.receiver.url

    @property
    def accepted(self) -> List[dict]:
        return list(self.receiver.accepted)

    @property
    def refused(self) -> List[Any]:
        return list(self.receiver.refused)

    def start(self) -> "ReceiverThread":
        self._run(self.receiver.start())
        return self

    def stop(self) -> None:
        self._run(self.receiver.stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def for_dispute(self, number: str) -> List[dict]:
        """The accepted events about one dispute, in arrival order."""
        return [body for body in self.accepted if body["data"]["dispute"]["number"] == number]
