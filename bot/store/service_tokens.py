"""Service tokens of the marketplace's systems (integration API, issue 16) and their Idempotency-Keys.

A token is random (secrets.token_urlsafe) and shown once; only its SHA-256 is stored, with its scopes. An
Idempotency-Key is claimed by inserting its row first (unique per token and key): the one request that inserted it
does the work and stores its answer; any other with the same key finds the row and replays that answer, waits
for it, or is refused when its body differs.

A process may die anywhere in between. Each claim carries a random claim_id and its time: a claim older than
CLAIM_LEASE whose change was never committed is abandoned, and the next request with the key takes it over (a
conditional UPDATE, so one retry wins). While the work runs, `bound` names the claim to the unit of work, whose
commit sets the key's committed_at in the change's own transaction (`mark_committed`): the change is made at most
once whatever dies, and a key committed but never answered tells a retry to rebuild the answer from the current
state instead of making the change again.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, FrozenSet, Iterable, Iterator, List, Optional
from uuid import uuid4

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
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


# How long a claim holds its key without committing a change: longer than a request waits for another's answer
# (marketplace_api.KEY_WAIT_SECONDS) and than any write takes, so only a claim whose process died is taken over.
CLAIM_LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    """What claiming a key found: `mine` (go ahead, as claim_id), the stored answer, `committed` (the change was
    made but its answer never stored: rebuild it from the current state), a pending one, or another body."""

    mine: bool = False
    other_body: bool = False
    committed: bool = False
    status_code: Optional[int] = None
    response: Any = None
    claim_id: Optional[str] = None


class ClaimTakenOver(Exception):
    """The key's claim passed to another request (its lease ran out) before this one committed its change: the
    change was rolled back, so the key's work is done once, by the other request."""


@dataclass(frozen=True)
class _Bound:
    token_id: int
    key: str
    claim_id: str
    now: Callable[[], datetime]


# The claim whose work runs in this context (set by SqlIdempotencyKeys.bound, read by SqlUnitOfWork.commit):
# a context variable, so the domain services between the two never hear of idempotency.
_bound: ContextVar[Optional[_Bound]] = ContextVar("idempotency_key_claim", default=None)


def mark_committed(conn: Connection) -> bool:
    """Called by a writing unit of work's commit on its own connection, before it commits: sets the bound key's
    committed_at in the change's transaction. False when the claim is no longer this request's (taken over): the
    caller rolls back. True when marked, or when nothing is bound."""
    bound = _bound.get()
    if bound is None:
        return True
    k = t.idempotency_keys
    return conn.execute(update(k).where(k.c.token_id == bound.token_id, k.c.key == bound.key,
                                        k.c.claim_id == bound.claim_id, k.c.committed_at.is_(None))
                        .values(committed_at=bound.now())).rowcount == 1


def unbind_committed() -> None:
    """After the marked transaction committed: the key's change is made, so a further unit of work in the same call
    commits normally. Not before the commit: a commit that fails undoes the mark too."""
    if _bound.get() is not None:
        _bound.set(None)


class SqlIdempotencyKeys:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def claim(self, token_id: int, key: str, request_hash: str) -> Claim:
        claim_id = uuid4().hex
        now = self._clock.now()
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(t.idempotency_keys).values(token_id=token_id, key=key, request_hash=request_hash,
                                                               created_at=now, claim_id=claim_id, claimed_at=now))
            return Claim(mine=True, claim_id=claim_id)
        except IntegrityError:
            return self.look(token_id, key, request_hash)

    def look(self, token_id: int, key: str, request_hash: str) -> Claim:
        k = t.idempotency_keys
        with self._engine.connect() as conn:
            row = conn.execute(select(k).where(k.c.token_id == token_id, k.c.key == key)).first()
        if row is None:  # the winner failed and let the key go: this request may take it
            return self.claim(token_id, key, request_hash)
        if row.request_hash != request_hash:
            return Claim(other_body=True)
        if row.status_code is not None:
            return Claim(status_code=row.status_code, response=row.response)
        if row.committed_at is not None:
            return Claim(committed=True)
        if (row.claimed_at or row.created_at) <= self._clock.now() - CLAIM_LEASE:
            return self._take_over(token_id, key, request_hash, row.claim_id)
        return Claim()

    def _take_over(self, token_id: int, key: str, request_hash: str, old_claim_id: Optional[str]) -> Claim:
        """The claim's process is taken for dead: the first retry to replace its claim_id gets the key; a change the
        old request commits after this is refused (mark_committed finds another claim_id)."""
        k = t.idempotency_keys
        claim_id = uuid4().hex
        old = k.c.claim_id.is_(None) if old_claim_id is None else k.c.claim_id == old_claim_id
        with self._engine.begin() as conn:
            won = conn.execute(update(k).where(k.c.token_id == token_id, k.c.key == key, old,
                                               k.c.committed_at.is_(None), k.c.status_code.is_(None))
                               .values(claim_id=claim_id, claimed_at=self._clock.now())).rowcount == 1
        if won:
            return Claim(mine=True, claim_id=claim_id)
        return self.look(token_id, key, request_hash)  # another retry won, or the old request committed meanwhile

    @contextlib.contextmanager
    def bound(self, token_id: int, key: str, claim_id: str) -> Iterator[None]:
        """Binds the claim to the units of work run inside (in this thread's context): the first that commits
        marks the key committed in its own transaction, or raises ClaimTakenOver if the claim is gone."""
        reset = _bound.set(_Bound(token_id, key, claim_id, self._clock.now))
        try:
            yield
        finally:
            _bound.reset(reset)

    def answer(self, token_id: int, key: str, status_code: int, response: Any,
               claim_id: Optional[str] = None) -> bool:
        """Stores the key's answer unless one is stored already (the first is kept, so repeats stay stable); with
        claim_id, only while the claim is still that one. True if stored."""
        k = t.idempotency_keys
        mine = [] if claim_id is None else [k.c.claim_id == claim_id]
        with self._engine.begin() as conn:
            return conn.execute(update(k).where(k.c.token_id == token_id, k.c.key == key, k.c.status_code.is_(None),
                                                *mine)
                                .values(status_code=status_code, response=response)).rowcount == 1

    def release(self, token_id: int, key: str, claim_id: str) -> None:
        """Lets the key go after a failure that changed nothing (a retry may then do the work): only while the claim
        is still this one and no change was committed with it."""
        k = t.idempotency_keys
        with self._engine.begin() as conn:
            conn.execute(delete(k).where(k.c.token_id == token_id, k.c.key == key, k.c.claim_id == claim_id,
                                         k.c.status_code.is_(None), k.c.committed_at.is_(None)))
