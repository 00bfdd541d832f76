"""Removes evidence files that belong to no dispute and no saved draft once a grace period has passed: photos a
buyer sent and never filed, files of a form abandoned before its draft was kept, halves of interrupted writes."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import List, Set

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.store import tables as t
from bot.store.engine import read_connection
from bot.store.evidence_files import DiskEvidenceStorage

_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


def referenced_evidence(engine: Engine) -> Set[str]:
    """Every file a dispute holds or a saved draft names."""
    with read_connection(engine) as conn:
        kept = set(conn.execute(select(t.evidence_files.c.sha256)).scalars())
        for fields in conn.execute(select(t.dispute_drafts.c.fields)).scalars():
            kept.update(_SHA256.findall(json.dumps(fields)))
    return kept


def remove_orphan_evidence(engine: Engine, storage: DiskEvidenceStorage, now: datetime,
                           grace: timedelta) -> List[str]:
    """Removes files older than `grace` that nothing references; returns their names.

    Files are listed before the references are read, and each file's age is checked again right before it is
    removed: a file attached to a dispute meanwhile is in the references, and one stored again is young again
    (DiskEvidenceStorage.put touches it)."""
    cutoff = (now - grace).timestamp()
    old = [(name, path) for name, path, modified in storage.files() if modified < cutoff]
    if not old:
        return []
    kept = referenced_evidence(engine)
    return [name for name, path in old if name not in kept and storage.remove_if_older(path, cutoff)]
