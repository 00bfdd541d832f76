"""The web channel: socket.io (Rasa socketio protocol + the widget's extras) and the upload endpoint, against a
gateway served by uvicorn on loopback with a stand-in Rasa. Browser tests are in tests/browser."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from support.samples import image_bytes
from support.socket_client import Browser
from support.served_gateway import served_gateway


@pytest.fixture
def gateway(tmp_path):
    with served_gateway(tmp_path) as server:
        yield server


def _token(gateway, buyer):
    return gateway.services.buyer_tokens.issue(buyer)


async def test_guest_conversation_in_rasa_socketio_format(gateway):
    guest = Browser(gateway.url)
    session = await guest.connect()
    history = await guest.wait("history")
    assert history["session_id"] == session and history["signed_in"] is False and history["messages"] == []
    reply = await guest.say("hello", session, 1)
    assert reply["text"] == "you said hello" and reply["sender"] == "bot" and isinstance(reply["id"], int)
    assert await guest.wait("bot_uttered") == {"text": "you said hello"}  # exactly Rasa's socketio format
    stored = await guest.wait("user_stored")
    assert stored["client_id"] == "c1" and stored["text"] == "hello"
    sent = gateway.rasa.received[-1]
    assert sent["sender"] == f"web:guest:{session}" and "buyer_id" not in sent["metadata"]
    await guest.close()


async def test_the_buyer_comes_from_the_token_never_from_custom_data(gateway):
    anna = Browser(gateway.url, _token(gateway, "anna"))
    session = await anna.connect()
    await anna.say("menu", session, 1)
    assert gateway.rasa.received[-1]["metadata"] == {"channel": "web", "buyer_id": "anna", "language": "en"}
    reply = await anna.wait("bot_uttered")
    assert set(reply) == {"text", "quick_replies"}
    assert [q["title"] for q in reply["quick_replies"]] == ["Open", "Order"]
    assert reply["quick_replies"][0] == {"content_type": "text", "title": "Open", "payload": "/open_dispute"}
    await anna.say("/open_dispute", session, 2)  # offered: passes as is
    await anna.say('/inform{"order_number":"8190334512007790"}', session, 3)  # never offered: defused
    assert [r["message"] for r in gateway.rasa.received[-2:]] == [
        "/open_dispute", 'inform{"order_number":"8190334512007790"}']
    await anna.close()


def test_an_invalid_token_is_refused_at_connect(gateway):
    # The socket.io handshake by hand (Engine.IO v4 polling), to read the server's exact answer.
    base = f"{gateway.url}/socket.io/?EIO=4&transport=polling"
    with httpx.Client(timeout=10) as http:
        open_packet = http.get(base).text
        sid = json.loads(open_packet[1:])["sid"]
        http.post(f"{base}&sid={sid}", content='40{"token":"forged.token.value"}')
        answer = http.get(f"{base}&sid={sid}").text
    assert answer.startswith("44") and "invalid_token" in answer


async def test_history_after_a_reload_and_missed_messages_after_a_reconnect(gateway):
    token = _token(gateway, "anna")
    tab = Browser(gateway.url, token)
    session = await tab.connect()
    first = await tab.say("first", session, 1)
    await tab.close()

    reloaded = Browser(gateway.url, token)
    assert await reloaded.connect(session) == session
    history = (await reloaded.wait("history"))["messages"]
    assert [(m["sender"], m.get("text")) for m in history] == [("buyer", "first"), ("bot", "you said first")]
    await reloaded.say("second", session, 1)
    await reloaded.close()

    back = Browser(gateway.url, token)  # reconnects knowing the last message it showed
    await back.connect(session, last_id=first["id"])
    missed = (await back.wait("history"))["messages"]
    assert [m.get("text") for m in missed] == ["second", "you said second"]
    await back.close()


async def test_a_session_id_cannot_be_taken_over_with_another_token(gateway):
    anna = Browser(gateway.url, _token(gateway, "anna"))
    session = await anna.connect()
    await anna.say("my secret order", session, 1)
    await anna.close()
    ben = Browser(gateway.url, _token(gateway, "ben"))
    other = await ben.connect(session)
    assert other != session
    assert (await ben.wait("history"))["messages"] == []
    await ben.client.emit("user_uttered", {"message": "hi", "session_id": session})
    error = await ben.wait("error_message")
    assert "not recognised" in error["text"]
    guest = Browser(gateway.url)
    assert await guest.connect(session) != session
    await ben.close()
    await guest.close()


async def test_bad_messages_get_a_clear_error(gateway):
    guest = Browser(gateway.url)
    session = await guest.connect()
    await guest.client.emit("user_uttered", {"message": "x" * 4001, "session_id": session, "client_id": "c9"})
    error = await guest.wait("error_message")
    assert "4000" in error["text"] and error["client_id"] == "c9"
    await guest.client.emit("user_uttered", "not an object")
    await guest.wait("error_message", 2)
    gateway.rasa.shutdown()
    gateway.rasa.server_close()
    reply = await guest.say("anyone?", session, 1)
    assert "not available right now" in reply["text"]
    await guest.close()


def _upload(gateway, token, session, data, name="photo.jpg"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{gateway.url}/api/widget/uploads", headers=headers, data={"session_id": session},
                      files={"file": (name, data)}, timeout=20)


async def test_uploads_are_checked_then_sent_as_evidence(gateway):
    token = _token(gateway, "anna")
    anna = Browser(gateway.url, token)
    session = await anna.connect()
    photo = image_bytes()
    response = await asyncio.to_thread(_upload, gateway, token, session, photo)
    assert response.status_code == 200 and response.json()["attached"] == "photo.jpg"
    reply = await anna.wait("bot_message")
    assert reply["text"] == "you said /send_evidence"
    [attachment] = gateway.rasa.received[-1]["metadata"]["attachments"]
    assert gateway.services.evidence.get(attachment["sha256"]) == photo
    stored = await anna.wait("user_stored")
    assert stored["text"] == "[photo.jpg]"

    refused = await asyncio.to_thread(_upload, gateway, token, session, b"MZ\x90\x00 not a picture", "virus.jpg")
    assert refused.status_code == 422 and "not a file I can attach" in refused.json()["error"]
    limit = gateway.services.settings.rules.max_evidence_file_bytes
    too_big = await asyncio.to_thread(_upload, gateway, token, session, photo + b"\0" * limit)
    assert too_big.status_code == 422 and "larger than" in too_big.json()["error"]
    ben = _token(gateway, "ben")
    assert (await asyncio.to_thread(_upload, gateway, ben, session, photo)).status_code == 403
    assert (await asyncio.to_thread(_upload, gateway, None, session, photo)).status_code == 401
    assert len([r for r in gateway.rasa.received if r["message"] == "/send_evidence"]) == 1
    await anna.close()


def test_demo_sign_in_is_off_unless_asked_for(gateway):
    """Finding 7 of issue 13: with no setting, anyone could get a 30-day token for a demo buyer."""
    assert httpx.get(f"{gateway.url}/api/demo/buyers").json()["buyers"] == []
    refused = httpx.post(f"{gateway.url}/api/demo/token", json={"buyer": "anna"})
    assert refused.status_code == 403 and "token" not in refused.json() and "off" in refused.json()["error"]


def test_demo_sign_in_only_for_demo_buyers_when_asked_for(tmp_path):
    with served_gateway(tmp_path, DEMO_BUYERS="anna,ben,chen") as gateway:
        buyers = httpx.get(f"{gateway.url}/api/demo/buyers").json()["buyers"]
        assert [b["id"] for b in buyers] == ["anna", "ben", "chen"]
        token = httpx.post(f"{gateway.url}/api/demo/token", json={"buyer": "anna"}).json()["token"]
        assert gateway.services.buyer_tokens.buyer_id(token) == "anna"
        assert httpx.post(f"{gateway.url}/api/demo/token", json={"buyer": "someone"}).status_code == 403


def test_widget_assets(gateway):
    widget = httpx.get(f"{gateway.url}/widget.js")
    assert widget.status_code == 200 and "DisputeChat" in widget.text
    assert "javascript" in widget.headers["content-type"]
    page = httpx.get(f"{gateway.url}/")
    assert page.status_code == 200 and "/widget.js" in page.text
    client = httpx.get(f"{gateway.url}/widget/socket.io.min.js")
    assert client.status_code == 200, "web/node_modules missing: `make install` runs npm ci --prefix web"


def _push_cursor(engine, channel):
    from sqlalchemy import select

    from bot.store import tables as t
    with engine.connect() as conn:
        return conn.execute(select(t.push_cursors.c.last_event_id).where(t.push_cursors.c.channel == channel)).scalar()


async def test_dispute_news_reaches_the_buyers_open_tab_and_waits_in_the_transcript_of_the_others(tmp_path):
    """The seller's offer, written while the buyer has the chat open in one tab and closed in another session:
    the open tab shows it with Accept / Escalate at once, a tap on Accept passes the payload guard, and the other
    session shows it in its history when opened. Another buyer hears nothing."""
    from support.waiting import wait_until_async

    with served_gateway(tmp_path, PUSH_INTERVAL_SECONDS="0.2") as gateway:
        services = gateway.services
        shoes = next(d for d in services.disputes.list_disputes("anna") if d.dispute.status.value == "awaiting_seller")
        anna, ben = Browser(gateway.url, _token(gateway, "anna")), Browser(gateway.url, _token(gateway, "ben"))
        earlier = Browser(gateway.url, _token(gateway, "anna"))
        closed_session = await earlier.connect()
        await earlier.close()
        session = await anna.connect()
        await ben.connect()
        # The notifier's first round sets where its news starts; the offer must come after it.
        await wait_until_async(lambda: _push_cursor(services.engine, "web") is not None, 10, "the web notifier")
        services.disputes.seller_offer(shoes.order.seller_id, shoes.dispute.number, "partial_refund", "5.00",
                                       "keep them")
        news = await anna.wait_text("the seller offered", timeout=15)
        assert shoes.dispute.number in news["text"] and "5.00" in news["text"]
        assert [q["title"] for q in news["quick_replies"]] == ["Accept the offer", "Escalate"]
        await anna.tap("Accept the offer", session)
        await wait_until_async(lambda: gateway.rasa.received and gateway.rasa.received[-1]["message"].startswith(
            "/accept_offer"), 10, "the tap to reach Rasa as offered")
        assert shoes.dispute.number in gateway.rasa.received[-1]["message"]

        reopened = Browser(gateway.url, _token(gateway, "anna"))
        await reopened.connect(closed_session)
        history = await reopened.wait("history")
        assert any("the seller offered" in (m.get("text") or "") for m in history["messages"])
        await asyncio.sleep(1)  # a few notifier rounds more
        assert not [d for e, d in ben.events if e == "bot_message" and "seller" in (d.get("text") or "")]
        for browser in (anna, ben, reopened):
            await browser.close()
