"""The store side of the marketplace integration (issue 16): buyer and order upserts through the domain's
CatalogService (nothing half-written), service tokens, and Idempotency-Key claims racing on one key."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.disputes.catalog import CatalogService, FieldInvalid
from bot.disputes.errors import BuyerNotFound, InvalidInput
from bot.store.service_tokens import SqlIdempotencyKeys, SqlServiceTokens
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
    assert all(c.status_code is None for c in claims)  # the winner has not answered yet
    keys.answer(token.id, "k-1", 201, {"ok": True})
    replay = keys.claim(token.id, "k-1", "h" * 64)
    assert (replay.mine, replay.status_code, replay.response) == (False, 201, {"ok": True})
    assert keys.claim(token.id, "k-1", "g" * 64).other_body
    keys.release(token.id, "k-1")  # answered keys are kept
    assert keys.claim(token.id, "k-1", "h" * 64).status_code == 201
    assert keys.claim(token.id, "k-2", "h" * 64).mine
    keys.release(token.id, "k-2")
    assert keys.claim(token.id, "k-2", "h" * 64).mine
