"""Chat endpoint in Rasa's REST channel format, for tests and simple integrations.

POST /webhooks/rest/webhook  {"sender": "...", "message": "..."}  with  Authorization: Bearer <buyer token>
-> [{"recipient_id", "text", "buttons", "image"}, ...]
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.channels.relay import TurnFailed

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 4000
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
async def rest_webhook(request: Request, authorization: Optional[str] = Header(None)) -> JSONResponse:
    state = request.app.state
    token = (authorization or "").removeprefix("Bearer ").strip()
    buyer = await state.services.buyer_sign_in.buyer_id(token)
    if buyer is None:
        return _error(401, "Sign in first: send a valid buyer token as 'Authorization: Bearer <token>'.")
    try:
        body = ChatMessage.parse_obj(await request.json())
    except Exception:
        return _error(422, f"Send JSON {{\"sender\": \"...\", \"message\": \"...\"}}; the message must be 1 to "
                           f"{MAX_MESSAGE_CHARS} characters.")
    conversation = conversation_id("rest", buyer, body.sender)
    try:
        exchange = await state.relay.turn(conversation, body.message, {"buyer_id": buyer, "channel": "rest"})
    except TurnFailed as failed:
        return _error(503, failed.reply)
    return JSONResponse(normalise(body.sender, exchange.replies))
