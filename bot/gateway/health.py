"""/healthz: every Rasa process, the action server and the database must answer; Telegram is reported."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict

import anyio
import httpx
from sqlalchemy import text

from bot.composition import Gateway
from bot.store.engine import read_connection

log = logging.getLogger(__name__)


async def _probe(client: httpx.AsyncClient, url: str) -> str:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


def _probe_database(gateway: Gateway) -> str:
    try:
        with read_connection(gateway.services.engine) as conn:  # a read: never queues behind SQLite's writers
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any driver error means "not healthy"; the reason goes to the log
        log.warning("database health check failed: %s", exc)
        return "unreachable"


async def check(gateway: Gateway) -> Dict[str, Any]:
    settings = gateway.settings
    actions, *rasas = await asyncio.gather(
        _probe(gateway.http, f"{settings.action_server_url}/health"),
        *(_probe(gateway.http, f"{url}/") for url in settings.rasa_urls),
    )
    # Every Rasa process must answer: each holds a share of the conversations.
    rasa = next((r for r in rasas if r != "ok"), "ok")
    database = await anyio.to_thread.run_sync(_probe_database, gateway)
    checks = {"rasa": rasa, "action_server": actions, "database": database}
    body: Dict[str, Any] = {"status": "ok" if all(v == "ok" for v in checks.values()) else "unavailable",
                            "checks": checks}
    if gateway.telegram is not None:
        # Reported, not required: the web channels keep working while Telegram is unreachable.
        body["telegram"] = gateway.telegram.mode if gateway.telegram.running else "starting"
    return body
