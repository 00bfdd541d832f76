"""The gateway's client for Rasa's token-protected channel (bot.rasa.channel.GatewayInput).

aiohttp rather than httpx for this one hop: it carries every buyer message, and aiohttp's C HTTP parser took
about a third less of the gateway's CPU per message under load (py-spy; docs/adr/0006-performance.md).
"""
from __future__ import annotations

import asyncio
import zlib
from typing import Any, Dict, List, Sequence, Union

import aiohttp

# Rasa's Sanic closes idle connections after 5 s; ours are dropped sooner, so a request never goes out on a
# connection Rasa is closing.
KEEPALIVE_SECONDS = 2.0
TURN_TIMEOUT_SECONDS = 60.0


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error; the buyer is told to try again."""


def shard_of(conversation_id: str, shards: int) -> int:
    """Which of `shards` Rasa processes holds a conversation: stable across processes and restarts (unlike
    hash()), so every gateway sends one conversation's turns to the same Rasa, whose own lock store orders
    them."""
    return zlib.crc32(conversation_id.encode("utf-8")) % shards


def rasa_session() -> aiohttp.ClientSession:
    """The connection pool for Rasa; built in the gateway's running event loop, closed at shutdown."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=KEEPALIVE_SECONDS),
                                 timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT_SECONDS))


class RasaClient:
    def __init__(self, base_urls: Union[str, Sequence[str]], token: str, session: aiohttp.ClientSession) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self._urls = [f"{url}/webhooks/gateway/webhook" for url in urls]
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session = session

    async def close(self) -> None:
        await self._session.close()

    def url_for(self, conversation_id: str) -> str:
        return self._urls[shard_of(conversation_id, len(self._urls))]

    async def send(self, conversation_id: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        try:
            async with self._session.post(self.url_for(conversation_id), headers=self._headers,
                                          json={"sender": conversation_id, "message": text,
                                                "metadata": metadata}) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"HTTP {reply.status}")
                try:
                    body = await reply.json(content_type=None)
                except ValueError as exc:
                    raise RasaUnavailable("not JSON") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        return body if isinstance(body, list) else []
