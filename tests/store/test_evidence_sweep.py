"""Issue 13, finding 12: evidence files that belong to no dispute were never deleted. The sweep removes them
after a grace period, and never a file a dispute or a saved draft holds, nor one stored again recently."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

from bot.disputes.evidence import Upload
from bot.store.evidence_sweep import remove_orphan_evidence
from support.samples import image_bytes

GRACE = timedelta(hours=72)
# File ages are the file system's (wall-clock) times, whatever the domain clock of the fixtures says.


def _age(storage, sha256: str, hours: float) -> None:
    path = storage._path(sha256)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_orphans_go_after_the_grace_period_and_held_files_stay(engine, service, world, storage):
    world.buyer("anna")
    order, other = world.order("anna"), world.order("anna")
    dispute = service.open_dispute("anna", order, received=True, problems=["damaged"])
    attached = image_bytes("PNG", color=(200, 0, 0))
    service.add_evidence("anna", dispute.dispute.number, [Upload(attached, "broken.png")])
    held_sha = storage.put(attached)
    in_draft = storage.put(image_bytes("PNG", color=(0, 200, 0)))
    service.save_draft("anna", other, {"dispute_order": other, "evidence_files": [{"sha256": in_draft,
                                                                                    "name": "box.png"}]})
    old_orphan = storage.put(image_bytes("PNG", color=(0, 0, 200)))
    young_orphan = storage.put(image_bytes("PNG", color=(90, 90, 90)))
    for sha in (held_sha, in_draft, old_orphan):
        _age(storage, sha, 100)
    _age(storage, young_orphan, 10)
    half_written = storage.root / "ab" / "cd" / ".incoming-x1"
    half_written.parent.mkdir(parents=True, exist_ok=True)
    half_written.write_bytes(b"partial")
    os.utime(half_written, (time.time() - 100 * 3600,) * 2)

    removed = remove_orphan_evidence(engine, storage, datetime.now(timezone.utc), GRACE)

    assert sorted(removed) == sorted([old_orphan, ".incoming-x1"])
    assert not storage._path(old_orphan).exists() and not half_written.exists()
    for sha in (held_sha, in_draft, young_orphan):
        assert storage.get(sha)
    assert remove_orphan_evidence(engine, storage, datetime.now(timezone.utc), GRACE) == []


def test_a_file_stored_again_is_young_again(engine, storage):
    data = image_bytes("PNG", color=(1, 2, 3))
    sha = storage.put(data)
    _age(storage, sha, 100)
    assert storage.put(data) == sha  # the buyer sends the same photo again, to attach it now
    assert remove_orphan_evidence(engine, storage, datetime.now(timezone.utc), GRACE) == []
    assert storage.get(sha) == data
