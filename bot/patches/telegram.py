"""A change to python-telegram-bot's internals: its Bot's private `_do_post` is overridden so that one update the
library cannot read does not stop polling.

An update the library cannot read (a newer Bot API field, a malformed object) makes every getUpdates call fail on
the same batch, forever. TolerantBot reduces such an update to its id: the poller moves past it and the other
updates of the batch are handled.

Fenced like every patch: `bot_class` hands out TolerantBot only on the library versions it was written and tested
for and only when the TELEGRAM_PATCHES setting is on; otherwise the library's own ExtBot (and a log line). The
composition root picks the class; nothing changes at import time and nothing global is replaced.
"""
from __future__ import annotations

import logging
from typing import Any

import telegram
from telegram import Update
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

# The python-telegram-bot releases whose Bot._do_post(endpoint, data, **kwargs) this overrides.
WRITTEN_FOR = ("21.", "22.")


class TolerantBot(ExtBot):
    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        result = await super()._do_post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            result = [self._readable(item) for item in result]
        return result

    def _readable(self, item: Any) -> Any:
        try:
            Update.de_json(dict(item), self)
            return item
        except Exception:  # anything the library raises on a bad object
            update_id = item.get("update_id") if isinstance(item, dict) else None
            log.warning("telegram update %s could not be read; skipped", update_id, exc_info=True)
            return {"update_id": update_id} if isinstance(update_id, int) else item


def bot_class(enabled: bool = True, version: str = telegram.__version__) -> type[ExtBot]:
    """The Bot class the Telegram channel builds: TolerantBot, or the library's ExtBot when switched off or on a
    version TolerantBot was not written for."""
    if not enabled:
        log.info("Telegram patches are off (TELEGRAM_PATCHES=0): one unreadable update would stop polling")
        return ExtBot
    if not version.startswith(WRITTEN_FOR):
        log.warning("python-telegram-bot %s is not a version %s was written for (%s); using the library's ExtBot",
                    version, __name__, ", ".join(v + "x" for v in WRITTEN_FOR))
        return ExtBot
    return TolerantBot
