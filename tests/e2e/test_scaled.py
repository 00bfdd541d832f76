"""The scale-out profile (docs/deployment.md) as `make run-scaled` starts it: the dispute store and Rasa's
conversations in PostgreSQL, Redis for Rasa's lock store and socket.io, two Rasa workers, two action-server
workers and two gateways. Whole dispute conversations go through both gateways, over REST and socket.io, with
the load benchmark's own buyers and checks (bench/load.py): no errors, nothing lost, replies in order, one
dispute per buyer."""
from __future__ import annotations

import asyncio
import os
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text

from stack import ROOT

sys.path.insert(0, str(ROOT))
from bench import load  # noqa: E402  (the project root is on the path only from here on)

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (PG_URL and REDIS_URL),
                       reason="needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both; .ci/run shows the values)"),
]

BUYERS_PER_CHANNEL = 4  # two per gateway and channel
TURNS = 12  # what dispute_conversation says


def _logs(tmp_path) -> str:
    parts = []
    for path in [tmp_path / "run.log", *sorted((tmp_path / "var" / "logs").glob("*.log"))]:
        if path.exists():
            parts.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-25:]))
    return "\n".join(parts)


def _conversations_in_tracker_store(database_url: str) -> int:
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(DISTINCT sender_id) FROM events")).scalar_one()
    finally:
        engine.dispose()


def test_whole_conversations_through_both_gateways_lose_nothing(tmp_path):
    if not any((ROOT / "models").glob("*.tar.gz")):
        pytest.fail("No trained model: run the suite through `make test`, which trains it first.")
    name = f"e2e_scaled_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with load.temporary_database(PG_URL, name) as database:
        env = load.stack_env(tmp_path, "scaled", database_url=database, redis_url=REDIS_URL, rasa_workers=2,
                             action_server_workers=2, gateways=2)
        tokens = load.prepare_store(env, BUYERS_PER_CHANNEL * 2)
        urls = load.gateway_urls(env)
        assert len(urls) == 2 and urls[0] != urls[1]
        process = load.start_stack(env, tmp_path / "run.log")
        try:
            try:
                load.wait_all_healthy(urls, process, 180)
            except RuntimeError as exc:
                pytest.fail(f"scaled stack did not come up: {exc}\n{_logs(tmp_path)}")
            rest, web = load.Results(), load.Results()
            asyncio.run(load.run_rest(urls, tokens[:BUYERS_PER_CHANNEL], BUYERS_PER_CHANNEL,
                                      load.dispute_conversation, rest))
            asyncio.run(load.run_socketio(urls, tokens[BUYERS_PER_CHANNEL:], BUYERS_PER_CHANNEL, web))
            disputes = load.count_disputes(env, BUYERS_PER_CHANNEL * 2)
            tracked = _conversations_in_tracker_store(database)
        finally:
            load.stop(process)
        rasa_log = (tmp_path / "var" / "logs" / "rasa.log").read_text(errors="replace")
        actions_log = (tmp_path / "var" / "logs" / "action-server.log").read_text(errors="replace")

    for channel, results in (("rest", rest), ("socket.io", web)):
        assert results.errors == [], f"{channel}: {results.errors[:3]}\n{_logs(tmp_path)}"
        assert results.conversations == BUYERS_PER_CHANNEL, channel
        assert results.messages == BUYERS_PER_CHANNEL * TURNS, channel
        assert results.lost == 0, channel
        assert results.out_of_order == 0, channel
        # Buyers were spread round-robin: each gateway answered whole conversations.
        assert results.answered_by == {url: BUYERS_PER_CHANNEL // 2 * TURNS for url in urls}, channel
    assert disputes == {"buyers_with_one": BUYERS_PER_CHANNEL * 2, "duplicates": 0,
                        "expected": BUYERS_PER_CHANNEL * 2}
    # Rasa kept the conversations in PostgreSQL, and really ran two workers: it allows that only with a lock
    # store shared between processes (Redis), otherwise it falls back to one.
    assert tracked >= BUYERS_PER_CHANNEL * 2
    assert rasa_log.count("Rasa server is up and running") == 2, rasa_log[-2000:]
    assert "w/ 2 workers" in actions_log, actions_log[-2000:]
