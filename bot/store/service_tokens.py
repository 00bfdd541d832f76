"""Service tokens of the marketplace's systems (integration API, issue 16) and their Idempotency-Keys.

A token is random (secrets.token_urlsafe) and shown once; only its SHA-256 is stored, with its scopes. An
Idempotency-Key is claimed by inserting its row first (unique per token and key): the one request that inserted it
does the work and stores its answer; any other with the same key finds the row and replays that answer, waits
for it, or is refused when its body differs.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, FrozenSet, Iterable, List, Optional

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.disputes.clock import Clock
from bot.disputes.errors import InvalidInput, NotFound

from . import tables as t

SCOPES = ("buyers:write", "orders:write", "disputes:write", "decisions:write")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ServiceToken:
    id: int
    name: str
    scopes: FrozenSet[str]
    created_at: datetime
    revoked_at: Optional[datetime]


def _token(row: Any) -> ServiceToken:
    return ServiceToken(row.id, row.name, frozenset(row.scopes or []), row.created_at, row.revoked_at)


class ServiceTokenNotFound(NotFound):
    code = "service_token_not_found"


class SqlServiceTokens:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def create(self, name: str, scopes: Iterable[str]) -> tuple[ServiceToken, str]:
        """Returns the token's record and the token itself (shown once; only its hash is kept)."""
        if not _NAME.match(name or ""):
            raise InvalidInput("A service token's name is 1 to 80 letters, digits or _ . -")
        wanted = sorted(set(scopes))
        unknown = [s for s in wanted if s not in SCOPES]
        if not wanted or unknown:
            raise InvalidInput(f"Give one or more scopes out of: {', '.join(SCOPES)}"
                               + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        try:
            with self._engine.begin() as conn:
                new_id = conn.execute(insert(t.service_tokens).values(
                    name=name, token_hash=token_hash(token), scopes=wanted, created_at=now)).inserted_primary_key[0]
        except IntegrityError:
            raise InvalidInput(f"A service token named {name!r} exists already.") from None
        return ServiceToken(new_id, name, frozenset(wanted), now, None), token

    def list(self) -> List[ServiceToken]:
        with self._engine.connect() as conn:
            return [_token(r) for r in conn.execute(select(t.service_tokens).order_by(t.service_tokens.c.name))]

    def revoke(self, name: str) -> ServiceToken:
        with self._engine.begin() as conn:
            conn.execute(update(t.service_tokens).where(t.service_tokens.c.name == name,
                                                        t.service_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=self._clock.now()))
            row = conn.execute(select(t.service_tokens).where(t.service_tokens.c.name == name)).first()
        if row is None:
            raise ServiceTokenNotFound(f"There is no service token named {name!r}.")
        return _token(row)

    def for_token(self, token: object) -> Optional[ServiceToken]:
        """The live (not revoked) token with this secret, or None."""
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(select(t.service_tokens).where(t.service_tokens.c.token_hash == token_hash(token),
                                                              t.service_tokens.c.revoked_at.is_(None))).first()
        return _token(row) if row else None


@dataclass(frozen=True)
class Claim:
    """What claiming a key found: `mine` (go ahead), or the stored answer, or a pending one, or another body."""

    mine: bool = False
    other_body: bool = False
    status_code: Optional[int] = None
    response: Any = None


class SqlIdempotencyKeys:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def claim(self, token_id: int, key: str, request_hash: str) -> Claim:
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(t.idempotency_keys).values(token_id=token_id, key=key, request_hash=request_hash,
                                                               created_at=self._clock.now()))
            return Claim(mine=True)
        except IntegrityError:
            return self.look(token_id, key, request_hash)

    def look(self, token_id: int, key: str, request_hash: str) -> Claim:
        with self._engine.connect() as conn:
            row = conn.execute(select(t.idempotency_keys).where(t.idempotency_keys.c.token_id == token_id,
                                                                t.idempotency_keys.c.key == key)).first()
        if row is None:  # the winner failed and let the key go: this request may take it
            return self.claim(token_id, key, request_hash)
        if row.request_hash != request_hash:
            return Claim(other_body=True)
        return Claim(status_code=row.status_code, response=row.response)

    def answer(self, token_id: int, key: str, status_code: int, response: Any) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(t.idempotency_keys).where(t.idempotency_keys.c.token_id == token_id,
                                                          t.idempotency_keys.c.key == key)
                         .values(status_code=status_code, response=response))

    def release(self, token_id: int, key: str) -> None:
        """Lets the key go after a failure that changed nothing (a retry may then do the work)."""
        with self._engine.begin() as conn:
            conn.execute(delete(t.idempotency_keys).where(t.idempotency_keys.c.token_id == token_id,
                                                          t.idempotency_keys.c.key == key,
                                                          t.idempotency_keys.c.status_code.is_(None)))
