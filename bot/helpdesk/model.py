"""Hand-offs and the help desk's errors (no HTTP, SQL or Rasa here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Dict, Optional

from bot.disputes.errors import DomainError


class HandoffStatus(str, Enum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RELEASED = "released"


class HandoffReason(str, Enum):
    ASKED = "asked"  # the buyer asked for a person
    FALLBACK = "fallback"  # the bot did not understand twice in a row
    ESCALATED = "escalated"  # asked for help about an escalated dispute


@dataclass
class Handoff:
    id: int
    conversation_id: str
    channel: str
    buyer_id: Optional[str]
    reason: HandoffReason
    status: HandoffStatus
    draft: Dict[str, Any] = field(default_factory=dict)
    requested_at: Optional[datetime] = None
    agent_id: Optional[int] = None
    agent_name: Optional[str] = None
    claimed_at: Optional[datetime] = None
    released_at: Optional[datetime] = None
    release_note: str = ""
    version: int = 1
    language: Optional[str] = None  # the conversation's (bot.i18n), as far as the gateway could tell; None: not yet

    @property
    def is_open(self) -> bool:
        return self.status is not HandoffStatus.RELEASED


class HandoffNotFound(DomainError):
    code = "handoff_not_found"

    def __init__(self, handoff_id: object = "") -> None:
        super().__init__(f"There is no open hand-off {handoff_id}.")


class HandoffTaken(DomainError):
    code = "handoff_taken"

    def __init__(self, agent_name: str = "another agent") -> None:
        super().__init__(f"{agent_name} already holds this conversation.")


class NotYourHandoff(DomainError):
    code = "not_your_handoff"

    def __init__(self) -> None:
        super().__init__("Claim the conversation before acting on it.")
