"""Signed buyer tokens: the host site (or `python -m bot token`) vouches for who the buyer is."""
from __future__ import annotations

from typing import Optional

from itsdangerous import BadSignature, URLSafeTimedSerializer


class BuyerTokens:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="buyer-token")
        self._max_age = max_age_seconds

    def issue(self, buyer_id: str) -> str:
        return self._serializer.dumps({"buyer": buyer_id})

    def buyer_id(self, token: object) -> Optional[str]:
        """The buyer a token names, or None if it is malformed, forged or expired."""
        if not isinstance(token, str) or len(token) > 1000:
            return None
        try:
            payload = self._serializer.loads(token, max_age=self._max_age)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        buyer = payload.get("buyer") if isinstance(payload, dict) else None
        return buyer if isinstance(buyer, str) else None
