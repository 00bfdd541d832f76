"""What the review inbox holds, and its errors (no Rasa, HTTP or SQL here)."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import List, Optional, Tuple

from bot.disputes.errors import DomainError, InvalidInput, NotFound


class Reason(str, Enum):
    FALLBACK = "fallback"  # intent nlu_fallback, or a fallback action answered
    LOW_CONFIDENCE = "low_confidence"  # the best intent scored under the threshold
    AMBIGUOUS = "ambiguous"  # the two best intents scored within the margin
    CORRECTION = "correction"  # the buyer said no right after the bot acted on this message
    HANDOFF_AFTER_MISS = "handoff_after_miss"  # the buyer asked for a person soon after this message


class ReviewStatus(str, Enum):
    PENDING = "pending"
    LABELLED = "labelled"
    DISCARDED = "discarded"
    EXPORTED = "exported"


@dataclass(frozen=True)
class Guess:
    """An intent the classifier considered, with its confidence."""

    intent: str
    confidence: float


@dataclass(frozen=True)
class ProblemGuess:
    code: str
    confidence: Optional[float]
    found: bool  # became a `problem` entity of the parse (over the classifier's threshold)


@dataclass(frozen=True)
class Sighting:
    """One buyer message the bot was unsure about, as the recorder saw it."""

    text: str
    conversation_id: str
    reasons: Tuple[Reason, ...]
    intent: Optional[str]
    confidence: Optional[float]
    alternatives: Tuple[Guess, ...] = ()
    problems: Tuple[ProblemGuess, ...] = ()
    buyer_id: Optional[str] = None
    seen_at: Optional[datetime] = None
    # False when this message was already recorded for an earlier reason in the same turn (a fallback later
    # followed by a request for a person): its reasons are added, its repeat count stays.
    new_occurrence: bool = True


@dataclass
class ReviewItem:
    id: int
    text: str
    conversation_id: str
    buyer_id: Optional[str]
    reasons: List[str]
    intent: Optional[str]
    confidence: Optional[float]
    alternatives: List[Guess]
    problems: List[ProblemGuess]
    first_seen_at: datetime
    last_seen_at: datetime
    repeats: int
    status: ReviewStatus
    label_intent: Optional[str] = None
    label_problems: List[str] = field(default_factory=list)
    reviewed_by: Optional[str] = None
    reviewed_at: Optional[datetime] = None
    exported_at: Optional[datetime] = None


_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form under which repeats of one message are counted: case, width and spacing do not matter."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def text_key(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


class ReviewItemNotFound(NotFound):
    code = "review_item_not_found"

    def __init__(self, item_id: object) -> None:
        super().__init__(f"There is no review item {item_id}.")


class ReviewItemClosed(DomainError):
    code = "review_item_closed"

    def __init__(self, item_id: int, status: ReviewStatus) -> None:
        super().__init__(f"Review item {item_id} is already {status.value}; it can no longer change.")


class InvalidLabel(InvalidInput):
    code = "invalid_label"
