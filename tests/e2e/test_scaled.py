"""The scale-out profile (docs/deployment.md) as `make run-scaled` starts it: the dispute store and Rasa's
conversations in PostgreSQL, Redis for Rasa's lock store and socket.io, two Rasa workers, two action-server
workers and two gateways. Whole dispute conversations go through both gateways, over REST and socket.io, with
the load benchmark's own buyers and checks (bench.load): no errors, nothing lost, replies in order, one
dispute per buyer."""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from bench.load.scripts import dispute_conversation
from bench.load.stores import count_disputes, prepare_store, temporary_database
from bench.load.traffic import Results, run_rest, run_socketio
from bench.stack import Stack, StackError
from support.e2e import ROOT

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (PG_URL and REDIS_URL),
                       reason="needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both; .ci/run shows the values)"),
]

BUYERS_PER_CHANNEL = 4  # two per gateway and channel
TURNS = 12  # what dispute_conversation says


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
    with temporary_database(PG_URL, name) as database:
        stack = Stack(tmp_path / "var", profile="scaled", database_url=database, redis_url=REDIS_URL,
                      rasa_workers=2, action_server_workers=2, gateways=2, log_path=tmp_path / "run.log")
        tokens = prepare_store(stack, BUYERS_PER_CHANNEL * 2)
        urls = stack.urls
        assert len(urls) == 2 and urls[0] != urls[1]
        try:
            try:
                stack.start(180)
            except StackError as exc:
                pytest.fail(f"scaled stack did not come up: {exc}\n{stack.log_tails()}")
            rest, web = Results(), Results()
            asyncio.run(run_rest(urls, tokens[:BUYERS_PER_CHANNEL], BUYERS_PER_CHANNEL, dispute_conversation, rest))
            asyncio.run(run_socketio(urls, tokens[BUYERS_PER_CHANNEL:], BUYERS_PER_CHANNEL, web))
            disputes = count_disputes(stack.env, BUYERS_PER_CHANNEL * 2)
            tracked = _conversations_in_tracker_store(database)
        finally:
            stack.stop()
        rasa_log = stack.log("rasa")
        actions_log = stack.log("action-server")

    for channel, results in (("rest", rest), ("socket.io", web)):
        assert results.errors == [], f"{channel}: {results.errors[:3]}\n{stack.log_tails()}"
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
