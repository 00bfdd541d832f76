"""Two gateway processes sharing one store and Redis: a buyer's socket on one gateway gets what an agent writes
through the other (socket.io rooms through Redis), and buttons offered by one are accepted by the other."""
from __future__ import annotations

import os

import httpx
import pytest

from support.socket_client import Browser
from support.served_gateway import served_gateway

REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL (CI sets it; .ci/run shows the value)")


async def test_an_agent_on_one_gateway_reaches_a_buyer_on_the_other(tmp_path):
    with served_gateway(tmp_path, REDIS_URL=REDIS_URL) as first, served_gateway(tmp_path, REDIS_URL=REDIS_URL) as second:
        anna = Browser(first.url, first.services.buyer_tokens.issue("anna"))
        session = await anna.connect()
        await anna.say("agent please", session, 1)
        queued = await anna.wait_text("will answer here")
        token = second.services.accounts.create_agent("Dana", "agent")[1]
        headers = {"Authorization": f"Bearer {token}"}
        [item] = httpx.get(f"{second.url}/api/agent/queue", headers=headers).json()
        assert httpx.post(f"{second.url}/api/agent/conversations/{item['id']}/claim", headers=headers,
                          json={}).status_code == 200
        assert httpx.post(f"{second.url}/api/agent/conversations/{item['id']}/messages", headers=headers,
                          json={"text": "Hello from the other gateway"}).status_code == 200
        reply = await anna.wait_text("Hello from the other gateway")
        assert reply["sender"] == "agent"

        # The buyer's tab moves to the other gateway (a reconnect after a deploy): the offered button works.
        await anna.close()
        moved = Browser(second.url, anna.token)
        assert await moved.connect(session) == session
        await moved.client.emit("user_uttered", {"message": queued["quick_replies"][0]["payload"],
                                                 "session_id": session})
        await moved.wait_text("back with the assistant")
        await moved.close()
