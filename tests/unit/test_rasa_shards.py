"""Several Rasa processes: each conversation always goes to the same one, and conversations spread over all."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.rasa.client import RasaClient, RasaUnavailable, rasa_session, shard_of
from bot.settings import Settings

URLS = ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]


def test_a_conversation_keeps_its_rasa_and_conversations_spread():
    ids = [f"web:{n}:{n * 7919}" for n in range(400)]
    first = [shard_of(i, 2) for i in ids]
    assert [shard_of(i, 2) for i in ids] == first
    counts = Counter(first)
    assert set(counts) == {0, 1} and min(counts.values()) > 150, counts
    assert shard_of("anything", 1) == 0


def test_the_client_posts_each_conversation_to_its_rasa():
    """Two stand-in Rasa processes on loopback; each records the conversations it was sent."""
    from aiohttp import web

    from support.loopback_http import serve_post

    async def scenario():
        seen = {}
        runners, urls = [], []
        for index in range(2):
            async def webhook(request, index=index):
                body = await request.json()
                seen.setdefault(body["sender"], set()).add(index)
                assert request.headers["Authorization"] == "Bearer token"
                return web.json_response([{"text": f"from {index}"}])

            runner, url = await serve_post("/webhooks/gateway/webhook", webhook)
            runners.append(runner)
            urls.append(url)
        session = rasa_session()
        try:
            client = RasaClient(urls, "token", session)
            for _ in range(3):
                for conversation in ("web:anna:1", "tg:42:42", "web:ben:7", "rest:chen:x", "web:dan:2"):
                    [reply] = await client.send(conversation, "hi", {})
                    assert reply == {"text": f"from {shard_of(conversation, 2)}"}
            await runners[1].cleanup()  # one Rasa gone: its conversations get a clear error, the others go on
            gone = next(c for c in seen if shard_of(c, 2) == 1)
            kept = next(c for c in seen if shard_of(c, 2) == 0)
            with pytest.raises(RasaUnavailable):
                await client.send(gone, "hi", {})
            assert await client.send(kept, "hi", {}) == [{"text": "from 0"}]
        finally:
            await session.close()
            await runners[0].cleanup()
        return seen

    seen = asyncio.run(scenario())
    assert all(len(shards) == 1 for shards in seen.values()), seen
    assert {s for shards in seen.values() for s in shards} == {0, 1}


def test_settings_list_and_count_rasa_processes():
    one = Settings.from_env({"RASA_URL": "http://127.0.0.1:7000", "RASA_PROCESSES": "3"})
    assert one.rasa_urls == ("http://127.0.0.1:7000",)  # what a gateway started alone talks to
    assert one.rasa_urls_to_start == tuple(f"http://127.0.0.1:{7000 + i}" for i in range(3))  # what `bot run` starts
    listed = Settings.from_env({"RASA_URL": "http://10.0.0.5:5005, http://10.0.0.6:5005/"})
    assert listed.rasa_urls == listed.rasa_urls_to_start == ("http://10.0.0.5:5005", "http://10.0.0.6:5005")
    for bad in ({"RASA_URL": "127.0.0.1:5005"}, {"RASA_URL": "http://a:1,http://b:2", "RASA_PROCESSES": "3"},
                {"RASA_URL": "http://127.0.0.1:65535", "RASA_PROCESSES": "2"}, {"RASA_PROCESSES": "0"}):
        with pytest.raises(SystemExit):
            Settings.from_env(bad)
