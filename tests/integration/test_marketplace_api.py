"""The marketplace's inbound integration API (issue 16) on a served gateway: contract cases generated from its own
OpenAPI document (every documented field missing, of the wrong type, too long; unknown ids), auth and scopes on
every endpoint, idempotency (replays, another body, 20 requests at once with one key, a request that died with its
key claimed or its answer unstored, a slow request whose key was taken over), and the domain's rules."""
from __future__ import annotations

import json
import random
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

import httpx
import pytest
from sqlalchemy import update
from support.served_gateway import served_gateway

from bot.channels import marketplace_api
from bot.channels.marketplace_api import DecisionIn, RefundIn, SellerActionIn, request_hash
from bot.store.service_tokens import CLAIM_LEASE
from bot.store.tables import idempotency_keys

PREFIX = "/api/marketplace"
ALL_SCOPES = ["buyers:write", "orders:write", "disputes:write", "decisions:write"]
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with served_gateway(tmp_path_factory.mktemp("marketplace")) as server:
        tokens = server.services.service_tokens
        server.token = tokens.create("shop-all", ALL_SCOPES)[1]
        server.scoped = {s: tokens.create(f"only-{s.split(':')[0]}", [s])[1] for s in ALL_SCOPES}
        server.revoked = tokens.create("old", ALL_SCOPES)[1]
        tokens.revoke("old")
        server.schema = httpx.get(f"{server.url}{PREFIX}/openapi.json", timeout=10).json()
        yield server


def _call(api, method: str, path: str, body: Any = None, *, token: str | None = "default", key: str | None = "new",
          headers: Dict[str, str] | None = None) -> httpx.Response:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {api.token if token == 'default' else token}"
    if key is not None:
        sent["Idempotency-Key"] = uuid.uuid4().hex if key == "new" else key
    return httpx.request(method, f"{api.url}{PREFIX}{path}", json=body, headers=sent, timeout=30)


def _error(response: httpx.Response, status: int, code: str | None = None) -> Dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text[:400]}"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def _order_number() -> str:
    return str(random.randrange(10**15, 10**16))


def _order_body(buyer: str = "anna", **changes: Any) -> Dict[str, Any]:
    body = {"buyer_id": buyer, "seller_id": "s-new", "seller_name": "New Seller Ltd", "item": "Desk lamp",
            "price": "24.90", "currency": "USD", "status": "delivered",
            "ordered_at": (NOW - timedelta(days=20)).isoformat(), "shipped_at": (NOW - timedelta(days=18)).isoformat(),
            "delivered_at": (NOW - timedelta(days=5)).isoformat(),
            "protection_ends_at": (NOW + timedelta(days=40)).isoformat()}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _dispute(api, resolution: str = "full_refund") -> Tuple[str, str]:
    """A fresh order of anna's from seller s-new, sent through the API, and a dispute on it; (order, dispute)."""
    number = _order_number()
    assert _call(api, "PUT", f"/orders/{number}", _order_body()).status_code == 201
    details = api.services.disputes.open_dispute(
        "anna", number, received=True, problems=["damaged"], resolution=resolution,
        refund_amount="10.00" if resolution == "partial_refund" else None)
    return number, details.dispute.number


# ---- the OpenAPI document and cases generated from it ---------------------------------------------------------

def _operations(schema) -> List[Tuple[str, str, Dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in schema["paths"].items() for method, op in item.items()]


def _body_schema(schema, op) -> Dict[str, Any]:
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _valid_body(path: str) -> Dict[str, Any]:
    if path.startswith("/buyers"):
        return {"name": "Test Buyer", "email": "t@example.com"}
    if path.startswith("/orders"):
        return _order_body()
    if path.endswith("seller-actions"):
        return {"seller_id": "s-new", "action": "reject", "note": "no"}
    if path.endswith("refunds"):
        return {"amount": "1.00", "currency": "USD", "reference": "r-1"}
    return {"in_buyers_favour": True, "note": "ok"}


def _concrete(path: str) -> str:
    return (path.replace("{buyer_id}", "contract-buyer").replace("{order_number}", _order_number())
            .replace("{number}", "000000000000"))


def test_the_document_describes_every_endpoint(api):
    schema = api.schema
    assert schema["info"]["description"]
    assert {t["name"] for t in schema["tags"]} == {"buyers", "orders", "disputes", "decisions"}
    ops = {(m, p) for m, p, _ in _operations(schema)}
    assert ops == {("PUT", "/buyers/{buyer_id}"), ("PUT", "/orders/{order_number}"),
                   ("POST", "/disputes/{number}/seller-actions"), ("POST", "/disputes/{number}/refunds"),
                   ("POST", "/disputes/{number}/decisions")}
    for _, _, op in _operations(schema):
        assert op["tags"] and op["summary"]
        assert {"200", "400", "401", "403", "404", "409", "422"} <= set(op["responses"]), op["responses"].keys()
        assert "$ref" in json.dumps(op["responses"]["200"]), "a response model"
        assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])


