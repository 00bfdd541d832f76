"""What every channel does with a buyer's turn: defuse typed intents, keep the transcript, ask Rasa, remember
the buttons offered. One conversation's turns go to Rasa one at a time, in arrival order, in this process."""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import anyio
from sqlalchemy.exc import DBAPIError

from bot.channels.payloads import OfferedPayloads
from bot.rasa.client import RasaClient, RasaUnavailable
from bot.store.transcripts import SqlTranscripts

MAX_LOCKS = 10_000
NO_ANSWER = ("Sorry, I couldn't answer that just now. Your message is kept; please try again in a moment, or say "
             "'agent' to reach a person.")
UNAVAILABLE = "The assistant is not available right now. Nothing was lost; please try again in a moment."
NOT_RECEIVED = ("Sorry, something went wrong on our side and your message did not reach me. Please send it again "
                "in a moment.")
log = logging.getLogger(__name__)


class TurnFailed(Exception):
    """A buyer's turn could not be answered (Rasa or the store unreachable); `reply` tells the buyer, honestly,
    whether the message was kept, and every channel shows it."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


async def _read(fn, *args):
    """A store read, retried once when its connection was dropped under it (a restarted database, a terminated
    connection): the pool hands out a fresh one (pre-ping) the second time. Reads are safe to repeat."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning("store connection dropped during a read; retrying once: %s", exc.orig)
        return await anyio.to_thread.run_sync(fn, *args)


def bot_message(message: Dict[str, Any]) -> Dict[str, Any]:
    """A Rasa reply reduced to what channels render: text, buttons (title, payload) and image."""
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for b in message.get("buttons") or [] if isinstance(b, dict)]
    text = message.get("text")
    return {"text": text if isinstance(text, str) else None, "buttons": buttons,
            "image": message.get("image") if isinstance(message.get("image"), str) else None}


@dataclass
class Exchange:
    buyer: Dict[str, Any]  # the buyer's turn as stored (id, sender, at, text)
    replies: List[Dict[str, Any]]  # the bot's messages as stored (id, sender, at, text, buttons, image)


class Relay:
    def __init__(self, rasa: RasaClient, offered: OfferedPayloads, transcripts: SqlTranscripts, handoffs) -> None:
        self.rasa = rasa
        self.offered = offered
        self._transcripts = transcripts
        self._handoffs = handoffs
        self.helpdesk = None  # bot.helpdesk.desk.HelpDesk, set by the gateway (it needs the relay too)
        self._locks: "OrderedDict[str, asyncio.Lock]" = OrderedDict()

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.pop(conversation_id, None) or asyncio.Lock()
        self._locks[conversation_id] = lock
        while len(self._locks) > MAX_LOCKS:
            oldest, old_lock = next(iter(self._locks.items()))
            if old_lock.locked():
                break
            self._locks.pop(oldest)
        return lock

    async def turn(self, conversation_id: str, text: str, metadata: Dict[str, Any], *, from_channel: bool = False,
                   shown: Optional[str] = None) -> Exchange:
        """Sends a buyer's turn; returns it and the bot's messages as stored (each with its transcript id).

        `from_channel` marks intents the channel itself composed (commands, files): they skip the payload
        guard. `shown` is what the transcript shows for the buyer's turn (e.g. "[photo.jpg]").
        Raises TurnFailed, whose reply says whether the buyer's turn was kept in the transcript.
        """
        progress = {"kept": False}
        try:
            async with self._lock(conversation_id):
                return await self._turn(conversation_id, text, metadata, from_channel, shown, progress)
        except RasaUnavailable as exc:
            log.warning("rasa unavailable for conversation %s: %s", conversation_id, exc)
            raise TurnFailed(UNAVAILABLE) from exc
        except DBAPIError as exc:
            # The store is unreachable or dropped the connection mid-turn. Before the buyer's turn was stored
            # nothing of it is kept, and the buyer is asked to send it again; after, it is kept.
            log.error("store failed during a turn in conversation %s: %s", conversation_id, exc.orig)
            raise TurnFailed(UNAVAILABLE if progress["kept"] else NOT_RECEIVED) from exc

    async def _turn(self, conversation_id: str, text: str, metadata: Dict[str, Any], from_channel: bool,
                    shown: Optional[str], progress: Dict[str, bool]) -> Exchange:
        if from_channel:
            to_rasa = text
        else:
            to_rasa, title = await anyio.to_thread.run_sync(self.offered.admit_with_title, conversation_id,
                                                            text)
            shown = shown if shown is not None else title
        handoff = None
        if self.helpdesk is not None and not (from_channel and to_rasa.startswith("/back_to_bot")):
            handoff = await _read(self._handoffs.open_for, conversation_id)
        body: Dict[str, Any] = {"text": shown or text}
        if metadata.get("attachments"):
            body["attachments"] = [{"name": a.get("name"), "sha256": a.get("sha256")}
                                   for a in metadata["attachments"]]
        [stored] = await anyio.to_thread.run_sync(self._transcripts.append, conversation_id, "buyer", [body])
        progress["kept"] = True
        if handoff is not None:
            if to_rasa != "/back_to_bot":
                # A person has (or is about to have) this conversation: the bot stays out of it.
                await self.helpdesk.buyer_wrote(handoff, stored)
                return Exchange(stored, [])
            await self.helpdesk.buyer_left(handoff)
            metadata = {**metadata, "handoff": {"agent": handoff.agent_name, "note": "", "disputes": []}}
        replies = await self.rasa.send(conversation_id, to_rasa, metadata)
        bodies = [bot_message(r) for r in replies if isinstance(r, dict)]
        for reply in replies:
            request = (reply.get("custom") or {}).get("handoff") if isinstance(reply, dict) else None
            if isinstance(request, dict) and self.helpdesk is not None:
                bodies.append(await self.helpdesk.request(
                    conversation_id, str(metadata.get("channel") or "unknown"), metadata.get("buyer_id"),
                    str(request.get("reason") or "asked"), dict(request.get("draft") or {})))
        bodies = [b for b in bodies if b["text"] or b["buttons"] or b["image"]]
        if not bodies:
            # Rasa answered nothing (an action that failed, a turn no policy could place): every buyer
            # message gets an answer, and it says the message was not lost.
            log.warning("no reply from the assistant for a turn in conversation %s", conversation_id)
            bodies = [{"text": NO_ANSWER, "buttons": [], "image": None}]
        await anyio.to_thread.run_sync(self.offered.remember, conversation_id, bodies)
        return Exchange(stored, await anyio.to_thread.run_sync(self._transcripts.append, conversation_id, "bot",
                                                               bodies))

    async def history(self, conversation_id: str, after_id: int = 0, limit: int = 200) -> List[Dict[str, Any]]:
        return await _read(self._transcripts.messages, conversation_id, after_id, limit)


def attachments_shown(attachments: Sequence[Dict[str, str]]) -> str:
    return "[" + ", ".join(a.get("name") or "file" for a in attachments) + "]"
