"""Chat endpoint in Rasa's REST channel format, for tests and simple integrations.

POST /webhooks/rest/webhook  {"sender": "...", "message": "..."}  with  Authorization: Bearer <buyer token>
-> [{"recipient_id", "text", "buttons", "image"}, ...]
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.channels.auth import current_buyer

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 4000
CHANNEL = "rest"
router = APIRouter()


class ChatMessage(BaseModel):
    sender: str = Field(..., min_length=1, max_length=128)
    message: str = Field(..., min_length=1, max_length=MAX_MESSAGE_CHARS)


def _error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


def normalise(recipient: str, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Relayed messages in Rasa's REST channel format."""
    return [{"recipient_id": recipient, "text": m["text"], "buttons": m["buttons"], "image": m["image"]}
            for m in messages]


def conversation_id(channel: str, buyer_id: str, sender: str) -> str:
    # The buyer is part of the id: the same sender string under another buyer's token is another conversation.
    return f"{channel}:{buyer_id}:{sender}"


@router.post("/webhooks/rest/webhook")
async def rest_webhook(request: Request, buyer: Optional[str] = Depends(current_buyer)) -> JSONResponse:
    if buyer is None:
        return _error(401, "Sign in first: send a valid buyer token as 'Authorization: Bearer <token>'.")
    try:
        body = ChatMessage.parse_obj(await request.json())
    except Exception:
        return _error(422, f"Send JSON {{\"sender\": \"...\", \"message\": \"...\"}}; the message must be 1 to "
                           f"{MAX_MESSAGE_CHARS} characters.")
    # Accept-Language ("pt-BR,pt;q=0.9"): its first tag is a hint for the conversation's language (bot.i18n).
    hint = (request.headers.get("accept-language") or "").split(",")[0].split(";")[0].strip() or None
    exchange = await request.app.state.gateway.relay.turn(conversation_id(CHANNEL, buyer, body.sender), body.message,
                                                          channel=CHANNEL, buyer_id=buyer, language_hint=hint)
    if exchange.failed:
        return _error(500 if exchange.failure == "error" else 503, exchange.replies[0]["text"])
    return JSONResponse(normalise(body.sender, exchange.replies))
