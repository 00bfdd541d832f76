"""Issue 13, finding 5 on the real stack: the action server killed with SIGKILL used to take everything down
(`python -m bot run` stopped all and exited 1). Now the runner starts it again while Rasa and the gateway keep
running, and a buyer's dispute form, which needs the actions, works again. tests/integration/test_supervisor.py
covers the supervisor's backoff, process groups and stopping with stand-in processes."""
from __future__ import annotations

import os
import signal
from typing import Dict

import httpx
import pytest

from support.e2e import Buyer
from support.e2e import stack  # noqa: F401 - the session fixture
from support.waiting import wait_until

pytestmark = pytest.mark.e2e


def _pids(running) -> Dict[str, int]:
    """The runner's children by name (VAR_DIR/run/<name>.pid)."""
    return running.pids()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_action_server_comes_back_while_rasa_and_the_gateway_keep_running(stack):  # noqa: F811
    before = _pids(stack)
    assert "action-server" in before and "gateway" in before and any(n.startswith("rasa") for n in before), before
    runner_log = stack.var_dir / "logs" / "runner.log"

    os.kill(before["action-server"], signal.SIGKILL)

    wait_until(lambda: _pids(stack).get("action-server") not in (None, before["action-server"]), 30,
               "a new action server pid", describe=runner_log.read_text)
    wait_until(lambda: _answers(f"http://127.0.0.1:{stack.ports['actions']}/health"), 90,
               "the restarted action server to answer", describe=runner_log.read_text)
    wait_until(lambda: "action server is up again" in runner_log.read_text(), 30, "the runner to see it up",
               describe=runner_log.read_text)
    log = runner_log.read_text()
    assert "action server exited unexpectedly (killed by SIGKILL)" in log
    assert f"restarted action server (attempt 1, pid {_pids(stack)['action-server']})" in log
    others = {name: pid for name, pid in before.items() if name != "action-server"}
    assert {name: pid for name, pid in _pids(stack).items() if name != "action-server"} == others
    wait_until(lambda: _answers(f"{stack.url}/healthz"), 30, "the gateway's health with every part ok")

    anna = Buyer(stack, "anna", "after-action-server-restart")
    anna.say("help")
    anna.tap("Open a dispute")  # the order buttons come from an action
    anna.tap("earbuds")
    assert "receive the item" in anna.text()
