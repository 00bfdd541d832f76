"""The store side of the marketplace integration (issue 16): buyer and order upserts through the domain's
CatalogService (nothing half-written), service tokens, Idempotency-Key claims racing on one key, and keys whose
request died: claims taken over after their lease, changes committed with their key's mark, commits refused to a
claim taken over."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.disputes.catalog import CatalogService, FieldInvalid
from bot.disputes.errors import BuyerNotFound, InvalidInput
from bot.store.service_tokens import CLAIM_LEASE, ClaimTakenOver, SqlIdempotencyKeys, SqlServiceTokens
from bot.store.uow import SqlUnitOfWorkFactory


@pytest.fixture
def catalog(engine, clock):
    return CatalogService(SqlUnitOfWorkFactory(engine), clock)


def _order(clock, **changes):
    now = clock.now()
    record = {"buyer_id": "zoe", "seller_id": "s-z", "seller_name": "Z Store", "item": "Fan", "price": "12.00",
              "currency": "USD", "status": "delivered", "ordered_at": (now - timedelta(days=9)).isoformat(),
              "delivered_at": (now - timedelta(days=2)).isoformat(),
              "protection_ends_at": (now + timedelta(days=50)).isoformat()}
    record.update(changes)
    return record


def test_upserts_create_then_update(catalog, clock, engine):
    assert catalog.put_buyer("zoe", {"name": "Zoe", "email": "zoe@example.com"}).created is True
    assert catalog.put_buyer("zoe", {"name": "Zoë", "email": ""}).created is False
    first = catalog.put_order("5555666677778888", _order(clock))
    assert first.created is True and first.value.id > 0
    second = catalog.put_order("5555 6666 7777 8888", _order(clock, price="10.50", seller_name="Z Store 2"))
    assert second.created is False and second.value.id == first.value.id and str(second.value.price) == "10.50"
    with SqlUnitOfWorkFactory(engine).reading() as uow:
        assert uow.buyers.get("zoe").name == "Zoë"
        assert uow.sellers.get("s-z").name == "Z Store 2"


def test_a_refused_order_writes_nothing(catalog, clock, engine):
    with pytest.raises(BuyerNotFound):
        catalog.put_order("5555666677779999", _order(clock, seller_id="s-brand-new"))
    with pytest.raises(FieldInvalid) as refused:
        catalog.put_order("5555666677779999", _order(clock, delivered_at=None))
    assert refused.value.field == "delivered_at"
    with SqlUnitOfWorkFactory(engine).reading() as uow:
        assert uow.sellers.get("s-brand-new") is None
        assert uow.orders.get_by_number("5555666677779999") is None


def test_service_tokens_keep_only_a_hash(engine, clock):
    tokens = SqlServiceTokens(engine, clock)
    record, token = tokens.create("erp", ["orders:write"])
    assert tokens.for_token(token) == record
    assert tokens.for_token(token + "x") is None
    with pytest.raises(InvalidInput):
        tokens.create("erp2", ["admin"])
    tokens.revoke("erp")
    assert tokens.for_token(token) is None


def test_of_racing_claims_on_one_key_exactly_one_wins(engine, clock):
    token = SqlServiceTokens(engine, clock).create("erp", ["orders:write"])[0]
    keys = SqlIdempotencyKeys(engine, clock)
    claims = []
    start = threading.Barrier(8)

    def claim():
        start.wait()
        claims.append(keys.claim(token.id, "k-1", "h" * 64))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(c.mine for c in claims) == 1
    winner = next(c for c in claims if c.mine)
    assert all(c.status_code is None for c in claims)  # the winner has not answered yet
    keys.answer(token.id, "k-1", 201, {"ok": True})
    replay = keys.claim(token.id, "k-1", "h" * 64)
    assert (replay.mine, replay.status_code, replay.response) == (False, 201, {"ok": True})
    assert keys.claim(token.id, "k-1", "g" * 64).other_body
    keys.release(token.id, "k-1", winner.claim_id)  # answered keys are kept
    assert keys.claim(token.id, "k-1", "h" * 64).status_code == 201
    second = keys.claim(token.id, "k-2", "h" * 64)
    assert second.mine
    keys.release(token.id, "k-2", second.claim_id)
    assert keys.claim(token.id, "k-2", "h" * 64).mine


# ---- a request that dies with its key claimed ------------------------------------------------------------------

HASH = "h" * 64


@pytest.fixture
def keys(engine, clock):
    return SqlIdempotencyKeys(engine, clock)


@pytest.fixture
def token_id(engine, clock):
    return SqlServiceTokens(engine, clock).create("erp", ["buyers:write"])[0].id


def _buyer(engine, buyer_id):
    with SqlUnitOfWorkFactory(engine).reading() as uow:
        return uow.buyers.get(buyer_id)


def test_a_claim_past_its_lease_without_a_commit_is_taken_over_by_one_retry(keys, token_id, clock):
    dead = keys.claim(token_id, "k", HASH)
    assert dead.mine and dead.claim_id
    clock.advance(seconds=CLAIM_LEASE.total_seconds() - 1)
    held = keys.claim(token_id, "k", HASH)
    assert (held.mine, held.committed, held.status_code) == (False, False, None)  # still in progress
    clock.advance(seconds=2)
    retry = keys.claim(token_id, "k", HASH)
    assert retry.mine and retry.claim_id not in (None, dead.claim_id)
    assert not keys.look(token_id, "k", HASH).mine  # the retry's claim is fresh: one retry wins
    keys.release(token_id, "k", dead.claim_id)  # the dead claim's release (had it run) no longer lets the key go
    assert not keys.answer(token_id, "k", 200, {"by": "dead"}, dead.claim_id)
    assert keys.answer(token_id, "k", 200, {"by": "retry"}, retry.claim_id)
    assert keys.look(token_id, "k", HASH).response == {"by": "retry"}


def test_racing_retries_take_over_an_abandoned_claim_once(keys, token_id, clock):
    keys.claim(token_id, "k", HASH)
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    claims = []
    start = threading.Barrier(8)

    def retry():
        start.wait()
        claims.append(keys.look(token_id, "k", HASH))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(claims) == 8 and sum(c.mine for c in claims) == 1


def test_a_change_commits_with_its_keys_mark_and_is_never_taken_over(keys, token_id, clock, catalog, engine):
    claim = keys.claim(token_id, "k", HASH)
    with keys.bound(token_id, "k", claim.claim_id):
        catalog.put_buyer("zoe", {"name": "Zoe"})
        catalog.put_buyer("zed", {"name": "Zed"})  # a second unit of work in the same call commits normally
    # The process dies here, before the answer is stored.
    assert _buyer(engine, "zoe").name == "Zoe" and _buyer(engine, "zed").name == "Zed"
    assert keys.look(token_id, "k", HASH).committed
    keys.release(token_id, "k", claim.claim_id)  # a committed key is kept
    clock.advance(seconds=CLAIM_LEASE.total_seconds() * 10)
    retry = keys.claim(token_id, "k", HASH)
    assert retry.committed and not retry.mine  # rebuild the answer; never make the change again
    assert keys.answer(token_id, "k", 200, {"rebuilt": True})
    assert not keys.answer(token_id, "k", 200, {"rebuilt": "again"})  # the first answer stored stays
    assert keys.look(token_id, "k", HASH).response == {"rebuilt": True}
    catalog.put_buyer("ann", {"name": "Ann"})  # unbound afterwards: no key is involved
    assert _buyer(engine, "ann") is not None


def test_a_commit_for_a_claim_taken_over_meanwhile_is_refused_and_rolled_back(keys, token_id, clock, catalog,
                                                                               engine):
    first = keys.claim(token_id, "k", HASH)
    with keys.bound(token_id, "k", first.claim_id):
        clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)  # the first request is slow past its lease...
        second = keys.claim(token_id, "k", HASH)  # ...and a retry takes the key
        assert second.mine
        with pytest.raises(ClaimTakenOver):
            catalog.put_buyer("zoe", {"name": "Zoe (first)"})
    assert _buyer(engine, "zoe") is None
    assert not keys.look(token_id, "k", HASH).committed
    with keys.bound(token_id, "k", second.claim_id):
        catalog.put_buyer("zoe", {"name": "Zoe (retry)"})
    assert _buyer(engine, "zoe").name == "Zoe (retry)"
    assert keys.look(token_id, "k", HASH).committed
