"""The help desk's queue as agents see it: read from the hand-off store and the transcripts, nothing else, so
the buyer's side (intake), the agent's side (desk) and the consoles' notifier all read it the same way."""
from __future__ import annotations

from typing import Any, List, Optional

import anyio

from bot.helpdesk.labels import handoff_reason_label, handoff_status_label, language_label
from bot.helpdesk.model import Handoff, HandoffStatus
from bot.helpdesk.views import QueueItem
from bot.i18n import DEFAULT, supported


class HandoffQueue:
    def __init__(self, handoffs: Any, transcripts: Any) -> None:
        self._handoffs = handoffs
        self._transcripts = transcripts

    async def items(self) -> List[QueueItem]:
        # The store lists waiting hand-offs first, in queue order: a waiting one's place is its index + 1.
        handoffs = await anyio.to_thread.run_sync(self._handoffs.queue)
        return [await self.item(h, i + 1 if h.status is HandoffStatus.QUEUED else None)
                for i, h in enumerate(handoffs)]

    async def item(self, handoff: Handoff, position: Optional[int]) -> QueueItem:
        last = await anyio.to_thread.run_sync(self._transcripts.messages, handoff.conversation_id, 0, 1)
        return QueueItem(
            id=handoff.id, channel=handoff.channel, language=supported(handoff.language) or DEFAULT,
            language_label=language_label(handoff.language), buyer_id=handoff.buyer_id, reason=handoff.reason.value,
            status=handoff.status.value, reason_label=handoff_reason_label(handoff.reason),
            status_label=handoff_status_label(handoff.status), agent=handoff.agent_name,
            requested_at=handoff.requested_at.isoformat() if handoff.requested_at else "", position=position,
            last_message=(last[0].get("text") or "")[:200] if last else "")
