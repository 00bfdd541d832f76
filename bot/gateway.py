"""The gateway: the one public HTTP surface. `uvicorn bot.gateway:create_app --factory` builds it."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager
from typing import Optional

import anyio
import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.channels import agent_api, rest, site, telegram, web
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.model import Handoff
from bot.channels.payloads import OfferedPayloads
from bot.channels.relay import NOT_RECEIVED, Relay
from bot.composition import Services, build_services, signing_secret
from bot.gc_tuning import freeze_long_lived_objects
from bot.notifications.push import Notifier
from bot.rasa.client import RasaClient, rasa_session
from bot.settings import Settings
from bot.store.engine import read_connection
from bot.tokens import RASA_CHANNEL_TOKEN, internal_token

log = logging.getLogger(__name__)


async def _probe(client: httpx.AsyncClient, url: str) -> str:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


def _probe_database(services: Services) -> str:
    try:
        with read_connection(services.engine) as conn:  # a read: never queues behind SQLite's writers
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any driver error means "not healthy"; the reason goes to the log
        log.warning("database health check failed: %s", exc)
        return "unreachable"


async def _sweep_forever(services: Services) -> None:
    """Escalates disputes whose seller window passed. Runs in the gateway with the background jobs; should two
    run it anyway, escalation is idempotent."""
    interval = services.settings.sweep_interval_seconds
    while True:
        try:
            escalated = await anyio.to_thread.run_sync(services.disputes.escalate_overdue)
            if escalated:
                log.info("escalated %d overdue dispute(s): %s", len(escalated), ", ".join(escalated))
            await anyio.to_thread.run_sync(services.channel_state.prune)
            await anyio.to_thread.run_sync(services.offered_buttons.prune)
            removed = await anyio.to_thread.run_sync(services.remove_orphan_evidence)
            if removed:
                log.info("removed %d evidence file(s) no dispute or draft holds", len(removed))
        except Exception:  # keep sweeping; a failed round is retried next interval
            log.exception("dispute sweep failed")
        await asyncio.sleep(interval)


def _deliverer(app: FastAPI):
    """Sends what a help-desk agent (or the resumed bot) writes to the buyer's channel."""

    async def deliver(handoff: Handoff, messages) -> None:
        parts = handoff.conversation_id.split(":")
        if handoff.channel == web.CHANNEL and len(parts) == 3:
            await app.state.web.deliver(parts[2], messages)
        elif handoff.channel == telegram.CHANNEL and app.state.telegram is not None and len(parts) == 3:
            await app.state.telegram.deliver(int(parts[1]), messages)
        # REST clients read the transcript; nothing can be pushed to them.

    return deliver


async def _telegram_then_push(channel: "telegram.TelegramChannel", notifier: Notifier) -> None:
    await channel.start_with_retries()
    await notifier.run_forever()


