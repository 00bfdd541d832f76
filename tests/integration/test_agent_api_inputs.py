"""The help-desk agent API against malformed requests (issue 13, hostile inputs): whatever the body or path, the
answer is a 4xx with a JSON `error` that says what is wrong, never a 500, and nothing changes."""
from __future__ import annotations

import json

import httpx
import pytest

from support.served_gateway import served_gateway

ORDER = "8190334512007781"  # anna's, delivered, open to a dispute


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """One gateway for the module (every test here must leave it as it was: that is what they assert), whose
    help desk holds anna's REST conversation, claimed by agent Dana; `desk.handoff` is its id."""
    with served_gateway(tmp_path_factory.mktemp("desk")) as server:
        server.agent = server.services.accounts.create_agent("Dana", "agent")[1]
        asked = httpx.post(f"{server.url}/webhooks/rest/webhook", json={"sender": "tab", "message": "agent please"},
                           headers={"Authorization": f"Bearer {server.services.buyer_tokens.issue('anna')}"},
                           timeout=10)
        assert asked.status_code == 200, asked.text
        [item] = _call(server, "GET", "/queue").json()
        server.handoff = item["id"]
        assert _call(server, "POST", f"/conversations/{server.handoff}/claim").status_code == 200
        yield server


@pytest.fixture(autouse=True)
def still_claimed(desk):
    """After each test the conversation is still Dana's: a request that got through would show here."""
    yield
    [item] = _call(desk, "GET", "/queue").json()
    assert item["id"] == desk.handoff and item["status"] == "claimed", item


def _call(desk, method: str, path: str, *, token: str | None = None, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or desk.agent}", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{desk.url}/api/agent{path}", headers=headers, timeout=20, **kwargs)


def _refused(response: httpx.Response, *, status: int | None = None, says: str = "") -> dict:
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    if status is not None:
        assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert says.lower() in json.dumps(body).lower(), body
    return body


def _disputes(desk) -> list:
    return desk.services.disputes.list_disputes("anna")


BODY_PATHS = ["/messages", "/release", "/disputes", f"/disputes/{ORDER}/modify", f"/disputes/{ORDER}/decide"]


@pytest.mark.parametrize("path", BODY_PATHS)
@pytest.mark.parametrize("content, content_type", [
    (b"{not json", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),  # not UTF-8
    (b'["a", "list"]', "application/json"),
    (b"null", "application/json"),
    (b"42", "application/json"),
    (b'{"text": "hi"}', "text/plain"),
    (b"text=hi", "application/x-www-form-urlencoded"),
])
def test_bodies_that_are_not_a_json_object(desk, path, content, content_type):
    before = len(_disputes(desk))
    response = _call(desk, "POST", f"/conversations/{desk.handoff}{path}", content=content,
                     headers={"Content-Type": content_type})
    _refused(response, status=422)
    assert len(_disputes(desk)) == before


@pytest.mark.parametrize("path, body, says", [
    ("/messages", {}, "text"),
    ("/messages", {"text": ""}, "text"),
    ("/messages", {"text": 123}, "text"),
    ("/messages", {"text": ["hi"]}, "text"),
    ("/messages", {"text": {"nested": "x" * 10}}, "text"),
    ("/messages", {"text": "x" * 4001}, "text"),
    ("/release", {"note": 5}, "note"),
    ("/release", {"note": "x" * 1001}, "note"),
    ("/disputes", {"received": True}, "order_number"),
    ("/disputes", {"order_number": ORDER}, "received"),
    ("/disputes", {"order_number": ORDER, "received": "maybe"}, "received"),
    ("/disputes", {"order_number": 8190334512007781, "received": True}, "order_number"),
    ("/disputes", {"order_number": ORDER, "received": True, "problems": "damaged"}, "problems"),
    ("/disputes", {"order_number": ORDER, "received": True, "problems": [1, 2]}, "problems"),
    ("/disputes", {"order_number": ORDER, "received": True, "problems": ["damaged"] * 100}, "problems"),
    ("/disputes", {"order_number": "9" * 30_000, "received": True}, "order_number"),
    ("/disputes", {"order_number": ORDER, "received": True, "problems": ["damaged"],
                   "description": "x" * 50_000}, "description"),
    ("/disputes", {"order_number": ORDER, "received": True, "problems": ["damaged"], "resolution": None},
     "resolution"),
    ("/disputes", {"order_number": ORDER, "received": True, "problems": ["damaged"],
                   "resolution": "partial_refund", "refund_amount": 12.5}, "refund_amount"),
    (f"/disputes/{ORDER}/modify", {"problems": {"a": 1}}, "problems"),
    (f"/disputes/{ORDER}/modify", {"description": ["x"]}, "description"),
    (f"/disputes/{ORDER}/decide", {}, "in_buyers_favour"),
    (f"/disputes/{ORDER}/decide", {"in_buyers_favour": "yes"}, "in_buyers_favour"),
    (f"/disputes/{ORDER}/decide", {"in_buyers_favour": True, "note": "x" * 5000}, "note"),
])
def test_wrong_missing_or_huge_fields_are_named(desk, path, body, says):
    before = len(_disputes(desk))
    response = _call(desk, "POST", f"/conversations/{desk.handoff}{path}", json=body)
    _refused(response, status=422, says=says)
    assert len(_disputes(desk)) == before


@pytest.mark.parametrize("method, path", [
    ("GET", "/conversations/abc"),
    ("GET", "/conversations/-1"),
    ("GET", "/conversations/99999999999999999999999999"),  # beyond any database integer
    ("POST", "/conversations/99999999999999999999999999/claim"),
    ("GET", "/conversations/1.5"),
    ("GET", "/conversations/{id}/evidence/" + "a" * 5000),
    ("POST", "/conversations/{id}/disputes/" + "9" * 5000 + "/escalate"),
    ("POST", "/conversations/{id}/disputes/%00%ff/escalate"),
])
def test_junk_in_the_path(desk, method, path):
    _refused(_call(desk, method, path.replace("{id}", str(desk.handoff))))


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(desk):
    huge = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = _call(desk, "POST", f"/conversations/{desk.handoff}/messages", content=huge,
                     headers={"Content-Type": "application/json"})
    _refused(response, status=413, says="too large")

    def chunks():
        for i in range(0, len(huge), 65536):
            yield huge[i:i + 65536]
    chunked = _call(desk, "POST", f"/conversations/{desk.handoff}/messages", content=chunks(),
                    headers={"Content-Type": "application/json"})
    _refused(chunked, status=413, says="too large")


def test_without_a_token_the_fields_are_not_checked(desk):
    url = f"{desk.url}/api/agent/conversations/{desk.handoff}/messages"
    _refused(httpx.post(url, json={"text": 123}, timeout=10), status=401)
    _refused(httpx.post(url, json={"text": "hi"}, headers={"Authorization": "Bearer x" * 5000}, timeout=10),
             status=401)
    # A body that is not JSON at all is refused as such before the token is looked at (FastAPI reads the body
    # first): still a JSON answer, and nothing is said about the conversation.
    _refused(httpx.post(url, content=b"{junk", headers={"Content-Type": "application/json"}, timeout=10))


def test_a_well_formed_request_still_works(desk):
    response = _call(desk, "POST", f"/conversations/{desk.handoff}/disputes",
                     json={"order_number": ORDER, "received": True, "problems": ["damaged"],
                           "resolution": "partial_refund", "refund_amount": "5.00", "description": "Cracked"})
    assert response.status_code == 200, response.text
    assert _call(desk, "POST", f"/conversations/{desk.handoff}/messages", json={"text": "Filed it"}).status_code == 200
