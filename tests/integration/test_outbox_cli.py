"""`python -m bot outbox`: operators see pending and failed dispute-event deliveries and replay them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

from bot.store.engine import create_store_engine
from bot.store.outbox import SqlOutbox


def bot(var_dir, *args, code=0):
    env = {**os.environ, "VAR_DIR": str(var_dir)}
    for name in ("DATABASE_URL", "BOT_SECRET", "MARKETPLACE_WEBHOOK_URL", "MARKETPLACE_WEBHOOK_SECRET"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == code, result.stderr
    return result


def test_list_failed_and_replay(tmp_path):
    bot(tmp_path, "seed")
    listed = json.loads(bot(tmp_path, "outbox", "list", "--json").stdout)
    pending = listed["counts"]["pending"]
    assert pending > 2 and listed["counts"]["failed"] == 0
    assert {e["type"] for e in listed["events"]} >= {"dispute.opened"}

    engine = create_store_engine(f"sqlite:///{tmp_path / 'disputes.db'}")
    outbox = SqlOutbox(engine)
    now = datetime.now(timezone.utc)
    first, second = outbox.undelivered("pending")[:2]
    outbox.mark_failed(first.event_id, now, "HTTP 500")
    outbox.mark_failed(second.event_id, now, "ConnectError: refused")

    text = bot(tmp_path, "outbox").stdout
    assert f"{pending - 2} pending, 2 failed, 0 delivered" in text
    assert "MARKETPLACE_WEBHOOK_URL is not set" in text
    failed = bot(tmp_path, "outbox", "--state", "failed").stdout
    assert first.event_id in failed and "HTTP 500" in failed and "ConnectError: refused" in failed

    assert "Replaying 1 dispute event(s)" in bot(tmp_path, "outbox", "replay", first.event_id).stdout
    assert outbox.counts()["failed"] == 1
    assert "Replaying 1 dispute event(s)" in bot(tmp_path, "outbox", "replay", "--failed").stdout
    assert outbox.counts() == {"pending": pending, "failed": 0, "delivered": 0}
    assert "No dispute event" in bot(tmp_path, "outbox", "replay", "no-such-id", code=1).stderr
    assert "Give one EVENT_ID" in bot(tmp_path, "outbox", "replay", code=2).stderr
    engine.dispose()
