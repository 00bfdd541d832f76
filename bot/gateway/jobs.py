"""The gateway's background jobs (run by one gateway only, see bot.gateway.app): the dispute sweeper, the dispute
news pushers (web chat; Telegram after its start) and the dispute-event webhook worker."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import anyio
import httpx

from bot.channels import telegram, web
from bot.notifications.push import Notifier
from bot.notifications.webhooks import Backoff, WebhookWorker
from bot.services import Services

log = logging.getLogger(__name__)


async def sweep_forever(services: Services) -> None:
    """Escalates disputes whose seller window passed, prunes channel state and offered buttons, removes evidence
    files nothing holds. Should two gateways run it anyway, each step is idempotent."""
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


async def push_to_web(channel: web.WebChannel, services: Services) -> None:
    """Dispute news to the buyer's recent web chat sessions (bot.channels.web.WebChannel.push)."""
    await Notifier(web.CHANNEL, services.channel_state, channel.push,
                   services.settings.push_interval_seconds).run_forever()


async def telegram_then_push(channel: telegram.TelegramChannel, services: Services) -> None:
    await channel.start_with_retries()
    await Notifier(telegram.CHANNEL, services.channel_state, channel.push,
                   services.settings.push_interval_seconds).run_forever()


def webhook_worker(services: Services, http: httpx.AsyncClient, **options: Any) -> WebhookWorker | None:
    """The dispute-event worker for MARKETPLACE_WEBHOOK_URL, or None when the webhook is off (no URL or no secret;
    bot.composition.build_gateway warns about the latter). `options` go to WebhookWorker (tests: clock, backoff)."""
    settings = services.settings
    if not (settings.marketplace_webhook_url and settings.marketplace_webhook_secret):
        return None

    async def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        response = await http.post(url, content=body, headers=dict(headers), timeout=10.0)
        return response.status_code

    return WebhookWorker(services.outbox, post, settings.marketplace_webhook_url,
                         settings.marketplace_webhook_secret,
                         **{"retry_window": timedelta(hours=settings.marketplace_webhook_retry_hours),
                            "backoff": Backoff(settings.marketplace_webhook_retry_first_seconds,
                                               settings.marketplace_webhook_retry_max_seconds),
                            **options})
