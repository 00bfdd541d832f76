"""Evidence checks: the type comes from the bytes (never the name or a client's claim), sizes are bounded."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import filetype

from .errors import EvidenceRejected
from .inputs import clean_display_name
from .policy import Rules

_FRIENDLY = "photos (JPEG, PNG, GIF, WebP, HEIC), videos (MP4, MOV, WebM) or PDF"


@dataclass(frozen=True)
class Upload:
    """A file as it arrived from a channel: bytes plus the name the sender gave it (display only)."""

    data: bytes
    name: Optional[str] = None


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    media_type: str
    display_name: str

    @property
    def size(self) -> int:
        return len(self.data)


class EvidenceStorage(Protocol):
    """Stores bytes by content hash and returns the hash."""

    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...


def sniff_media_type(data: bytes) -> Optional[str]:
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def check_upload(upload: Upload, rules: Rules) -> CheckedUpload:
    name = clean_display_name(upload.name) or "file"
    if not isinstance(upload.data, (bytes, bytearray)) or not upload.data:
        raise EvidenceRejected(f"{name} is empty.")
    if len(upload.data) > rules.max_evidence_file_bytes:
        raise EvidenceRejected(f"{name} is larger than {_mb(rules.max_evidence_file_bytes)}, the limit per file.")
    media_type = sniff_media_type(bytes(upload.data))
    if media_type not in rules.evidence_media_types:
        raise EvidenceRejected(f"{name} is not a file I can attach. Please send {_FRIENDLY}.")
    return CheckedUpload(bytes(upload.data), media_type, name)


def check_dispute_totals(
    existing_count: int, existing_bytes: int, new: Sequence[CheckedUpload], rules: Rules
) -> None:
    count = existing_count + len(new)
    total = existing_bytes + sum(u.size for u in new)
    if count > rules.max_evidence_files_per_dispute:
        raise EvidenceRejected(
            f"A dispute can have at most {rules.max_evidence_files_per_dispute} files; "
            f"it has {existing_count} already."
        )
    if total > rules.max_evidence_bytes_per_dispute:
        raise EvidenceRejected(
            f"A dispute's files can total at most {_mb(rules.max_evidence_bytes_per_dispute)}; "
            f"{_mb(existing_bytes)} are used already."
        )
