"""A small aiohttp server on a free loopback port, for tests that need a real HTTP peer."""
from __future__ import annotations

from typing import Awaitable, Callable, Tuple

from aiohttp import web


async def serve_post(path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) -> Tuple[web.AppRunner, str]:
    """Starts a server answering POST `path` with `handler`; returns its runner (cleanup() stops it) and base URL."""
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
