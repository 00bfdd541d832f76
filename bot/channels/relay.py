"""What every channel does with a buyer's turn: defuse typed intents, keep the transcript, ask Rasa, remember
the buttons offered. One conversation's turns go to Rasa one at a time, in arrival order, in this process."""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, Sequence

import anyio
from sqlalchemy.exc import DBAPIError

from bot.channels.languages import MENU, ConversationLanguages, TurnLanguage
from bot.channels.payloads import OfferedPayloads
from bot.i18n import DEFAULT, N_, NAMES, SUPPORTED, Translator, translator
from bot.rasa.client import RasaClient, RasaUnavailable

MAX_LOCKS = 10_000
NO_ANSWER = N_("Sorry, I couldn't answer that just now. Your message is kept; please try again in a moment, or say "
               "'agent' to reach a person.")
UNAVAILABLE = N_("The assistant is not available right now. Nothing was lost; please try again in a moment.")
NOT_RECEIVED = N_("Sorry, something went wrong on our side and your message did not reach me. Please send it again "
                  "in a moment.")
SWITCHED = N_("OK, from now on I'll write in {language}.")
# Each language's name as a word in a sentence of the conversation's language ("en español", "em português").
LANGUAGE_WORDS = {"en": N_("English"), "es": N_("Spanish"), "pt": N_("Portuguese"), "fr": N_("French"),
                  "ru": N_("Russian")}
PICK_LANGUAGE = N_("Which language shall I write in?")
LANGUAGE_PAYLOAD = "/language"
# A help-desk agent's message as every channel shows it to the buyer.
AGENT_SAYS = N_("{name} (help desk): {text}")
AGENT = N_("Agent")


def agent_says(_: Translator, message: Dict[str, Any], text: str) -> str:
    return _(AGENT_SAYS, name=message.get("agent_name") or _(AGENT), text=text)
log = logging.getLogger(__name__)


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
    """One buyer turn as every channel shows it. When the turn failed, `buyer` is None (or the buyer's turn if it
    was kept), `failed` is True and `replies` holds the one message that tells the buyer, honestly, what to do."""

    buyer: Optional[Dict[str, Any]]  # the buyer's turn as stored (id, sender, at, text)
    replies: List[Dict[str, Any]]  # the bot's messages as stored (id, sender, at, text, buttons, image)
    failure: Optional[str] = None  # None; "unavailable" (Rasa or the store, passing); "error" (a fault of ours)

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @classmethod
    def failed_with(cls, reply: str, failure: str = "unavailable", language: str = DEFAULT) -> Exchange:
        """`reply`: one of this module's texts, in English (it is translated here)."""
        return cls(None, [{"id": None, "sender": "bot", "text": translator(language)(reply), "buttons": [],
                           "image": None}], failure)


class Transcripts(Protocol):
    """What the relay keeps of each conversation (bot.store.transcripts.SqlTranscripts)."""

    def append(self, conversation_id: str, sender: str, bodies: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]: ...

    def messages(self, conversation_id: str, after_id: int = 0, limit: int = 200) -> List[Dict[str, Any]]: ...


class HandoffIntake(Protocol):
    """The buyer's side of the help desk, as the relay needs it (bot.helpdesk.intake.HandoffIntake)."""

    async def request(self, conversation_id: str, channel: str, buyer_id: Optional[str], reason: str,
                      draft: Dict[str, Any]) -> Dict[str, Any]: ...

    async def buyer_wrote(self, handoff: Any, stored: Dict[str, Any]) -> None: ...

    async def buyer_left(self, handoff: Any) -> None: ...


