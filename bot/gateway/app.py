"""The gateway's web app: `uvicorn bot.gateway.app:create_app --factory` serves it. Its parts come from the
composition root (bot.composition.build_gateway) when the app starts; here they are routed, checked and their
background jobs run."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import List, Optional

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels import agent_api, marketplace_api, rest, site, telegram, web
from bot.channels.relay import NOT_RECEIVED
from bot.composition import Gateway, build_gateway
from bot.gateway import health, jobs
from bot.gc_tuning import freeze_long_lived_objects
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)


def _background_jobs(gateway: Gateway) -> List[asyncio.Task[None]]:
    """With several gateways only one runs the background jobs (GATEWAY_BACKGROUND_JOBS=0 on the others):
    Telegram allows one poller per bot, and one sweeper and one news pusher are enough."""
    settings = gateway.settings
    tasks = []
    background = settings.gateway_background_jobs
    if background and settings.sweep_interval_seconds > 0:
        tasks.append(asyncio.create_task(jobs.sweep_forever(gateway.services)))
    if background:
        # Emits reach the sockets of every gateway (socket.io's Redis manager when scaled out).
        tasks.append(asyncio.create_task(jobs.push_to_web(gateway.web, gateway.services)))
    worker = jobs.webhook_worker(gateway.services, gateway.http) if background else None
    if worker is not None:
        tasks.append(asyncio.create_task(worker.run_forever()))  # dispute events to the marketplace's webhook
    if gateway.telegram is not None:
        if background:
            tasks.append(asyncio.create_task(jobs.telegram_then_push(gateway.telegram, gateway.services)))
        else:
            tasks.append(asyncio.create_task(gateway.telegram.start_with_retries()))
    return tasks


def create_app(settings: Optional[Settings] = None, services: Optional[Services] = None) -> FastAPI:
    settings = settings or (services.settings if services else Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        gateway = build_gateway(settings, services)
        app.state.gateway = gateway
        freeze_long_lived_objects()
        # The language detector's models (a second or two of CPU, once per process), loaded before the gateway
        # answers: otherwise the first buyer's turn waits for them.
        await anyio.to_thread.run_sync(gateway.relay.languages.detector.warm_up)
        tasks = _background_jobs(gateway)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await gateway.close()

    app = FastAPI(title="Dispute assistant gateway", lifespan=lifespan)

    # Every failure answers JSON a client can show, never Starlette's plain-text 500 (the widget and
    # integrations read `error`). The store's errors are usually passing (a restarted database).
    @app.exception_handler(DBAPIError)
    async def store_unavailable(_request, exc: DBAPIError) -> JSONResponse:
        log.error("store error answering a request: %s", exc.orig)
        return JSONResponse({"error": NOT_RECEIVED}, status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException) -> JSONResponse:
        # Unknown paths and methods too (the mounted APIs answer their own): the same {"error", "code"} shape.
        message = {404: "Nothing is served at this path.", 405: "This path does not take this method."}.get(
            exc.status_code, exc.detail if isinstance(exc.detail, str) else "The request could not be read.")
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        return JSONResponse({"error": message, "code": code}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_request, exc: Exception) -> JSONResponse:
        log.error("unexpected error answering a request", exc_info=exc)
        return JSONResponse({"error": NOT_RECEIVED}, status_code=500)

    app.include_router(rest.router)
    app.include_router(telegram.router)
    app.include_router(web.router)
    app.include_router(site.router)

    async def socketio_endpoint(scope, receive, send) -> None:
        # The socket.io server is built with the gateway at start-up; this hands it each request.
        await app.state.gateway.socketio_app(scope, receive, send)

    app.mount("/socket.io", socketio_endpoint)
    app.mount("/api/agent", agent_api.create_agent_api(app))
    app.mount(marketplace_api.PREFIX, marketplace_api.create_marketplace_api(app))

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        body = await health.check(app.state.gateway)
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    return app
