"""Hand-off to the help desk through the gateway (stand-in Rasa): queue, agent API (auth, roles, conflicts),
replies reaching the buyer, buyer messages reaching the agent and never the bot, acting on disputes, release,
the signed webhook, and the OpenAPI document. The real stack is in tests/e2e/test_handoff.py."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.channels.agent_api import SIGNATURE_HEADER
from support.socket_client import Browser
from support.served_gateway import served_gateway
from support.waiting import wait_until_async

WEBHOOK_SECRET = "whsec-test-0123456789"
pytestmark = pytest.mark.timeout(60)  # each test takes a few seconds


class WebhookRecorder(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.calls.append((self.headers.get(SIGNATURE_HEADER), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def desk(tmp_path):
    hook = ThreadingHTTPServer(("127.0.0.1", 0), WebhookRecorder)
    hook.calls = []
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    with served_gateway(tmp_path, AGENT_WEBHOOK_URL=f"http://127.0.0.1:{hook.server_address[1]}/hook",
                     AGENT_WEBHOOK_SECRET=WEBHOOK_SECRET) as server:
        accounts = server.services.accounts
        server.agent = accounts.create_agent("Dana", "agent")[1]
        server.other = accounts.create_agent("Omar", "agent")[1]
        server.team = accounts.create_agent("Tess", "dispute_team")[1]
        server.hook = hook
        yield server
    hook.shutdown()
    hook.server_close()


def call(desk, method, path, token=None, **body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{desk.url}/api/agent{path}", headers=headers,
                         json=body if method == "POST" else None, timeout=20)


async def _buyer_asks_for_a_person(desk, buyer="anna"):
    browser = Browser(desk.url, desk.services.buyer_tokens.issue(buyer))
    session = await browser.connect()
    await browser.say("agent please", session, 1)
    queued = await browser.wait("bot_message", 2)
    return browser, session, queued


async def test_the_whole_hand_off_through_the_api(desk):
    anna, session, queued = await _buyer_asks_for_a_person(desk)
    assert "next in line" in queued["text"]
    assert queued["quick_replies"][0]["payload"] == "/back_to_bot"

    assert call(desk, "GET", "/queue").status_code == 401
    assert call(desk, "GET", "/queue", "wrong-token").status_code == 401
    [item] = call(desk, "GET", "/queue", desk.agent).json()
    assert item["status"] == "queued" and item["buyer_id"] == "anna" and item["position"] == 1

    case = call(desk, "GET", f"/conversations/{item['id']}", desk.agent).json()
    assert case["form_so_far"] == {"dispute_order": "8190334512007781", "item_received": True,
                                   "problems": ["damaged"], "asking": "resolution"}
    assert case["buyer"]["id"] == "anna" and any(o["protection_days_left"] for o in case["orders"])
    assert [m["text"] for m in case["transcript"]][0] == "agent please"
    assert any(d["history"] for d in case["disputes"])

    assert call(desk, "POST", f"/conversations/{item['id']}/claim", desk.agent).status_code == 200
    taken = call(desk, "POST", f"/conversations/{item['id']}/claim", desk.other)
    assert taken.status_code == 409 and "Dana" in taken.json()["error"]
    assert call(desk, "POST", f"/conversations/{item['id']}/messages", desk.other, text="hi").status_code == 409
    joined = await anna.wait("bot_message", 3)
    assert "Dana from our help desk has joined" in joined["text"]

    assert call(desk, "POST", f"/conversations/{item['id']}/messages", desk.agent,
                text="Hello Anna, I can see the earbuds case.").status_code == 200
    reply = await anna.wait("bot_message", 4)
    assert reply["sender"] == "agent" and reply["agent_name"] == "Dana" and "earbuds case" in reply["text"]
    assert (await anna.wait("bot_uttered", 4))["text"].startswith("Dana (help desk): ")

    sent_to_rasa = len(desk.rasa.received)
    await anna.client.emit("user_uttered", {"message": "the left one is cracked", "session_id": session,
                                            "client_id": "cracked"})
    # The gateway confirms a message once it has handled it (stored, and passed to the agent, not the bot).
    await anna.wait_stored("cracked")
    transcript = call(desk, "GET", f"/conversations/{item['id']}", desk.agent).json()["transcript"]
    assert transcript[-1]["text"] == "the left one is cracked"
    assert len(desk.rasa.received) == sent_to_rasa  # the bot never sees it

    assert call(desk, "POST", f"/conversations/{item['id']}/disputes/123456789012/decide", desk.agent,
                in_buyers_favour=True).status_code in (403, 404)
    filed = call(desk, "POST", f"/conversations/{item['id']}/disputes", desk.agent, order_number="8190334512007781",
                 received=True, problems=["damaged"], resolution="full_refund", description="Left earbud cracked")
    assert filed.status_code == 200, filed.text
    number = filed.json()["number"]
    details = desk.services.disputes.dispute_status("anna", number)
    assert details.history[0].actor.name == "Dana"

    released = call(desk, "POST", f"/conversations/{item['id']}/release", desk.agent, note="Filed it for you")
    assert released.status_code == 200
    back = desk.rasa.received[-1]
    assert back["message"] == '/back_to_bot{"dispute_number":"%s"}' % number
    assert back["metadata"]["handoff"] == {"agent": "Dana", "note": "Filed it for you", "disputes": [number]}
    told = await anna.wait_text("I filed dispute")
    assert told["sender"] == "agent" and number in told["text"]
    resumed = await anna.wait_text("back with the assistant")
    assert number in resumed["text"]
    actions = [a["action"] for a in call(desk, "GET", "/audit", desk.agent).json()]
    assert {"claim", "reply", "file_dispute", "release"} <= set(actions)
    assert call(desk, "GET", "/queue", desk.agent).json() == []
    await anna.close()


async def test_the_dispute_team_decides_and_agents_may_not(desk):
    anna, _, _ = await _buyer_asks_for_a_person(desk)
    [item] = call(desk, "GET", "/queue", desk.team).json()
    charger = next(d for d in desk.services.disputes.list_disputes("anna") if d.dispute.status.value == "escalated")
    number = charger.dispute.number
    call(desk, "POST", f"/conversations/{item['id']}/claim", desk.agent)
    refused = call(desk, "POST", f"/conversations/{item['id']}/disputes/{number}/decide", desk.agent,
                   in_buyers_favour=True)
    assert refused.status_code == 403
    call(desk, "POST", f"/conversations/{item['id']}/release", desk.agent)
    anna2, _, _ = await _buyer_asks_for_a_person(desk)
    [item] = call(desk, "GET", "/queue", desk.team).json()
    call(desk, "POST", f"/conversations/{item['id']}/claim", desk.team)
    decided = call(desk, "POST", f"/conversations/{item['id']}/disputes/{number}/decide", desk.team,
                   in_buyers_favour=True, note="Seller never answered")
    assert decided.status_code == 200 and decided.json()["status"] == "resolved"
    await anna.close()
    await anna2.close()


async def test_back_to_the_assistant_leaves_the_queue(desk):
    anna, session, queued = await _buyer_asks_for_a_person(desk)
    await anna.client.emit("user_uttered", {"message": "/back_to_bot", "session_id": session})
    await anna.wait_text("back with the assistant")
    assert call(desk, "GET", "/queue", desk.agent).json() == []
    await anna.close()


async def test_the_webhook_is_signed_and_the_api_is_documented(desk):
    anna, session, _ = await _buyer_asks_for_a_person(desk)
    await anna.client.emit("user_uttered", {"message": "still there?", "session_id": session})
    await wait_until_async(lambda: len(desk.hook.calls) >= 2, 10, "the buyer's message at the webhook",
                           describe=lambda: f"calls: {desk.hook.calls}")
    events = []
    for given, body in desk.hook.calls:
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(given, expected)
        events.append(json.loads(body)["event"])
    assert events == ["handoff.created", "buyer.message"]
    spec = httpx.get(f"{desk.url}/api/agent/openapi.json").json()
    for path in ("/queue", "/conversations/{handoff_id}", "/conversations/{handoff_id}/claim",
                 "/conversations/{handoff_id}/messages", "/conversations/{handoff_id}/release"):
        assert path in spec["paths"]
    await anna.close()


def test_agent_create_prints_a_token_once_and_stores_its_hash(desk):
    from sqlalchemy import select

    from bot.store import tables as t

    with desk.services.engine.connect() as conn:
        hashes = list(conn.execute(select(t.agents.c.token_hash)).scalars())
    assert desk.agent not in hashes and len(hashes) == 3
    assert call(desk, "GET", "/queue", desk.agent).status_code == 200


async def test_files_sent_during_a_hand_off_reach_the_agent(desk):
    from support.samples import image_bytes

    anna, session, _ = await _buyer_asks_for_a_person(desk)
    [item] = call(desk, "GET", "/queue", desk.agent).json()
    photo = image_bytes()
    uploaded = await asyncio.to_thread(httpx.post, f"{desk.url}/api/widget/uploads",
                                       headers={"Authorization": f"Bearer {anna.token}"},
                                       data={"session_id": session}, files={"file": ("crack.jpg", photo)})
    assert uploaded.status_code == 200
    case = call(desk, "GET", f"/conversations/{item['id']}", desk.agent).json()
    [attachment] = case["transcript"][-1]["attachments"]
    assert attachment["name"] == "crack.jpg"
    served = httpx.get(desk.url + attachment["url"], headers={"Authorization": f"Bearer {desk.agent}"})
    assert served.status_code == 200 and served.content == photo and served.headers["content-type"] == "image/jpeg"
    other = call(desk, "GET", f"/conversations/{item['id']}/evidence/{'0' * 64}", desk.agent)
    assert other.status_code == 404
    assert not [r for r in desk.rasa.received if r["message"] == "/send_evidence"]  # the bot was not asked
    await anna.close()


async def test_codes_come_with_words_for_the_console(desk):
    """Every code the console shows comes with its label (bot/helpdesk/labels.py), next to the code itself."""
    anna, _, _ = await _buyer_asks_for_a_person(desk)
    shoes = next(d for d in desk.services.disputes.list_disputes("anna") if d.order.number == "8190334512007787")
    desk.services.disputes.seller_offer("s-sportmax", shoes.dispute.number, "partial_refund", "12.50", "half back?")

    [item] = call(desk, "GET", "/queue", desk.agent).json()
    assert (item["status"], item["status_label"]) == ("queued", "Waiting for a person")
    assert (item["reason"], item["reason_label"]) == ("asked", "Asked for a person")
    await wait_until_async(lambda: desk.hook.calls, 10, "the hand-off at the webhook")
    created = json.loads(desk.hook.calls[0][1])  # what agent consoles get on their socket too
    assert created["event"] == "handoff.created" and created["data"]["status_label"] == "Waiting for a person"

    case = call(desk, "GET", f"/conversations/{item['id']}", desk.agent).json()
    assert (case["status_label"], case["reason_label"]) == ("Waiting for a person", "Asked for a person")
    assert case["form_so_far"]["problems"] == ["damaged"]  # unchanged: the words are beside it
    assert case["form_labels"] == {"problems": ["Damaged"]}
    disputes = {d["status"]: d for d in case["disputes"]}
    assert {"seller_offered", "escalated", "resolved"} <= set(disputes)
    offered = disputes["seller_offered"]
    assert offered["status_label"] == "Seller offered something else"
    assert (offered["problems"], offered["problem_labels"]) == (["size_mismatch"], ["Size not as described"])
    assert (offered["resolution"], offered["resolution_label"]) == ("partial_refund", "Partial refund")
    assert offered["seller_offer"] == {"resolution": "partial_refund", "resolution_label": "Partial refund",
                                       "amount": "12.50"}
    assert [h["action_label"] for h in offered["history"]] == ["Opened the dispute", "Seller made an offer"]
    charger = disputes["escalated"]
    assert (charger["status_label"], charger["problem_labels"], charger["seller_offer"]) == \
        ("With the Dispute Team", ["Does not work properly"], None)
    assert disputes["resolved"]["status_label"] == "Resolved for the buyer"
    for d in case["disputes"]:
        assert all(h["action_label"] and "_" not in h["action_label"] for h in d["history"])

    claimed = call(desk, "POST", f"/conversations/{item['id']}/claim", desk.agent).json()
    assert (claimed["status"], claimed["status_label"]) == ("claimed", "Being handled")
    filed = call(desk, "POST", f"/conversations/{item['id']}/disputes", desk.agent, order_number="8190334512007781",
                 received=True, problems=["color_mismatch"], resolution="another_item", description="Wrong colour")
    assert (filed.json()["status"], filed.json()["status_label"]) == ("awaiting_seller", "Waiting for the seller")
    released = call(desk, "POST", f"/conversations/{item['id']}/release", desk.agent).json()
    assert (released["status"], released["status_label"]) == ("released", "Back with the bot")
    await anna.close()


async def test_agents_see_each_conversations_language(desk):
    """The queue and the case summary say the conversation's language: the agent may answer in it (their messages
    are sent as written, never translated)."""
    browser = Browser(desk.url, desk.services.buyer_tokens.issue("anna"))
    session = await browser.connect()
    await browser.say("hola, necesito hablar con una persona de soporte por favor", session, 1)
    await browser.say("agent please", session, 2)  # the stand-in Rasa hands over on this; Spanish stays
    [item] = call(desk, "GET", "/queue", desk.agent).json()
    assert item["language"] == "es" and item["language_label"] == "Spanish (Español)"
    case = call(desk, "GET", f"/conversations/{item['id']}", desk.agent).json()
    assert case["language"] == "es" and case["language_label"] == "Spanish (Español)"
    await browser.close()
