"""The marketplace's rules as settings, and the time arithmetic they need."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import FrozenSet

DAY = timedelta(days=1)

DEFAULT_MEDIA_TYPES: FrozenSet[str] = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "application/pdf",
    }
)


@dataclass(frozen=True)
class Rules:
    """Defaults follow the marketplace's published Buyer Protection rules (see docs/DESIGN notes)."""

    min_protection_days: int = 15
    seller_response_days: int = 15
    refund_min_business_days: int = 7
    refund_max_business_days: int = 10
    max_description_chars: int = 2000
    max_evidence_file_bytes: int = 20 * 1024 * 1024
    max_evidence_files_per_dispute: int = 10
    max_evidence_bytes_per_dispute: int = 100 * 1024 * 1024
    evidence_media_types: FrozenSet[str] = field(default_factory=lambda: DEFAULT_MEDIA_TYPES)
    link_code_minutes: int = 15


def days_left(ends_at: datetime | None, now: datetime) -> int:
    """Whole days left on a timer; 0 once it has run out (never negative)."""
    if ends_at is None:
        return 0
    remaining = ends_at - now
    if remaining <= timedelta(0):
        return 0
    return remaining // DAY


def add_business_days(start: date, days: int) -> date:
    """Monday-Friday counting; public holidays differ per payment provider and are not modelled."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
