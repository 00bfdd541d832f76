"""Messages written outside a buyer's turn (a help-desk agent, the bot taking over again) go to the buyer's
channel. Each channel reads its own conversation ids (web: the chat session; Telegram: the private chat); the REST
channel has no way to write first, its clients read the transcript."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Protocol


class ConversationChannel(Protocol):
    name: str

    async def deliver_to_conversation(self, conversation: str, messages: List[Dict[str, Any]]) -> None: ...


class Deliveries:
    def __init__(self, channels: Iterable[Optional[ConversationChannel]]) -> None:
        self._by_name = {channel.name: channel for channel in channels if channel is not None}

    async def __call__(self, handoff: Any, messages: List[Dict[str, Any]]) -> None:
        """bot.helpdesk.desk.Deliver: `handoff` names the channel and the conversation."""
        channel = self._by_name.get(handoff.channel)
        if channel is not None:
            await channel.deliver_to_conversation(handoff.conversation_id, messages)
