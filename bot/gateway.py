"""The gateway: the one public HTTP surface. `uvicorn bot.gateway:create_app --factory` builds it."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Optional

import anyio
import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.channels import rest
from bot.channels.payloads import OfferedPayloads
from bot.composition import Services, build_services
from bot.rasa_client import RasaClient
from bot.settings import RASA_CHANNEL_TOKEN, Settings

log = logging.getLogger(__name__)


async def _probe(client: httpx.AsyncClient, url: str) -> str:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


def _probe_database(services: Services) -> str:
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any driver error means "not healthy"; the reason goes to the log
        log.warning("database health check failed: %s", exc)
        return "unreachable"


async def _sweep_forever(services: Services) -> None:
    """Escalates disputes whose seller window passed. Several gateways may run it: escalation is idempotent."""
    interval = services.settings.sweep_interval_seconds
    while True:
        try:
            escalated = await anyio.to_thread.run_sync(services.disputes.escalate_overdue)
            if escalated:
                log.info("escalated %d overdue dispute(s): %s", len(escalated), ", ".join(escalated))
        except Exception:  # keep sweeping; a failed round is retried next interval
            log.exception("dispute sweep failed")
        await asyncio.sleep(interval)


def create_app(settings: Optional[Settings] = None, services: Optional[Services] = None) -> FastAPI:
    settings = settings or (services.settings if services else Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = services is None
        app.state.services = services or build_services(settings)
        app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
        app.state.rasa = RasaClient(settings.rasa_url, settings.internal_token(RASA_CHANNEL_TOKEN), app.state.http)
        app.state.offered_payloads = OfferedPayloads()
        sweeper = None
        if settings.sweep_interval_seconds > 0:
            sweeper = asyncio.create_task(_sweep_forever(app.state.services))
        try:
            yield
        finally:
            if sweeper:
                sweeper.cancel()
            await app.state.http.aclose()
            if owned:
                app.state.services.close()

    app = FastAPI(title="Dispute assistant gateway", lifespan=lifespan)
    app.include_router(rest.router)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        rasa, actions = await asyncio.gather(
            _probe(app.state.http, f"{settings.rasa_url}/"),
            _probe(app.state.http, f"{settings.action_server_url}/health"),
        )
        database = await anyio.to_thread.run_sync(_probe_database, app.state.services)
        checks = {"rasa": rasa, "action_server": actions, "database": database}
        healthy = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                            status_code=200 if healthy else 503)

    return app
