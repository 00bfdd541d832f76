"""The Rasa input channel the gateway talks to: Rasa's REST channel behind a bearer token, so that nothing
else on the machine can post messages with made-up buyer metadata. Listed in credentials.yml."""
from __future__ import annotations

import hmac
from typing import Any, Dict, Optional

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    def __init__(self, token: str) -> None:
        self._token = token
        # Rasa builds its input channels once at start-up: the place to install the measured speed-ups.
        from bot import rasa_speedups

        rasa_speedups.install()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "GatewayInput":
        from bot.settings import RASA_CHANNEL_TOKEN, Settings

        return cls(Settings.from_env().internal_token(RASA_CHANNEL_TOKEN))

    def blueprint(self, on_new_message) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.listener("after_server_start")
        async def settle_memory(_app, _loop):
            # The model is loaded by now (Rasa loads it before the server starts).
            from bot.gc_tuning import freeze_long_lived_objects

            freeze_long_lived_objects()

        @blueprint.middleware("request")
        async def require_token(request):
            sent = request.headers.get("Authorization", "")
            if not hmac.compare_digest(sent, f"Bearer {self._token}"):
                return response.json({"error": "unauthorized"}, status=401)
            return None

        return blueprint