class Relay:
    """Every channel's way to the assistant: one call per buyer turn, which always comes back with something to
    show (the bot's replies, or the message that says the turn failed and whether it was kept)."""

    def __init__(self, rasa: RasaClient, offered: OfferedPayloads, transcripts: Transcripts, handoffs: Any,
                 intake: HandoffIntake, languages: ConversationLanguages) -> None:
        self.rasa = rasa
        self.offered = offered
        self.languages = languages
        self._transcripts = transcripts
        self._handoffs = handoffs
        self._intake = intake
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.pop(conversation_id, None) or asyncio.Lock()
        self._locks[conversation_id] = lock
        while len(self._locks) > MAX_LOCKS:
            oldest, old_lock = next(iter(self._locks.items()))
            if old_lock.locked():
                break
            self._locks.pop(oldest)
        return lock

    async def turn(self, conversation_id: str, text: str, *, channel: str, buyer_id: Optional[str],
                   attachments: Sequence[Dict[str, str]] = (), from_channel: bool = False,
                   shown: Optional[str] = None, handoff: Optional[Dict[str, Any]] = None,
                   language_hint: Optional[str] = None) -> Exchange:
        """Sends a buyer's turn; returns it and the bot's messages as stored (each with its transcript id).

        `from_channel` marks intents the channel itself composed (commands, files): they skip the payload
        guard. `shown` is what the transcript shows for the buyer's turn (attachments show as "[photo.jpg]").
        `handoff` tells Rasa what a help-desk agent did (when the bot takes over again). `language_hint`: the
        channel's idea of the buyer's language (Telegram's language_code, the browser's). Never raises: a turn
        that failed comes back as Exchange.failed_with, whose reply says whether the buyer's turn was kept.
        """
        metadata: Dict[str, Any] = {"channel": channel}
        if buyer_id:
            metadata["buyer_id"] = buyer_id
        if attachments:
            metadata["attachments"] = list(attachments)
            shown = shown if shown is not None else attachments_shown(attachments)
        if handoff is not None:
            metadata["handoff"] = handoff
        progress: Dict[str, Any] = {"kept": False, "language": language_hint}
        try:
            async with self._lock(conversation_id):
                return await self._turn(conversation_id, text, metadata, from_channel, shown, progress)
        except RasaUnavailable as exc:
            log.warning("rasa unavailable for conversation %s: %s", conversation_id, exc)
            return Exchange.failed_with(UNAVAILABLE, language=progress["language"])
        except DBAPIError as exc:
            # The store is unreachable or dropped the connection mid-turn. Before the buyer's turn was stored
            # nothing of it is kept, and the buyer is asked to send it again; after, it is kept.
            log.error("store failed during a turn in conversation %s: %s", conversation_id, exc.orig)
            return Exchange.failed_with(UNAVAILABLE if progress["kept"] else NOT_RECEIVED,
                                        language=progress["language"])
        except Exception:
            # Whatever else failed, the buyer is answered (a socket has no error page; Telegram no retry).
            log.exception("turn failed in conversation %s", conversation_id)
            return Exchange.failed_with(UNAVAILABLE if progress["kept"] else NOT_RECEIVED, "error",
                                        language=progress["language"])

    async def _language(self, conversation_id: str, text: str, metadata: Dict[str, Any], typed: bool,
                        progress: Dict[str, Any]) -> TurnLanguage:
        hint = progress["language"]
        picked = text.strip().split()
        if len(picked) == 2 and picked[0] == LANGUAGE_PAYLOAD and picked[1] in SUPPORTED:
            # A language picked from the menu (its buttons' payload).
            await self.languages.pick(conversation_id, metadata.get("buyer_id"), picked[1])
            return TurnLanguage(picked[1], picked[1])
        try:
            return await self.languages.for_turn(conversation_id, metadata.get("buyer_id"), text, hint=hint,
                                                 typed=typed)
        except DBAPIError:
            raise
        except Exception:  # the turn goes on in the language it can tell; the reason goes to the log
            log.exception("could not tell the language of a turn in conversation %s", conversation_id)
            return TurnLanguage(DEFAULT)

    async def _turn(self, conversation_id: str, text: str, metadata: Dict[str, Any], from_channel: bool,
                    shown: Optional[str], progress: Dict[str, Any]) -> Exchange:
        typed = not from_channel and not text.lstrip().startswith("/")
        language = await self._language(conversation_id, text, metadata, typed, progress)
        progress["language"] = metadata["language"] = language.language
        _ = translator(language.language)
        if language.asked == MENU:
            return await self._answer_directly(conversation_id, shown or text, [{
                "text": _(PICK_LANGUAGE), "image": None,
                "buttons": [{"title": NAMES[code], "payload": f"{LANGUAGE_PAYLOAD} {code}"} for code in SUPPORTED]}],
                progress)
        if language.asked:
            # The buyer asked for a language: say so in it, then what the assistant can do (Rasa's help).
            text, from_channel, shown = "/help", True, shown or text
        if from_channel:
            to_rasa = text
        else:
            to_rasa, title = await anyio.to_thread.run_sync(self.offered.admit_with_title, conversation_id,
                                                            text)
            shown = shown if shown is not None else title
        handoff = None
        if not (from_channel and to_rasa.startswith("/back_to_bot")):
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
                await self._intake.buyer_wrote(handoff, stored)
                return Exchange(stored, [])
            await self._intake.buyer_left(handoff)
            metadata = {**metadata, "handoff": {"agent": handoff.agent_name, "note": "", "disputes": []}}
        replies = await self.rasa.send(conversation_id, to_rasa, metadata)
        bodies = [bot_message(r) for r in replies if isinstance(r, dict)]
        for reply in replies:
            request = (reply.get("custom") or {}).get("handoff") if isinstance(reply, dict) else None
            if isinstance(request, dict):
                bodies.append(await self._intake.request(
                    conversation_id, str(metadata.get("channel") or "unknown"), metadata.get("buyer_id"),
                    str(request.get("reason") or "asked"), dict(request.get("draft") or {})))
        bodies = [b for b in bodies if b["text"] or b["buttons"] or b["image"]]
        if not bodies:
            # Rasa answered nothing (an action that failed, a turn no policy could place): every buyer
            # message gets an answer, and it says the message was not lost.
            log.warning("no reply from the assistant for a turn in conversation %s", conversation_id)
            bodies = [{"text": _(NO_ANSWER), "buttons": [], "image": None}]
        if language.asked:
            said = _(SWITCHED, language=_(LANGUAGE_WORDS[language.language]))
            bodies.insert(0, {"text": said, "buttons": [], "image": None})
        if language.note:
            bodies.insert(0, {"text": language.note, "buttons": [], "image": None})
        return Exchange(stored, await self._keep_bot_messages(conversation_id, bodies))

    async def _keep_bot_messages(self, conversation_id: str, bodies: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """The bot's messages as sent: their buttons remembered as offered (the payload guard admits a tap), the
        messages stored in the transcript (returned with their ids)."""
        await anyio.to_thread.run_sync(self.offered.remember, conversation_id, bodies)
        return await anyio.to_thread.run_sync(self._transcripts.append, conversation_id, "bot", bodies)

    async def _answer_directly(self, conversation_id: str, said: str, bodies: List[Dict[str, Any]],
                               progress: Dict[str, Any]) -> Exchange:
        """A turn the relay answers itself (the language menu): kept in the transcript like any other."""
        [stored] = await anyio.to_thread.run_sync(self._transcripts.append, conversation_id, "buyer", [{"text": said}])
        progress["kept"] = True
        return Exchange(stored, await self._keep_bot_messages(conversation_id, bodies))

    async def news(self, conversation_id: str, bodies: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Bot messages written outside a turn (dispute news): kept in the transcript, so a buyer who opens the
        chat later reads them, and their buttons remembered as offered, so the payload guard admits a tap."""
        async with self._lock(conversation_id):
            return await self._keep_bot_messages(conversation_id, bodies)

    async def history(self, conversation_id: str, after_id: int = 0, limit: int = 200) -> List[Dict[str, Any]]:
        return await _read(self._transcripts.messages, conversation_id, after_id, limit)


def attachments_shown(attachments: Sequence[Dict[str, str]]) -> str:
    return "[" + ", ".join(a.get("name") or "file" for a in attachments) + "]"
