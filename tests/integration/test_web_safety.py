"""The web channel against hostile or careless clients (issue 13, findings 4 and 10): socket.io frames and
polling POSTs over the size limit, guests who know someone else's session id, events with junk payloads.
A gateway served by uvicorn on loopback; the socket.io protocol spoken by hand where the exact answer matters."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets

from bot.channels.web import MAX_FRAME_BYTES
from served_gateway import open_descriptors, served_gateway
from socket_client import Browser
from waiting import wait_until, wait_until_async

ANSWER_DEADLINE = 3.0  # seconds an oversized request may take to be answered; it used to be never


@pytest.fixture
def gateway(tmp_path):
    with served_gateway(tmp_path) as server:
        yield server


def _engine_sockets(gateway) -> int:
    return len(gateway.app.state.web.sio.eio.sockets)


def _polling_url(gateway, sid: str | None = None) -> str:
    base = f"{gateway.url}/socket.io/?EIO=4&transport=polling"
    return f"{base}&sid={sid}" if sid else base


async def _polling_session(http: httpx.AsyncClient, gateway) -> str:
    """An Engine.IO v4 polling session with the socket.io default namespace joined; returns the sid."""
    sid = json.loads((await http.get(_polling_url(gateway))).text[1:])["sid"]
    assert (await http.post(_polling_url(gateway, sid), content="40")).text == "OK"
    assert (await http.get(_polling_url(gateway, sid))).text.startswith("40")
    return sid


def _oversized_packet(extra: int = 1) -> str:
    head = '42["user_uttered",{"message":"'
    return head + "x" * (MAX_FRAME_BYTES + extra - len(head) - 3) + '"}]'


async def _oversized_post(gateway, *, chunked: bool = False) -> tuple[int, float]:
    async with httpx.AsyncClient(timeout=ANSWER_DEADLINE + 2) as http:
        sid = await _polling_session(http, gateway)
        body = _oversized_packet().encode()
        started = time.monotonic()

        async def chunks():
            for i in range(0, len(body), 8192):
                yield body[i:i + 8192]
        response = await http.post(_polling_url(gateway, sid), content=chunks() if chunked else body)
        return response.status_code, time.monotonic() - started


async def test_oversized_polling_posts_are_answered_and_leave_nothing_behind(gateway):
    """Finding 4: a polling POST over the limit used to get no answer and hold a socket and a descriptor."""
    descriptors, sessions = open_descriptors(), _engine_sockets(gateway)
    answers = await asyncio.gather(*(_oversized_post(gateway, chunked=i % 2 == 1) for i in range(20)))
    assert [status for status, _ in answers] == [413] * 20
    slowest = max(seconds for _, seconds in answers)
    assert slowest < ANSWER_DEADLINE
    await wait_until_async(lambda: _engine_sockets(gateway) == sessions, 5, "the engine.io sessions to close",
                           describe=lambda: f"{_engine_sockets(gateway)} open, {sessions} before")
    await wait_until_async(lambda: open_descriptors() <= descriptors, 5, "the descriptors to be released",
                           describe=lambda: f"{open_descriptors()} open, {descriptors} before")
    print(f"20 oversized POSTs: slowest answer {slowest * 1000:.0f} ms; descriptors {descriptors} before, "
          f"{open_descriptors()} after")


async def test_a_declared_8_mb_post_is_answered_at_once(gateway):
    async with httpx.AsyncClient(timeout=ANSWER_DEADLINE + 2) as http:
        sid = await _polling_session(http, gateway)
        started = time.monotonic()
        response = await http.post(_polling_url(gateway, sid), content=b"4" * (8 * 1024 * 1024))
        assert response.status_code == 413 and "too large" in response.json()["error"]
        assert time.monotonic() - started < ANSWER_DEADLINE
        # The socket.io session is over: the next poll is told so at once rather than held.
        assert (await http.get(_polling_url(gateway, sid))).status_code == 400


async def test_a_pending_long_poll_is_released_by_an_oversized_post(gateway):
    async with httpx.AsyncClient(timeout=ANSWER_DEADLINE + 2) as http:
        sid = await _polling_session(http, gateway)
        poll = asyncio.create_task(http.get(_polling_url(gateway, sid)))
        await asyncio.sleep(0.1)  # the GET is parked on the server; nothing to wait for but its arrival
        assert (await http.post(_polling_url(gateway, sid), content=_oversized_packet())).status_code == 413
        closed = await asyncio.wait_for(poll, ANSWER_DEADLINE)
        assert closed.status_code == 200 and "1" in closed.text  # the Engine.IO close packet


async def test_a_post_at_the_limit_still_works(gateway):
    async with httpx.AsyncClient(timeout=10) as http:
        sid = await _polling_session(http, gateway)
        assert (await http.post(_polling_url(gateway, sid), content=_oversized_packet(extra=0))).text == "OK"
        answer = await http.get(_polling_url(gateway, sid))
        assert "error_message" in answer.text  # the message itself is over 4000 characters: the channel says so


def _ws_url(gateway) -> str:
    return gateway.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"


async def _ws_session(gateway):
    ws = await websockets.connect(_ws_url(gateway), max_size=None)
    assert (await ws.recv()).startswith("0")
    await ws.send("40")
    assert (await ws.recv()).startswith("40")
    return ws


async def test_an_oversized_websocket_frame_closes_the_connection_with_an_error(gateway):
    sessions = _engine_sockets(gateway)
    for _ in range(5):
        ws = await _ws_session(gateway)
        started = time.monotonic()
        await ws.send(_oversized_packet())
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), ANSWER_DEADLINE)
        assert time.monotonic() - started < ANSWER_DEADLINE
        assert ws.close_code == 1009  # "message too big"
    await wait_until_async(lambda: _engine_sockets(gateway) == sessions, 5, "the engine.io sessions to close")


async def test_a_websocket_frame_at_the_limit_still_works(gateway):
    ws = await _ws_session(gateway)
    await ws.send(_oversized_packet(extra=0))
    answer = await asyncio.wait_for(ws.recv(), ANSWER_DEADLINE)
    assert "error_message" in answer
    await ws.close()


def test_a_graceful_stop_is_not_held_by_oversized_posts(tmp_path):
    """Finding 4: the stop waited for posts the server would never answer (15 s, then killed)."""
    with served_gateway(tmp_path) as gateway:
        async def flood():
            await asyncio.gather(*(_oversized_post(gateway) for _ in range(5)), return_exceptions=True)
        asyncio.run(flood())
        started = time.monotonic()
        gateway.should_exit = True
        gateway.thread.join(10)
        stopped_in = time.monotonic() - started
        assert not gateway.thread.is_alive(), "the gateway did not stop within 10 s"
    assert stopped_in < 3
    print(f"graceful stop after oversized POSTs: {stopped_in * 1000:.0f} ms")
