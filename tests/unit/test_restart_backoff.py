"""The runner's restart backoff (bot/ops/runner.py, RestartPolicy and CrashRecord) on made-up times:
tests/integration/test_supervisor.py runs the supervisor itself with small numbers."""
from __future__ import annotations

from bot.ops.runner import CrashRecord, RestartPolicy


def test_the_delay_doubles_from_the_first_up_to_the_cap():
    assert [RestartPolicy().delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert [RestartPolicy(first_delay=0.5, max_delay=3).delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]


def test_crashes_in_a_row_back_off_and_a_process_that_stayed_up_starts_over():
    record = CrashRecord(RestartPolicy())  # stable after 60 s
    # Up since t=0, crashes at t=10: not stable yet, but the first crash of a row.
    assert record.crashed(10, up_since=0) == 1
    # Restarted, and dies again before answering its health URL, four times.
    assert [record.crashed(t, up_since=None) for t in (12, 15, 20, 29)] == [2, 4, 8, 16]
    # Up again at t=40, crashes at t=70: up 30 s, not long enough to start over.
    assert record.crashed(70, up_since=40) == 30
    # Up again at t=110 and for 60 s: the next crash is the first of a new row.
    assert record.crashed(170, up_since=110) == 1
    assert record.in_a_row == 1


def test_more_crashes_than_allowed_within_the_window_is_a_crash_loop_until_they_age_out():
    record = CrashRecord(RestartPolicy(crash_loop_restarts=5, crash_loop_seconds=300))
    for t in (0, 30, 60, 90, 120):
        record.crashed(t, up_since=None)
    assert (record.recent, record.looping) == (5, False)
    record.crashed(150, up_since=None)
    assert (record.recent, record.looping) == (6, True)
    # Ten minutes later the old crashes are out of the window: one recent crash, no loop.
    record.crashed(900, up_since=None)
    assert (record.recent, record.looping) == (1, False)
