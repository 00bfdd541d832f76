"""The language of each conversation, decided at every buyer turn (bot.i18n.detection.choose) from what the
buyer writes, the channel's hint and what the buyer used before, and kept in the store; the relay sends it to
Rasa with the turn (metadata `language`, which fills the `language` slot) and writes its own texts in it."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Optional, Protocol, Tuple

import anyio

from bot.i18n import DEFAULT, supported
from bot.i18n.detection import LanguageDetector, LanguageState, asked_language, choose
from bot.i18n.unsupported import NOTES

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0  # another gateway may change a conversation's language; a minute is soon enough to notice
CACHE_SIZE = 20_000
MENU = "?"  # asked_language's answer to /language without a language


class LanguageMemory(Protocol):
    """bot.store.languages.SqlLanguages."""

    def of(self, conversation_id: str, buyer_id: Optional[str]) -> Tuple[LanguageState, Optional[str]]: ...

    def set(self, conversation_id: str, buyer_id: Optional[str], state: LanguageState) -> None: ...


@dataclass(frozen=True)
class TurnLanguage:
    language: str  # the conversation's language for this turn's answers
    asked: Optional[str] = None  # a language the buyer asked for in this message (MENU: show the choice)
    note: Optional[str] = None  # a line to show before the answers (a language we do not speak)


class ConversationLanguages:
    def __init__(self, memory: LanguageMemory, detector: Optional[LanguageDetector] = None) -> None:
        self._memory = memory
        self.detector = detector or LanguageDetector()
        self._cache: OrderedDict[str, Tuple[float, LanguageState, Optional[str]]] = OrderedDict()

    async def _known(self, conversation_id: str, buyer_id: Optional[str]) -> Tuple[LanguageState, Optional[str]]:
        cached = self._cache.get(conversation_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        state, remembered = await anyio.to_thread.run_sync(self._memory.of, conversation_id, buyer_id)
        self._remember(conversation_id, state, remembered)
        return state, remembered

    def _remember(self, conversation_id: str, state: LanguageState, remembered: Optional[str]) -> None:
        self._cache[conversation_id] = (time.monotonic() + CACHE_SECONDS, state, remembered)
        self._cache.move_to_end(conversation_id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    async def _store(self, conversation_id: str, buyer_id: Optional[str], state: LanguageState) -> None:
        await anyio.to_thread.run_sync(self._memory.set, conversation_id, buyer_id, state)
        self._remember(conversation_id, state, state.language if buyer_id else None)

    async def current(self, conversation_id: str, buyer_id: Optional[str], fallback: Optional[str] = None) -> str:
        """The conversation's language for a message outside a turn (an agent's, the bot taking over again).
        `fallback`: a channel's hint (Telegram's language_code) for a conversation with no language yet."""
        state, remembered = await self._known(conversation_id, buyer_id)
        return supported(state.language) or supported(remembered) or supported(fallback) or DEFAULT

    async def for_turn(self, conversation_id: str, buyer_id: Optional[str], text: str, *, hint: Optional[str] = None,
                       typed: bool = True) -> TurnLanguage:
        """The language of this turn, stored when anything of it changes. `typed`: the buyer wrote the text (a
        button's payload or a file tells nothing about language)."""
        state, remembered = await self._known(conversation_id, buyer_id)
        asked = asked_language(text) if typed or text.lstrip().lower().startswith("/lang") else None
        if asked == MENU:
            return TurnLanguage(supported(state.language) or supported(remembered) or supported(hint) or DEFAULT,
                                MENU)
        # A conversation settled in a language we speak other than English needs no look for one we do not.
        wider = not (state.settled and state.language not in (None, DEFAULT))
        detected = self.detector.detect(text, wider) if typed and asked is None else None
        choice = choose(state.language, detected, settled=state.settled, candidate=state.candidate, hint=hint,
                        remembered=remembered, asked=asked, was_asked=state.asked)
        note = NOTES.get(choice.unsupported or "") if choice.unsupported != state.unsupported_noted else None
        new = LanguageState(choice.language, choice.settled, choice.asked, choice.candidate,
                            choice.unsupported if note else state.unsupported_noted)
        if new != state:
            await self._store(conversation_id, buyer_id, new)
            if choice.changed and state.language is not None:
                log.info("conversation %s now in %s (was %s)", conversation_id, choice.language, state.language)
        return TurnLanguage(choice.language, asked, note)

    async def pick(self, conversation_id: str, buyer_id: Optional[str], language: str) -> None:
        """A language the buyer picked from the menu."""
        state, _ = await self._known(conversation_id, buyer_id)
        await self._store(conversation_id, buyer_id, replace(state, language=language, settled=True, asked=True,
                                                             candidate=None))
