"""The Rasa input channel the gateway talks to: Rasa's REST channel behind a bearer token, so that nothing
else on the machine can post messages with made-up buyer metadata. Listed in credentials.yml.

Unlike Rasa's REST channel, a turn that fails inside Rasa (its lock store or conversation store unreachable,
say) is answered 503, not 200 with no messages: the gateway then tells the buyer to try again instead of
showing nothing (bot.rasa.client.RasaUnavailable).
"""
from __future__ import annotations

import hmac
import logging
from typing import Any, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response

log = logging.getLogger(__name__)


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    def __init__(self, token: str) -> None:
        self._token = token

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> GatewayInput:
        # Rasa builds its input channels once at start-up, from credentials.yml: our code's one way into Rasa's
        # process, so the composition root prepares the process (patches) here.
        from bot.composition import prepare_rasa_process

        return cls(prepare_rasa_process())

    def blueprint(self, on_new_message) -> Blueprint:
        blueprint = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request):
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(
                    self._extract_message(request), collector, await self._extract_sender(request),
                    input_channel=self._extract_input_channel(request), metadata=self.get_metadata(request)))
            except Exception as exc:  # whatever failed, this turn has no answer; the gateway says so
                # The conversation id and the buyer's text stay out of the log (the gateway logs the turn).
                log.exception("turn failed in Rasa: %s", type(exc).__name__)
                return response.json({"error": "the turn failed in Rasa"}, status=503)
            return response.json(collector.messages)

        @blueprint.listener("after_server_start")
        async def warm_up_and_settle_memory(app, _loop):
            # The model is loaded by now (Rasa loads it before the server starts); the health check is answered
            # once this is done, as it runs on the same event loop.
            from bot.gc_tuning import freeze_long_lived_objects
            from bot.rasa.warm_up import warm_up

            agent = getattr(getattr(app, "ctx", None), "agent", None)
            if agent is not None and agent.is_ready():
                await warm_up(agent)
            freeze_long_lived_objects()

        @blueprint.middleware("request")
        async def require_token(request):
            sent = request.headers.get("Authorization", "")
            if not hmac.compare_digest(sent, f"Bearer {self._token}"):
                return response.json({"error": "unauthorized"}, status=401)
            return None

        return blueprint
