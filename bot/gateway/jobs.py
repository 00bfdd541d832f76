"""The gateway's background jobs (run by one gateway only, see bot.gateway.app): the dispute sweeper, and
Telegram's start followed by the dispute news pusher."""
from __future__ import annotations

import asyncio
import logging

import anyio

from bot.channels import telegram
from bot.notifications.push import Notifier
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


async def telegram_then_push(channel: telegram.TelegramChannel, services: Services) -> None:
    await channel.start_with_retries()
    await Notifier(telegram.CHANNEL, services.channel_state, channel.push,
                   services.settings.push_interval_seconds).run_forever()
