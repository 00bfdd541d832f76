"""The gateway's client for Rasa's token-protected channel (bot.rasa_channel.GatewayInput)."""
from __future__ import annotations

from typing import Any, Dict, List

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error; the buyer is told to try again."""


class RasaClient:
    def __init__(self, base_url: str, token: str, http: httpx.AsyncClient) -> None:
        self._url = f"{base_url}/webhooks/gateway/webhook"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._http = http

    async def send(self, conversation_id: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        try:
            reply = await self._http.post(self._url, headers=self._headers, timeout=60.0,
                                          json={"sender": conversation_id, "message": text, "metadata": metadata})
        except httpx.HTTPError as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if reply.status_code != 200:
            raise RasaUnavailable(f"HTTP {reply.status_code}")
        try:
            body = reply.json()
        except ValueError as exc:
            raise RasaUnavailable("not JSON") from exc
        return body if isinstance(body, list) else []
