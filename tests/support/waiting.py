"""Waiting in tests: poll a condition until a deadline, never sleep a fixed time and hope it was enough (too
short flakes on a busy machine, too long wastes every run)."""
from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable, Optional

POLL_SECONDS = 0.05


def _timed_out(what: str, timeout: float, describe: Optional[Callable[[], str]]) -> AssertionError:
    detail = f"; {describe()}" if describe else ""
    return AssertionError(f"timed out after {timeout:g} s waiting for {what}{detail}")


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "the condition", *,
               interval: float = POLL_SECONDS, describe: Optional[Callable[[], str]] = None) -> Any:
    """The predicate's first truthy value; an AssertionError naming `what` (and `describe()`, the state worth
    seeing) when `timeout` seconds pass first. The predicate runs at least once."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout, describe)
        time.sleep(interval)


async def wait_until_async(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "the condition", *,
                           interval: float = POLL_SECONDS, describe: Optional[Callable[[], str]] = None) -> Any:
    """`wait_until` for async tests: sleeps without blocking the event loop (a socket.io client in the same loop
    keeps receiving). The predicate may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout, describe)
        await asyncio.sleep(interval)