def create_app(settings: Optional[Settings] = None, services: Optional[Services] = None) -> FastAPI:
    settings = settings or (services.settings if services else Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = services is None
        app.state.services = services or build_services(settings)
        app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
        app.state.rasa_session = rasa_session()
        app.state.rasa = RasaClient(settings.rasa_urls, internal_token(signing_secret(settings), RASA_CHANNEL_TOKEN),
                                    app.state.rasa_session)
        app.state.offered_payloads = OfferedPayloads(app.state.services.offered_buttons)
        app.state.relay = Relay(app.state.rasa, app.state.offered_payloads, app.state.services.transcripts,
                                app.state.services.handoffs)
        app.state.web = web.WebChannel(app.state.services, app.state.relay)
        agent_api.register_agent_socket(app.state.web.sio, lambda: (app.state.services, app.state.helpdesk))
        app.state.socketio = app.state.web.asgi_app()
        if settings.agent_webhook_url and not settings.agent_webhook_secret:
            log.warning("AGENT_WEBHOOK_URL is set without AGENT_WEBHOOK_SECRET: the webhook is off")
        notifier = agent_api.AgentNotifier(
            app.state.web.sio, settings.agent_webhook_url if settings.agent_webhook_secret else None,
            settings.agent_webhook_secret, app.state.http)
        app.state.helpdesk = HelpDesk(app.state.services, app.state.relay, _deliverer(app), notifier)
        notifier.helpdesk = app.state.helpdesk
        app.state.relay.helpdesk = app.state.helpdesk
        freeze_long_lived_objects()
        tasks = []
        # With several gateways only one runs the background jobs (GATEWAY_BACKGROUND_JOBS=0 on the others):
        # Telegram allows one poller per bot, and one sweeper and one news pusher are enough.
        background = settings.gateway_background_jobs
        if background and settings.sweep_interval_seconds > 0:
            tasks.append(asyncio.create_task(_sweep_forever(app.state.services)))
        app.state.telegram = None
        if settings.telegram_token:
            # Every gateway gets a channel: an agent on any gateway may answer a Telegram buyer, and in webhook
            # mode Telegram's calls may reach any gateway. Only the background one polls or registers the webhook.
            app.state.telegram = telegram.TelegramChannel(app.state.services, app.state.relay, signing_secret(settings),
                                                          send_only=not background)
            if background:
                notifier = Notifier(telegram.CHANNEL, app.state.services.channel_state, app.state.telegram.push,
                                    settings.push_interval_seconds)
                tasks.append(asyncio.create_task(_telegram_then_push(app.state.telegram, notifier)))
            else:
                tasks.append(asyncio.create_task(app.state.telegram.start_with_retries()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            if app.state.telegram is not None:
                with contextlib.suppress(Exception):
                    await app.state.telegram.stop()
            await app.state.http.aclose()
            await app.state.rasa_session.close()
            if owned:
                app.state.services.close()

    app = FastAPI(title="Dispute assistant gateway", lifespan=lifespan)

    # Every failure answers JSON a client can show, never Starlette's plain-text 500 (the widget and
    # integrations read `error`). The store's errors are usually passing (a restarted database).
    @app.exception_handler(DBAPIError)
    async def store_unavailable(_request, exc: DBAPIError) -> JSONResponse:
        log.error("store error answering a request: %s", exc.orig)
        return JSONResponse({"error": NOT_RECEIVED}, status_code=503)

    @app.exception_handler(Exception)
    async def unexpected(_request, exc: Exception) -> JSONResponse:
        log.error("unexpected error answering a request", exc_info=exc)
        return JSONResponse({"error": NOT_RECEIVED}, status_code=500)
    app.include_router(rest.router)
    app.include_router(telegram.router)
    app.include_router(web.router)
    app.include_router(site.router)

    async def socketio_endpoint(scope, receive, send) -> None:
        # The socket.io server is built with the services at start-up; this hands it each request.
        await app.state.socketio(scope, receive, send)

    app.mount("/socket.io", socketio_endpoint)
    app.mount("/api/agent", agent_api.create_agent_api(app))

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        actions, *rasas = await asyncio.gather(
            _probe(app.state.http, f"{settings.action_server_url}/health"),
            *(_probe(app.state.http, f"{url}/") for url in settings.rasa_urls),
        )
        # Every Rasa process must answer: each holds a share of the conversations.
        rasa = next((r for r in rasas if r != "ok"), "ok")
        database = await anyio.to_thread.run_sync(_probe_database, app.state.services)
        checks = {"rasa": rasa, "action_server": actions, "database": database}
        healthy = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if healthy else "unavailable", "checks": checks}
        if app.state.telegram is not None:
            # Reported, not required: the web channels keep working while Telegram is unreachable.
            tg = app.state.telegram
            body["telegram"] = tg.mode if tg.running else "starting"
        return JSONResponse(body,
                            status_code=200 if healthy else 503)

    return app
