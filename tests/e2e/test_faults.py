"""Issue 13, finding 1: a dispute the buyer confirmed could vanish when filing failed. Here the action server,
the gateway and Rasa are killed (kill -9), and PostgreSQL connections are terminated or refused, right at the
final yes, many times, through the fault benchmark's own tries (bench/faults.py, `make faults` runs more):
every confirmed dispute ends filed exactly once, and no answer on the way is silent or a bare 500."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from bench import faults

pytestmark = pytest.mark.e2e


def run(tmp_path, *args: str) -> dict:
    assert faults.main([*args, "--out", str(tmp_path)]) == 0
    [report] = tmp_path.glob("faults-*.json")
    return json.loads(report.read_text())


def assert_nothing_lost(report: dict, tries: int) -> None:
    summary = report["summary"]
    details = [(t["fault"], t["delay_ms"], t["outcome"], t["turns"]) for t in report["tries"]
               if t["outcome"] != "filed"]
    assert summary["tries"] == tries
    assert summary["lost"] == 0 and summary["not_confirmed"] == 0, details
    assert summary["filed"] == tries
    assert summary["silent"] == 0 and summary["bare_500"] == 0, summary["answers"]
    assert summary["told_filed_but_missing"] == 0


def test_processes_killed_at_the_final_yes_lose_no_confirmed_dispute(tmp_path):
    report = run(tmp_path, "--profiles", "single", "--actions", "5", "--gateway", "2", "--rasa", "1",
                 "--mid-form", "2", "--seed", "3")
    assert_nothing_lost(report, 10)
    # The faults really hit: some first answers were not the filing confirmation.
    assert any(t["first_answer"] != "answered" or "is open" not in t["first_answer_text"]
               for t in report["tries"] if t["fault"] != "mid-form")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="needs PostgreSQL: set TEST_DATABASE_URL (CI sets it)")
def test_database_connections_cut_or_refused_at_the_final_yes_lose_nothing(tmp_path, monkeypatch):
    from sqlalchemy.engine import make_url

    server = make_url(os.environ["TEST_DATABASE_URL"]).set(database="postgres")
    monkeypatch.setenv("BENCH_POSTGRES_URL", server.render_as_string(hide_password=False))
    redis_restarts = 2 if shutil.which("redis-server") else 0  # the run starts a Redis server of its own
    report = run(tmp_path, "--profiles", "scaled", "--db-cut", "6", "--db-refuse", "3", "--redis-restart",
                 str(redis_restarts), "--seed", "4")
    assert_nothing_lost(report, 9 + redis_restarts)
