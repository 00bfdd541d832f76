"""Only payloads the bot itself offered as buttons in a conversation may reach Rasa as `/intent{...}`.

Rasa reads any message starting with '/' as an intent with entities, which would let a buyer force intents
and slots. The gateway records what each conversation was offered (in the database: a tap still works after a
restart, a day later, or on another gateway) and defuses anything else.
"""
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, Dict, Iterable, Optional, Tuple


def payload_key(payload: str) -> str:
    """A short, stable key for a payload (16 characters), for channels with small button data (Telegram: 64
    bytes), and the primary key of the offer."""
    return base64.urlsafe_b64encode(hashlib.sha256(payload.encode()).digest()[:12]).decode()


class OfferedPayloads:
    """Blocking (database) calls: async callers run them in a worker thread."""

    def __init__(self, store: Any) -> None:  # bot.store.offered.SqlOfferedButtons
        self._store = store

    def remember(self, conversation_id: str, messages: Iterable[Dict]) -> None:
        shown = [(b.get("payload"), str(b.get("title") or "")) for m in messages for b in (m.get("buttons") or [])
                 if isinstance(b, dict)]
        offers = [(payload_key(p), p, title) for p, title in shown if isinstance(p, str) and p.startswith("/")]
        if offers:
            self._store.add(conversation_id, offers)
        elif any(m.get("text") for m in messages):
            # A reply without buttons: its marker becomes the latest offer, so a button title typed now no
            # longer taps a button from an earlier reply. The marker's key cannot be a payload's key.
            self._store.mark(conversation_id, NO_BUTTONS_KEY)

    def payload_for_key(self, conversation_id: str, key: str) -> Optional[str]:
        """The offered payload whose payload_key is `key`, or None (never offered, or forgotten)."""
        found = self._store.by_key(conversation_id, key) if key else None
        return found[0] if found else None

    def admit(self, conversation_id: str, text: str) -> str:
        """The text to send to Rasa: an offered payload as it is, anything else never starting with '/'."""
        return self.admit_with_title(conversation_id, text)[0]

    def admit_with_title(self, conversation_id: str, text: str) -> Tuple[str, Optional[str]]:
        """`admit`, plus the title of the button when an offered payload was tapped (one lookup for both). A
        button's title typed as text ("yes, cancel it", "No photos") counts as tapping it, if it was offered
        with the bot's latest buttons."""
        stripped = text.strip()
        if not stripped.startswith("/"):
            typed = _title_key(stripped) if len(stripped) <= MAX_TYPED_TITLE else ""
            if typed:
                for payload, title in self._store.latest(conversation_id):
                    if typed in (_title_key(title), _title_key(title.split("(")[0])):
                        return payload, title
            return text, None
        found = self._store.by_key(conversation_id, payload_key(stripped))
        if found and found[0] == stripped:
            return stripped, found[1]
        return stripped.lstrip("/").strip() or "?", None


MAX_TYPED_TITLE = 60
NO_BUTTONS_KEY = "~none"  # payload keys are URL-safe base64, which has no "~"


def _title_key(text: str) -> str:
    """A title as people type it: case, punctuation, emoji and spacing do not matter."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("\u2019", "'").replace("'", "")).split())
