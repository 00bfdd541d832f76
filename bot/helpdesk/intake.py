"""The buyer's side of the help desk, used by the relay during a buyer's turn: queue the conversation for a
person, pass on what the buyer writes meanwhile, let the buyer go back to the assistant.

While a conversation is handed off, the relay does not pass the buyer's messages to Rasa at all: the bot stays
silent however long the gap (Rasa's session expiry, which would un-pause a paused tracker, never comes into it).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

import anyio

from bot.helpdesk.model import Handoff, HandoffReason
from bot.helpdesk.queue import HandoffQueue
from bot.i18n import DEFAULT, N_, translator

log = logging.getLogger(__name__)

BACK_TO_BOT = "/back_to_bot"
Notify = Callable[[str, Dict[str, Any]], Awaitable[None]]
# The language of a conversation (conversation id, buyer id) -> "es": bot.channels.languages.ConversationLanguages
# .current, passed in by the composition root. What the buyer is told is in it; what agents read stays English.
LanguageOf = Callable[[str, Optional[str]], Awaitable[str]]

QUEUED_NEXT = N_("A person from our help desk will answer here. You are next in line; you can keep writing and they "
                 "will see it.")
QUEUED_AT = N_("A person from our help desk will answer here. You are number {position} in the queue; you can keep "
               "writing and they will see it.")
BACK_TO_ASSISTANT = N_("Back to the assistant")


async def english(conversation_id: str, buyer_id: Optional[str]) -> str:
    return DEFAULT


async def language_of(language: LanguageOf, conversation_id: str, buyer_id: Optional[str]) -> str:
    """The conversation's language; English if it cannot be read (a message in English is better than none)."""
    try:
        return await language(conversation_id, buyer_id)
    except Exception:
        log.warning("could not read the language of %s", conversation_id, exc_info=True)
        return DEFAULT


class HandoffIntake:
    def __init__(self, handoffs: Any, queue: HandoffQueue, notify: Notify, language: LanguageOf = english) -> None:
        self._store = handoffs
        self._queue = queue
        self._notify = notify
        self._language = language

    async def request(self, conversation_id: str, channel: str, buyer_id: Optional[str], reason: str,
                      draft: Dict[str, Any]) -> Dict[str, Any]:
        """Queues the conversation (once) and returns the message that tells the buyer their place."""
        try:
            why = HandoffReason(reason)
        except ValueError:
            why = HandoffReason.ASKED
        handoff, new = await anyio.to_thread.run_sync(self._store.open, conversation_id, channel, buyer_id, why,
                                                      draft)
        position = await anyio.to_thread.run_sync(self._store.position, handoff)
        if new:
            log.info("hand-off %s queued (%s, %s)", handoff.id, channel, why.value)
            await self._notify("handoff.created", (await self._queue.item(handoff, position)).dict())
        _ = translator(await language_of(self._language, conversation_id, buyer_id))
        text = _(QUEUED_NEXT) if position == 1 else _(QUEUED_AT, position=position)
        return {"text": text, "buttons": [{"title": _(BACK_TO_ASSISTANT), "payload": BACK_TO_BOT}], "image": None}

    async def buyer_wrote(self, handoff: Handoff, stored: Dict[str, Any]) -> None:
        await self._notify("buyer.message", {"handoff_id": handoff.id, "conversation_id": handoff.conversation_id,
                                             "message": stored})

    async def buyer_left(self, handoff: Handoff) -> None:
        """The buyer tapped 'Back to the assistant' while waiting or talking to an agent (the relay then hands
        the turn to the bot)."""
        released = await anyio.to_thread.run_sync(self._store.release, handoff.id,
                                                  "The buyer went back to the assistant.")
        await self._notify("handoff.released", {"handoff_id": released.id, "by": "buyer"})
        if released.agent_id:
            await self._notify("buyer.message", {"handoff_id": handoff.id, "message": {
                "sender": "bot", "text": "(The buyer went back to the assistant.)"}})
