"""Only payloads the bot itself offered as buttons in a conversation may reach Rasa as `/intent{...}`.

Rasa reads any message starting with '/' as an intent with entities, which would let a buyer force intents
and slots. The gateway remembers what each conversation was offered and defuses anything else.
"""
from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from typing import Dict, Iterable, List, Optional, Tuple


def payload_key(payload: str) -> str:
    """A short, stable key for a payload (16 characters), for channels with small button data (Telegram: 64
    bytes)."""
    return base64.urlsafe_b64encode(hashlib.sha256(payload.encode()).digest()[:12]).decode()


class OfferedPayloads:
    """In-process and bounded: the most recent conversations, the last offers of each.

    With several gateway processes a conversation must stick to one process, or this moves to Redis.
    """

    def __init__(self, max_conversations: int = 50_000, per_conversation: int = 40) -> None:
        self._offers: "OrderedDict[str, List[Tuple[str, str]]]" = OrderedDict()  # (payload, button title)
        self._max = max_conversations
        self._per = per_conversation
        self._lock = threading.Lock()

    def remember(self, conversation_id: str, messages: Iterable[Dict]) -> None:
        new = [(b.get("payload"), str(b.get("title") or "")) for m in messages for b in (m.get("buttons") or [])
               if isinstance(b, dict)]
        new = [(p, title) for p, title in new if isinstance(p, str) and p.startswith("/")]
        if not new:
            return
        with self._lock:
            offers = self._offers.pop(conversation_id, [])
            offers = (offers + new)[-self._per:]
            self._offers[conversation_id] = offers
            while len(self._offers) > self._max:
                self._offers.popitem(last=False)

    def payload_for_key(self, conversation_id: str, key: str) -> Optional[str]:
        """The offered payload whose payload_key is `key`, or None (never offered, or forgotten)."""
        with self._lock:
            offers = list(self._offers.get(conversation_id, ()))
        return next((p for p, _ in reversed(offers) if payload_key(p) == key), None)

    def title_for(self, conversation_id: str, payload: str) -> Optional[str]:
        """The title of the button that offered `payload` (what the buyer saw and tapped)."""
        with self._lock:
            offers = list(self._offers.get(conversation_id, ()))
        return next((title for p, title in reversed(offers) if p == payload.strip()), None)

    def admit(self, conversation_id: str, text: str) -> str:
        """The text to send to Rasa: an offered payload as it is, anything else never starting with '/'."""
        stripped = text.strip()
        if not stripped.startswith("/"):
            return text
        with self._lock:
            if any(p == stripped for p, _ in self._offers.get(conversation_id, ())):
                return stripped
        return stripped.lstrip("/").strip() or "?"
