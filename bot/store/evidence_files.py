"""Evidence bytes on disk, addressed by their SHA-256: names from users never become paths."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator, Tuple

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class DiskEvidenceStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not _HEX64.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        if path.exists():
            # Touched: the orphan sweep (bot.store.evidence_sweep) spares files stored again recently.
            os.utime(path)
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a crash never leaves a truncated file under the final name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def files(self) -> Iterator[Tuple[str, Path, float]]:
        """Every stored file (sha256, path, modification time), and half-written temporary files left by a crash
        (their name, not a sha256)."""
        if not self.root.exists():
            return
        for path in self.root.glob("??/??/*"):
            if _HEX64.match(path.name) or path.name.startswith(".incoming-"):
                try:
                    yield path.name, path, path.stat().st_mtime
                except FileNotFoundError:  # removed meanwhile
                    continue

    def remove_if_older(self, path: Path, cutoff: float) -> bool:
        """Removes a file not modified since `cutoff` (epoch seconds); checked again right before removing, so a
        file stored again meanwhile stays."""
        try:
            if path.stat().st_mtime >= cutoff:
                return False
            path.unlink()
            return True
        except FileNotFoundError:
            return False

