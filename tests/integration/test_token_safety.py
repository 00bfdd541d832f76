"""Buyer tokens that should no longer sign anybody in (issue 13, finding 11): tokens naming a buyer the store
does not have, and tokens that expire, on the REST chat endpoint, the widget's socket and its uploads."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from sqlalchemy import func, select

from bot.store import tables as t
from bot.tokens import BuyerSignIn, BuyerTokens
from support.samples import image_bytes
from support.served_gateway import served_gateway
from support.socket_client import Browser
from support.waiting import wait_until, wait_until_async

TTL_SECONDS = 1  # itsdangerous counts whole seconds: such a token lives between one and two seconds


@pytest.fixture
def gateway(tmp_path):
    with served_gateway(tmp_path) as server:
        yield server


def _chat(gateway, token: str, text: str = "hello", sender: str = "tab-1") -> httpx.Response:
    return httpx.post(f"{gateway.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _upload(gateway, token: str, session: str) -> httpx.Response:
    return httpx.post(f"{gateway.url}/api/widget/uploads", headers={"Authorization": f"Bearer {token}"},
                      data={"session_id": session}, files={"file": ("photo.jpg", image_bytes())}, timeout=10)


def _stored_messages(gateway, buyer: str) -> int:
    with gateway.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.chat_messages)
                            .where(t.chat_messages.c.conversation_id.like(f"%:{buyer}:%"))).scalar_one()


async def _refused_at_connect(gateway, token: str) -> str:
    """The server's answer to a socket.io connect with this token, spoken by hand (Engine.IO v4 polling): the
    socket.io client would wait out a long-poll after a refusal."""
    base = f"{gateway.url}/socket.io/?EIO=4&transport=polling"
    async with httpx.AsyncClient(timeout=10) as http:
        sid = json.loads((await http.get(base)).text[1:])["sid"]
        await http.post(f"{base}&sid={sid}", content="40" + json.dumps({"token": token}))
        answer = (await http.get(f"{base}&sid={sid}")).text
    assert answer.startswith("44"), f"not refused: {answer!r}"  # 44 is socket.io's CONNECT_ERROR
    return answer


# ---- 11a: a validly signed token for a buyer the store does not have -----------------------------------------

async def test_a_token_for_a_buyer_who_does_not_exist_is_refused_everywhere(gateway):
    ghost = gateway.services.buyer_tokens.issue("ghost")  # what `python -m bot token ghost` printed before
    assert gateway.services.buyer_tokens.buyer_id(ghost) == "ghost"  # the signature alone is fine
    response = await asyncio.to_thread(_chat, gateway, ghost)
    assert response.status_code == 401 and "buyer token" in response.json()["error"]
    assert gateway.rasa.received == [] and _stored_messages(gateway, "ghost") == 0
    assert "invalid_token" in await _refused_at_connect(gateway, ghost)

    anna = Browser(gateway.url, gateway.services.buyer_tokens.issue("anna"))
    session = await anna.connect()
    upload = await asyncio.to_thread(_upload, gateway, ghost, session)
    assert upload.status_code == 401 and "error" in upload.json()
    await anna.close()


async def test_a_real_buyers_token_still_works(gateway):
    token = gateway.services.buyer_tokens.issue("ben")
    response = await asyncio.to_thread(_chat, gateway, token)
    assert response.status_code == 200 and response.json()[0]["text"] == "you said hello"
    assert _stored_messages(gateway, "ben") == 2


def test_a_buyer_removed_from_the_store_is_refused_once_the_remembered_answer_lapses():
    """The resolver remembers that a buyer exists for a few seconds (the REST path is hot); after that a buyer
    the store no longer has is refused. A fake clock, so nothing sleeps."""
    tokens = BuyerTokens("secret", 3600)
    buyers = {"anna"}
    lookups = []
    now = [1000.0]

    def exists(buyer_id: str) -> bool:
        lookups.append(buyer_id)
        return buyer_id in buyers

    sign_in = BuyerSignIn(tokens, exists, remember_seconds=30, monotonic=lambda: now[0])
    token = tokens.issue("anna")

    async def scenario():
        assert (await sign_in.buyer_id(token)) == "anna"
        assert (await sign_in.buyer_id(token)) == "anna" and lookups == ["anna"]  # remembered
        buyers.clear()
        now[0] += 31
        assert await sign_in.buyer_id(token) is None
        assert await sign_in.buyer_id(token) is None and lookups == ["anna", "anna", "anna"]  # never remembered
        assert await sign_in.buyer_id("forged." + token) is None and len(lookups) == 3  # no lookup for a forgery
        assert await sign_in.buyer_id(None) is None and await sign_in.buyer_id("") is None
    asyncio.run(scenario())


# ---- 11b and expired tokens: a token's life ends on a live connection too -------------------------------------

@pytest.fixture
def short_lived(tmp_path):
    with served_gateway(tmp_path, BUYER_TOKEN_TTL_SECONDS=str(TTL_SECONDS)) as server:
        yield server


def _wait_for_expiry(gateway, token: str) -> None:
    expires_at = gateway.services.buyer_tokens.read(token).expires_at
    wait_until(lambda: time.time() >= expires_at, TTL_SECONDS + 2, "the token to expire")


async def test_a_connected_widget_is_signed_out_when_its_token_expires(short_lived):
    token = short_lived.services.buyer_tokens.issue("anna")
    anna = Browser(short_lived.url, token)
    session = await anna.connect()
    await anna.say("before", session, 1)
    sent_before = len(short_lived.rasa.received)
    await asyncio.to_thread(_wait_for_expiry, short_lived, token)
    await anna.client.emit("user_uttered", {"message": "after", "session_id": session, "client_id": "c2"})
    error = await anna.wait("error_message")
    assert "sign-in has expired" in error["text"] and "reload" in error["text"]
    await wait_until_async(lambda: not anna.client.connected, 5, "the server to disconnect the socket")
    assert len(short_lived.rasa.received) == sent_before  # "after" never reached the assistant
    assert [m["text"] for m in short_lived.services.transcripts.messages(f"web:anna:{session}")][-1] == \
        "you said before"
    await wait_until_async(lambda: len(short_lived.app.state.gateway.web.sio.eio.sockets) == 0, 5,
                           "the socket.io session to end on the server")


async def test_an_expired_token_is_refused_on_rest_socket_and_upload(short_lived):
    token = short_lived.services.buyer_tokens.issue("anna")
    anna = Browser(short_lived.url, short_lived.services.buyer_tokens.issue("anna"))
    session = await anna.connect()  # a session of anna's, for the upload
    await anna.close()
    await asyncio.to_thread(_wait_for_expiry, short_lived, token)
    response = await asyncio.to_thread(_chat, short_lived, token)
    assert response.status_code == 401 and response.headers["content-type"] == "application/json"
    assert "buyer token" in response.json()["error"]
    assert "invalid_token" in await _refused_at_connect(short_lived, token)
    upload = await asyncio.to_thread(_upload, short_lived, token, session)
    assert upload.status_code == 401 and "Sign in" in upload.json()["error"]
    assert short_lived.rasa.received == []


def test_the_expiry_read_from_a_token_is_its_signing_time_plus_the_lifetime():
    tokens = BuyerTokens("secret", 600)
    before = int(time.time())
    signed = tokens.read(tokens.issue("anna"))
    assert signed.buyer_id == "anna" and before + 600 < signed.expires_at <= time.time() + 601
    assert tokens.read(json.dumps({"buyer": "anna"})) is None and tokens.read(42) is None
