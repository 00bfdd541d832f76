"""The agent API's review endpoints through a served gateway: admins only (401 without or with a bad token, 403 for
agents and the Dispute Team), list, label, discard, and clear 422s for labels the assistant does not have."""
from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from bot.review.model import Reason, Sighting
from support.served_gateway import served_gateway

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def desk(tmp_path):
    with served_gateway(tmp_path) as server:
        accounts = server.services.accounts
        server.admin = accounts.create_agent("Ada", "admin")[1]
        server.agent = accounts.create_agent("Dana", "agent")[1]
        server.team = accounts.create_agent("Tess", "dispute_team")[1]
        store = server.services.review_store
        server.items = [store.record(Sighting(
            text=text, conversation_id="web:anna:tab", reasons=(Reason.FALLBACK,), intent="open_dispute",
            confidence=0.31, buyer_id="anna", seen_at=datetime.now(timezone.utc))) for text in
            ("the lid wont shut proper", "is it possible to get half back")]
        yield server


def call(desk, method, path, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{desk.url}/api/agent{path}", headers=headers, json=body, timeout=20)


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/review", None), ("POST", "/review/1/label", {"intent": "greet"}), ("POST", "/review/1/discard", None)])
def test_admins_only(desk, method, path, body):
    for token in (None, "not-a-token"):
        response = call(desk, method, path, token, body)
        assert response.status_code == 401 and "agent token" in response.json()["error"]
    for token in (desk.agent, desk.team):
        response = call(desk, method, path, token, body)
        assert response.status_code == 403 and response.json()["error"] == \
            "Only admins review the bot's unsure messages."
    assert call(desk, "GET", "/review/../queue", desk.agent).status_code != 500


def test_me_tells_the_console_the_role(desk):
    assert call(desk, "GET", "/me", desk.admin).json()["role"] == "admin"
    assert call(desk, "GET", "/me", desk.agent).json()["role"] == "agent"
    assert call(desk, "GET", "/me").status_code == 401


def test_an_admin_lists_labels_and_discards(desk):
    page = call(desk, "GET", "/review", desk.admin).json()
    assert page["pending"] == 2 and {i["text"] for i in page["items"]} == {"the lid wont shut proper",
                                                                          "is it possible to get half back"}
    assert "open_dispute" in page["intents"] and "nlu_fallback" not in page["intents"]
    assert {"code": "damaged", "label": "Damaged"} in page["problems"]
    first, second = desk.items
    labelled = call(desk, "POST", f"/review/{first}/label", desk.admin,
                    {"intent": "open_dispute", "problems": ["not_working", "damaged", "not_working"]})
    assert labelled.status_code == 200, labelled.text
    assert labelled.json()["status"] == "labelled" and labelled.json()["label_problems"] == ["not_working", "damaged"]
    assert labelled.json()["reviewed_by"] == "Ada"
    discarded = call(desk, "POST", f"/review/{second}/discard", desk.admin)
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded"
    assert call(desk, "GET", "/review", desk.admin).json()["items"] == []
    again = call(desk, "POST", f"/review/{second}/label", desk.admin, {"intent": "greet"})
    assert again.status_code == 409 and "already discarded" in again.json()["error"]
    assert call(desk, "POST", "/review/999999/discard", desk.admin).status_code == 404
    actions = [a["action"] for a in call(desk, "GET", "/audit", desk.admin).json()]
    assert actions[:2] == ["review_discard", "review_label"]


@pytest.mark.parametrize("body, error", [
    ({"intent": "make_coffee"}, "'make_coffee' is not an intent of this assistant. Pick one of: accept_offer, affirm,"),
    ({"intent": "nlu_fallback"}, "'nlu_fallback' is not an intent"),
    ({"intent": "open_dispute", "problems": ["smelly"]}, "'smelly' is not a problem code. Pick from: not_received,"),
    ({"intent": 5}, "intent: str type expected"),
    ({"intent": "open_dispute", "problems": "damaged"}, "problems: value is not a valid list"),
    ({}, "intent: field required"),
    ({"intent": "x" * 65}, "intent: ensure this value has at most 64 characters"),
])
def test_labels_the_assistant_does_not_have_are_refused_clearly(desk, body, error):
    response = call(desk, "POST", f"/review/{desk.items[0]}/label", desk.admin, body)
    assert response.status_code == 422 and error in response.json()["error"], response.text
    assert call(desk, "GET", "/review", desk.admin).json()["pending"] == 2  # nothing lost


def test_the_review_endpoints_are_in_the_openapi_document(desk):
    paths = call(desk, "GET", "/openapi.json").json()["paths"]
    assert {"/review", "/review/{item_id}/label", "/review/{item_id}/discard", "/me"} <= set(paths)
