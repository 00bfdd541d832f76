"""Evidence checks: the type comes from the bytes (never the name or a client's claim), sizes are bounded."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import filetype

from .errors import N_, EvidenceRejected
from .inputs import clean_display_name
from .policy import Rules


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
        raise EvidenceRejected(N_("{name} is empty."), name=name)
    if len(upload.data) > rules.max_evidence_file_bytes:
        raise EvidenceRejected(N_("{name} is larger than {limit}, the limit per file."), name=name,
                               limit=_mb(rules.max_evidence_file_bytes))
    media_type = sniff_media_type(bytes(upload.data))
    if media_type not in rules.evidence_media_types:
        raise EvidenceRejected(N_("{name} is not a file I can attach. "
                                  "Please send photos (JPEG, PNG, GIF, WebP, HEIC), videos (MP4, MOV, WebM) or PDF."),
                               name=name)
    return CheckedUpload(bytes(upload.data), media_type, name)


def check_dispute_totals(
    existing_count: int, existing_bytes: int, new: Sequence[CheckedUpload], rules: Rules
) -> None:
    count = existing_count + len(new)
    total = existing_bytes + sum(u.size for u in new)
    if count > rules.max_evidence_files_per_dispute:
        raise EvidenceRejected(N_("A dispute can have at most {limit} files; it has {count} already."),
                               limit=rules.max_evidence_files_per_dispute, count=existing_count)
    if total > rules.max_evidence_bytes_per_dispute:
        raise EvidenceRejected(N_("A dispute's files can total at most {limit}; {used} are used already."),
                               limit=_mb(rules.max_evidence_bytes_per_dispute), used=_mb(existing_bytes))
