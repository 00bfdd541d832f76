"""Signed buyer tokens: the host site (or `python -m bot token`) vouches for who the buyer is.

BuyerTokens signs and reads tokens (signature and age only); BuyerSignIn is the one place that answers "which
buyer does this token sign in": a good signature, not expired, and a buyer the store has. Every channel asks it.

internal_token derives the tokens of the internal hops from the same secret.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

import anyio
from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_TOKEN_CHARS = 1000

# Purposes of the internal tokens (internal_token).
RASA_CHANNEL_TOKEN = "rasa-channel"
ACTION_SERVER_TOKEN = "action-server"
TELEGRAM_WEBHOOK_SECRET = "telegram-webhook"


def internal_token(secret: str, purpose: str) -> str:
    """A token for one internal hop (gateway -> Rasa, Rasa -> action server, Telegram -> gateway), derived from
    the deployment's secret (bot.composition.signing_secret) so every process of one deployment agrees on it
    without another setting."""
    return hmac.new(secret.encode(), f"internal:{purpose}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedInBuyer:
    buyer_id: str
    expires_at: float  # Unix time from which the token is refused


class BuyerTokens:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="buyer-token")
        self._max_age = max_age_seconds

    def issue(self, buyer_id: str) -> str:
        return self._serializer.dumps({"buyer": buyer_id})

    def read(self, token: object) -> Optional[SignedInBuyer]:
        """The buyer a token names and when it expires, or None if it is malformed, forged or expired. Whether
        the buyer exists is BuyerSignIn's question."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
            return None
        try:
            payload, signed_at = self._serializer.loads(token, max_age=self._max_age, return_timestamp=True)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        buyer = payload.get("buyer") if isinstance(payload, dict) else None
        if not isinstance(buyer, str) or not buyer:
            return None
        # itsdangerous counts whole seconds and refuses a token once int(now) - signed_at > max_age.
        return SignedInBuyer(buyer, signed_at.timestamp() + self._max_age + 1)

    def buyer_id(self, token: object) -> Optional[str]:
        """The buyer a token names (signature and age only)."""
        signed = self.read(token)
        return signed.buyer_id if signed else None


class BuyerSignIn:
    """Resolves a token to the buyer it signs in: signature, expiry, and the buyer still in the store (a token
    outlives a buyer deleted after it was issued, and `python -m bot token` once signed any name).

    That a buyer exists is remembered for `remember_seconds` (the REST endpoint asks at every message), so a
    buyer removed from the store is refused at most that long after; a missing buyer is never remembered."""

    def __init__(self, tokens: BuyerTokens, buyer_exists: Callable[[str], bool], remember_seconds: float = 30.0,
                 max_remembered: int = 10_000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._tokens = tokens
        self._buyer_exists = buyer_exists
        self._remember = remember_seconds
        self._max_remembered = max_remembered
        self._monotonic = monotonic
        self._known: OrderedDict[str, float] = OrderedDict()  # buyer id -> when the answer lapses

    async def resolve(self, token: object) -> Optional[SignedInBuyer]:
        signed = self._tokens.read(token)
        if signed is None:
            return None
        now = self._monotonic()
        lapses = self._known.get(signed.buyer_id)
        if lapses is not None and lapses > now:
            return signed
        # The store is read off the event loop: a blocking driver call would stall every other connection.
        if not await anyio.to_thread.run_sync(self._buyer_exists, signed.buyer_id):
            self._known.pop(signed.buyer_id, None)
            return None
        self._known[signed.buyer_id] = now + self._remember
        self._known.move_to_end(signed.buyer_id)
        while len(self._known) > self._max_remembered:
            self._known.popitem(last=False)
        return signed

    async def buyer_id(self, token: object) -> Optional[str]:
        signed = await self.resolve(token)
        return signed.buyer_id if signed else None
