"""The gateway's Rasa channel: answers the turn's messages, 401 without the token, 503 when the turn fails."""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from bot.rasa.channel import GatewayInput


def _routes(on_new_message):
    blueprint = GatewayInput("secret").blueprint(on_new_message)
    routes = {route.uri: route.handler for route in blueprint._future_routes}
    [token_check] = [m.middleware for m in blueprint._future_middleware]
    return routes, token_check


def _request(token="secret"):
    body = {"sender": "web:anna:1", "message": "hello", "metadata": {"buyer_id": "anna"}}
    return SimpleNamespace(json=body, args={}, headers={"Authorization": f"Bearer {token}"})


def test_a_turn_answers_what_rasa_said_and_passes_sender_and_metadata():
    seen = []

    async def on_new_message(message):
        seen.append((message.sender_id, message.text, message.metadata, message.input_channel))
        await message.output_channel.send_text_message(message.sender_id, "Hi Anna")

    routes, token_check = _routes(on_new_message)
    assert asyncio.run(token_check(_request())) is None
    reply = asyncio.run(routes["/webhook"](_request()))
    assert reply.status == 200
    assert json.loads(reply.body) == [{"recipient_id": "web:anna:1", "text": "Hi Anna"}]
    assert seen == [("web:anna:1", "hello", {"buyer_id": "anna"}, "gateway")]


def test_a_failed_turn_is_503_not_an_empty_answer():
    async def on_new_message(message):
        raise ConnectionError("lock store unreachable")

    routes, _ = _routes(on_new_message)
    reply = asyncio.run(routes["/webhook"](_request()))
    assert reply.status == 503
    assert "hello" not in reply.body.decode()


def test_without_the_token_nothing_reaches_rasa():
    routes, token_check = _routes(None)
    refused = asyncio.run(token_check(_request(token="guess")))
    assert refused.status == 401
    assert json.loads(asyncio.run(routes["/"](_request())).body) == {"status": "ok"}