def _contract_cases() -> List[Tuple[str, str, str, Any]]:
    """Built at collection from a schema served once (no gateway is needed to read it)."""
    from fastapi import FastAPI

    from bot.channels.marketplace_api import create_marketplace_api

    schema = create_marketplace_api(FastAPI()).openapi()
    cases: List[Tuple[str, str, str, Any]] = []
    for method, path, op in _operations(schema):
        body_schema = _body_schema(schema, op)
        for name in body_schema.get("required", []):
            cases.append((method, path, f"missing {name}", ("drop", name)))
        for name, prop in body_schema["properties"].items():
            wrong = "yes" if prop.get("type") == "boolean" else 12345
            cases.append((method, path, f"{name} of the wrong type", ("set", name, wrong)))
            if "maxLength" in prop:
                cases.append((method, path, f"{name} too long", ("set", name, "x" * (prop["maxLength"] + 1))))
        cases.append((method, path, "an undocumented field", ("set", "surprise", "x")))
        cases.append((method, path, "not an object", ("whole", [1, 2])))
    return cases


@pytest.mark.parametrize("method, path, what, change", _contract_cases(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_each_documented_field_is_checked(api, method, path, what, change):
    body: Any = _valid_body(path)
    if change[0] == "drop":
        body.pop(change[1])
    elif change[0] == "set":
        body[change[1]] = change[2]
    else:
        body = change[1]
    response = _call(api, method, _concrete(path), body)
    error = _error(response, 422, "invalid_request")
    field = change[1] if change[0] in ("drop", "set") else "body"
    assert any(p["field"] == field for p in error["problems"]), error
    documented = api.schema["paths"][path][method.lower()]["responses"]
    assert str(response.status_code) in documented


@pytest.mark.parametrize("method, path", [
    ("POST", "/disputes/{number}/seller-actions"), ("POST", "/disputes/{number}/refunds"),
    ("POST", "/disputes/{number}/decisions")])
@pytest.mark.parametrize("number", ["000000000000", "123456789012", "12", "not-a-number"])
def test_unknown_disputes_are_404_or_named_invalid(api, method, path, number):
    response = _call(api, method, path.replace("{number}", number), _valid_body(path))
    if len(number) == 12 and number.isdigit():
        _error(response, 404)
    else:
        assert response.status_code in (404, 422), response.text
        _error(response, response.status_code)
    assert str(response.status_code) in api.schema["paths"][path][method.lower()]["responses"]


def test_an_order_of_an_unknown_buyer_is_404(api):
    _error(_call(api, "PUT", f"/orders/{_order_number()}", _order_body(buyer="nobody")), 404, "buyer_not_found")


# ---- auth and scopes ------------------------------------------------------------------------------------------

ENDPOINTS = [("PUT", "/buyers/{buyer_id}", "buyers:write"), ("PUT", "/orders/{order_number}", "orders:write"),
             ("POST", "/disputes/{number}/seller-actions", "disputes:write"),
             ("POST", "/disputes/{number}/refunds", "disputes:write"),
             ("POST", "/disputes/{number}/decisions", "decisions:write")]


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
def test_every_endpoint_wants_a_live_token_with_its_scope(api, method, path, scope):
    url, body = _concrete(path), _valid_body(path)
    _error(_call(api, method, url, body, token=None), 401, "unauthorized")
    _error(_call(api, method, url, body, token="not-a-token"), 401, "unauthorized")
    _error(_call(api, method, url, body, token=api.revoked), 401, "unauthorized")
    for other, token in api.scoped.items():
        if other != scope:
            _error(_call(api, method, url, body, token=token), 403, "missing_scope")
    # With its scope it gets past auth (to a 2xx, 404 or 409: not 401/403).
    assert _call(api, method, url, body, token=api.scoped[scope]).status_code not in (401, 403)


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
def test_every_write_needs_an_idempotency_key(api, method, path, scope):
    _error(_call(api, method, _concrete(path), _valid_body(path), key=None), 400, "idempotency_key_missing")


# ---- idempotency ----------------------------------------------------------------------------------------------

def test_the_same_key_and_body_get_the_first_answer_again(api):
    key = uuid.uuid4().hex
    first = _call(api, "PUT", "/buyers/idem-1", {"name": "Ida", "email": "ida@example.com"}, key=key)
    assert first.status_code == 201 and first.json()["created"] is True, first.text
    again = _call(api, "PUT", "/buyers/idem-1", {"name": "Ida", "email": "ida@example.com"}, key=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers.get("idempotent-replayed") == "true"
    fresh = _call(api, "PUT", "/buyers/idem-1", {"name": "Ida", "email": "ida@example.com"})
    assert fresh.status_code == 200 and fresh.json()["created"] is False


def test_the_same_key_with_another_body_is_refused(api):
    key = uuid.uuid4().hex
    assert _call(api, "PUT", "/buyers/idem-2", {"name": "Ivo"}, key=key).status_code == 201
    _error(_call(api, "PUT", "/buyers/idem-2", {"name": "Someone else"}, key=key), 422, "idempotency_key_reused")
    _error(_call(api, "PUT", "/buyers/idem-3", {"name": "Ivo"}, key=key), 422, "idempotency_key_reused")
    assert api.services.accounts.buyer("idem-2").name == "Ivo"
    assert api.services.accounts.buyer("idem-3") is None


def test_keys_belong_to_their_token(api):
    key = uuid.uuid4().hex
    assert _call(api, "PUT", "/buyers/idem-4", {"name": "A"}, key=key).status_code == 201
    other = _call(api, "PUT", "/buyers/idem-4", {"name": "B"}, key=key, token=api.scoped["buyers:write"])
    assert other.status_code == 200 and other.json()["name"] == "B"


def test_twenty_parallel_posts_with_one_key_make_one_change_and_one_answer(api):
    _, dispute = _dispute(api, resolution="full_refund")
    key = uuid.uuid4().hex
    body = {"seller_id": "s-new", "action": "accept", "note": ""}
    answers: List[httpx.Response] = []
    start = threading.Barrier(20)

    def post() -> None:
        start.wait()
        answers.append(_call(api, "POST", f"/disputes/{dispute}/seller-actions", body, key=key))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 20
    assert {(a.status_code, a.text) for a in answers} == {(200, answers[0].text)}, {a.status_code for a in answers}
    assert answers[0].json()["status"] == "resolved"
    history = api.services.disputes.dispute_status("anna", dispute)
    events = api.services.uow_factory
    with events.reading() as uow:
        actions = [e.action for e in uow.events.list_for_dispute(history.dispute.id)]
    assert actions.count("seller_accepted") == 1 and actions.count("refund_issued") == 1, actions


# ---- a request that dies mid-way ------------------------------------------------------------------------------

ACCEPT = {"seller_id": "s-new", "action": "accept"}


def _claimed_by_a_dead_request(api, path: str, model: Any, key: str) -> Tuple[int, str]:
    """The key's row as a request left it that claimed the key and died: (token id, claim id)."""
    token_id = api.services.service_tokens.for_token(api.token).id
    claim = api.services.idempotency_keys.claim(token_id, key, request_hash("POST", f"{PREFIX}{path}", model))
    assert claim.mine
    return token_id, claim.claim_id


def _age_claim(api, key: str, by: timedelta) -> None:
    """Moves the key's claim back in time (as if the clock had moved on since it was made)."""
    with api.services.engine.begin() as conn:
        conn.execute(update(idempotency_keys).where(idempotency_keys.c.key == key)
                     .values(claimed_at=datetime.now(timezone.utc) - by))


def _actions(api, dispute: str) -> List[str]:
    details = api.services.disputes.dispute_status("anna", dispute)
    with api.services.uow_factory.reading() as uow:
        return [e.action for e in uow.events.list_for_dispute(details.dispute.id)]


def test_a_key_claimed_by_a_dead_request_is_taken_over_after_its_lease(api, monkeypatch):
    monkeypatch.setattr(marketplace_api, "KEY_WAIT_SECONDS", 0.3)
    _, dispute = _dispute(api)
    path, body, key = f"/disputes/{dispute}/seller-actions", ACCEPT, uuid.uuid4().hex
    _claimed_by_a_dead_request(api, path, SellerActionIn(**body), key)
    # Within the lease the claim may still be alive: the retry is told to come back.
    _error(_call(api, "POST", path, body, key=key), 409, "idempotency_key_in_progress")
    assert "seller_accepted" not in _actions(api, dispute)
    _age_claim(api, key, CLAIM_LEASE + timedelta(seconds=1))
    retry = _call(api, "POST", path, body, key=key)
    assert retry.status_code == 200 and retry.json()["status"] == "resolved", retry.text
    assert "idempotent-replayed" not in retry.headers
    again = _call(api, "POST", path, body, key=key)
    assert (again.status_code, again.json(), again.headers.get("idempotent-replayed")) == (200, retry.json(), "true")
    actions = _actions(api, dispute)
    assert actions.count("seller_accepted") == 1 and actions.count("refund_issued") == 1, actions


def test_a_change_committed_whose_answer_was_lost_is_answered_from_the_current_state(api):
    _, dispute = _dispute(api)
    keys, disputes = api.services.idempotency_keys, api.services.disputes
    path, body, key = f"/disputes/{dispute}/seller-actions", ACCEPT, uuid.uuid4().hex
    token_id, claim_id = _claimed_by_a_dead_request(api, path, SellerActionIn(**body), key)
    with keys.bound(token_id, key, claim_id):  # the work as the API runs it; the process dies before the answer
        disputes.seller_accept("s-new", dispute)
    retry = _call(api, "POST", path, body, key=key)
    assert retry.status_code == 200, retry.text
    assert retry.headers.get("idempotent-replayed") == "true"
    assert retry.json()["status"] == "resolved" and retry.json()["refund"]["amount"] == "24.90", retry.json()
    actions = _actions(api, dispute)
    assert actions.count("seller_accepted") == 1 and actions.count("refund_issued") == 1, actions
    again = _call(api, "POST", path, body, key=key)  # the rebuilt answer was stored
    assert (again.status_code, again.json()) == (200, retry.json())

    # A refund reported sent: the recorded refund. A decision: the dispute as it is now.
    refund_path, refund = f"/disputes/{dispute}/refunds", {"amount": "24.90", "currency": "USD", "reference": "P-9"}
    token_id, claim_id = _claimed_by_a_dead_request(api, refund_path, RefundIn(**refund), key + "r")
    with keys.bound(token_id, key + "r", claim_id):
        sent = api.services.catalog.record_refund(dispute, "24.90", "USD", "P-9", marketplace_api.Actor.system())
    refund_retry = _call(api, "POST", refund_path, refund, key=key + "r")
    assert (refund_retry.status_code, refund_retry.json()) == (200, sent), refund_retry.text
    assert _actions(api, dispute).count("refund_sent") == 1

    _, escalated = _dispute(api)
    disputes.escalate_dispute("anna", escalated)
    decision_path, decision = f"/disputes/{escalated}/decisions", {"in_buyers_favour": False, "note": "no"}
    token_id, claim_id = _claimed_by_a_dead_request(api, decision_path, DecisionIn(**decision), key + "d")
    team = marketplace_api.Agent(id=0, name="Dispute Team (shop-all)", role=marketplace_api.AgentRole.DISPUTE_TEAM)
    with keys.bound(token_id, key + "d", claim_id):
        disputes.decide(team, escalated, in_buyers_favour=False, note="no")
    decided = _call(api, "POST", decision_path, decision, key=key + "d")
    assert decided.status_code == 200 and decided.headers.get("idempotent-replayed") == "true", decided.text
    assert decided.json()["status"] == "closed_for_seller", decided.json()
    assert _actions(api, escalated).count("decided") == 1


def test_upserts_committed_whose_answer_was_lost_are_answered_with_the_record_now(api):
    keys, key = api.services.idempotency_keys, uuid.uuid4().hex
    token_id = api.services.service_tokens.for_token(api.token).id
    body = {"name": "Lia", "email": "lia@example.com"}
    claim = keys.claim(token_id, key, request_hash("PUT", f"{PREFIX}/buyers/lost-1", marketplace_api.BuyerIn(**body)))
    with keys.bound(token_id, key, claim.claim_id):
        api.services.catalog.put_buyer("lost-1", body)
    retry = _call(api, "PUT", "/buyers/lost-1", body, key=key)
    assert (retry.status_code, retry.headers.get("idempotent-replayed")) == (200, "true"), retry.text
    assert retry.json() == {"buyer_id": "lost-1", "name": "Lia", "email": "lia@example.com", "created": False}
    api.services.catalog.put_buyer("lost-1", {"name": "Lia B."})  # a later change (no key) ...
    again = _call(api, "PUT", "/buyers/lost-1", body, key=key)
    assert (again.status_code, again.json()) == (200, retry.json())  # ... leaves the stored rebuilt answer as it was

    number, order = _order_number(), _order_body(price="31.00")
    claim = keys.claim(token_id, key + "o", request_hash("PUT", f"{PREFIX}/orders/{number}",
                                                         marketplace_api.OrderIn(**order)))
    with keys.bound(token_id, key + "o", claim.claim_id):
        api.services.catalog.put_order(number, order)
    retry = _call(api, "PUT", f"/orders/{number}", order, key=key + "o")
    assert (retry.status_code, retry.headers.get("idempotent-replayed")) == (200, "true"), retry.text
    assert retry.json()["order_number"] == number and retry.json()["price"] == "31.00"
    assert retry.json()["created"] is False


def test_a_slow_request_whose_key_was_taken_over_commits_nothing(api, monkeypatch):
    _, dispute = _dispute(api)
    path, body, key = f"/disputes/{dispute}/seller-actions", ACCEPT, uuid.uuid4().hex
    disputes = api.services.disputes
    accept = disputes.seller_accept
    started = [threading.Event(), threading.Event()]
    go = [threading.Event(), threading.Event()]
    calls: List[int] = []

    def held_accept(seller_id, number):  # each request's work waits at the start until the test lets it go
        n = len(calls)
        calls.append(n)
        started[n].set()
        assert go[n].wait(30)
        return accept(seller_id, number)

    monkeypatch.setattr(disputes, "seller_accept", held_accept)
    answers: Dict[str, httpx.Response] = {}

    def post(name: str) -> None:
        answers[name] = _call(api, "POST", path, body, key=key)

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert started[0].wait(15), "the first request's work did not start"
    _age_claim(api, key, CLAIM_LEASE + timedelta(seconds=1))  # the first request outlives its lease
    second = threading.Thread(target=post, args=("retry",))
    second.start()
    assert started[1].wait(15), "the retry did not take over the key"
    go[0].set()  # the first request commits now, after its key was taken over: refused, rolled back
    first.join(30)
    _error(answers["first"], 409, "idempotency_key_in_progress")
    assert "seller_accepted" not in _actions(api, dispute)
    go[1].set()
    second.join(30)
    assert answers["retry"].status_code == 200 and answers["retry"].json()["status"] == "resolved"
    actions = _actions(api, dispute)
    assert actions.count("seller_accepted") == 1 and actions.count("refund_issued") == 1, actions
    again = _call(api, "POST", path, body, key=key)
    assert (again.status_code, again.json()) == (200, answers["retry"].json())


# ---- the domain's rules through the API -----------------------------------------------------------------------

def test_orders_are_upserted_and_checked(api):
    number = _order_number()
    created = _call(api, "PUT", f"/orders/{number}", _order_body())
    assert created.status_code == 201, created.text
    assert created.json()["price"] == "24.90" and created.json()["seller_id"] == "s-new"
    updated = _call(api, "PUT", f"/orders/{number}", _order_body(price="19.99"))
    assert updated.status_code == 200 and updated.json()["price"] == "19.99"
    summary = api.services.disputes.order_summary("anna", number)
    assert str(summary.order.price) == "19.99"
    for change, field in [({"price": "0"}, "price"), ({"price": "-1"}, "price"), ({"price": "1.234"}, "price"),
                          ({"currency": "usd"}, "currency"), ({"status": "lost"}, "status"),
                          ({"ordered_at": "2026-03-02T10:00:00"}, "ordered_at"),
                          ({"ordered_at": "yesterday"}, "ordered_at"),
                          ({"delivered_at": (NOW - timedelta(days=30)).isoformat()}, "delivered_at"),
                          ({"protection_ends_at": (NOW - timedelta(days=30)).isoformat()}, "protection_ends_at")]:
        error = _error(_call(api, "PUT", f"/orders/{number}", _order_body(**change)), 422)
        assert any(p["field"] == field for p in error["problems"]), (change, error)
    assert str(api.services.disputes.order_summary("anna", number).order.price) == "19.99"
    _error(_call(api, "PUT", f"/orders/{number}", _order_body(buyer="ben")), 409, "order_of_another_buyer")


def test_seller_actions_refunds_and_decisions(api):
    _, dispute = _dispute(api)
    # Not this seller's dispute: it does not exist for them.
    _error(_call(api, "POST", f"/disputes/{dispute}/seller-actions", {"seller_id": "s-techzone", "action": "accept"}),
           404, "dispute_not_found")
    offer = _call(api, "POST", f"/disputes/{dispute}/seller-actions",
                  {"seller_id": "s-new", "action": "offer", "resolution": "partial_refund", "amount": "5.00"})
    assert offer.status_code == 200 and offer.json()["seller_offer"] == {"resolution": "partial_refund",
                                                                         "amount": "5.00"}, offer.text
    _error(_call(api, "POST", f"/disputes/{dispute}/seller-actions", {"seller_id": "s-new", "action": "accept"}),
           409, "invalid_transition")
    _error(_call(api, "POST", f"/disputes/{dispute}/decisions", {"in_buyers_favour": True}), 409)
    api.services.disputes.escalate_dispute("anna", dispute)
    decided = _call(api, "POST", f"/disputes/{dispute}/decisions", {"in_buyers_favour": True, "note": "broken"})
    assert decided.status_code == 200 and decided.json()["status"] == "resolved", decided.text
    assert decided.json()["refund"]["amount"] == "24.90"
    _error(_call(api, "POST", f"/disputes/{dispute}/seller-actions", {"seller_id": "s-new", "action": "reject"}),
           409, "dispute_closed")
    _error(_call(api, "POST", f"/disputes/{dispute}/refunds", {"amount": "1.00", "currency": "USD",
                                                                "reference": "x"}), 422)
    sent = _call(api, "POST", f"/disputes/{dispute}/refunds", {"amount": "24.90", "currency": "USD",
                                                                "reference": "PAY-77"})
    assert sent.status_code == 200 and sent.json()["reference"] == "PAY-77", sent.text
    history = api.services.disputes.dispute_status("anna", dispute)
    with api.services.uow_factory.reading() as uow:
        events = uow.events.list_for_dispute(history.dispute.id)
    decided_by = [e.actor.name for e in events if e.action == "decided"]
    assert decided_by == ["Dispute Team (shop-all)"]
    assert [e.detail["reference"] for e in events if e.action == "refund_sent"] == ["PAY-77"]


def test_a_refund_on_an_open_dispute_is_a_conflict(api):
    _, dispute = _dispute(api)
    _error(_call(api, "POST", f"/disputes/{dispute}/refunds", {"amount": "24.90", "currency": "USD",
                                                                "reference": "r"}), 409)


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
@pytest.mark.parametrize("content, status", [(b"{not json", 422), (b"\xff\xfe\x00", 400), (b"null", 422),
                                             (b"x" * 70_000, 413)])
def test_bodies_that_are_not_a_json_object_or_too_large(api, method, path, scope, content, status):
    response = httpx.request(method, f"{api.url}{PREFIX}{_concrete(path)}", content=content, timeout=30,
                             headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": uuid.uuid4().hex,
                                      "Content-Type": "application/json"})
    assert response.status_code == status, response.text[:300]
    assert isinstance(response.json().get("error"), str)
    assert str(status) in api.schema["paths"][path][method.lower()]["responses"]
