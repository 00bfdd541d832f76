"""`python -m bot run` as `make run` starts it: three processes come up healthy and stop on Ctrl-C."""
from __future__ import annotations

import httpx
import pytest

from bot.settings import default_rasa_processes
from support.e2e import Buyer, E2EStack, listening
from support.waiting import wait_until

pytestmark = pytest.mark.e2e


def test_run_starts_everything_and_stops_on_ctrl_c(tmp_path):
    stack = E2EStack(tmp_path)
    stack.start()
    try:
        assert "The dispute assistant is running" in "".join(stack.output)
        health = httpx.get(f"{stack.url}/healthz", timeout=5)
        assert health.status_code == 200, health.text
        assert health.json()["checks"] == {"rasa": "ok", "action_server": "ok", "database": "ok"}
        anna = Buyer(stack, "anna", "smoke")
        assert anna.say("hello") and anna.text()
        # Rasa and the action server refuse anyone but the gateway and Rasa
        assert httpx.post(f"http://127.0.0.1:{stack.ports['rasa']}/webhooks/gateway/webhook",
                          json={"sender": "x", "message": "hi", "metadata": {"buyer_id": "anna"}}).status_code == 401
        assert httpx.post(f"http://127.0.0.1:{stack.ports['actions']}/webhook",
                          json={"next_action": "action_list_orders"}).status_code == 401
        assert httpx.post(f"http://127.0.0.1:{stack.ports['rasa']}/webhooks/rest/webhook",
                          json={"sender": "x", "message": "hi"}).status_code == 404
    finally:
        rest = stack.stop()
    assert "Stopped." in rest
    for port in stack.ports.values():
        assert not listening(port), f"port {port} still open after Ctrl-C"
    rasa_processes = default_rasa_processes()
    logs = sorted(p.name for p in (tmp_path / "logs").glob("rasa*.log"))
    assert logs == (["rasa.log"] if rasa_processes == 1 else [f"rasa-{i + 1}.log" for i in range(rasa_processes)])


def test_health_turns_503_when_rasa_and_actions_are_gone(tmp_path):
    """The gateway alone (Rasa and the action server not started) must not claim to be healthy."""
    import subprocess
    import sys

    from support.e2e import ROOT

    stack = E2EStack(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bot.gateway.app:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(stack.ports["gateway"]), "--ws", "wsproto"], cwd=ROOT,
                            env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: listening(stack.ports["gateway"]), 30, "the gateway to listen", interval=0.2)
        response = httpx.get(f"{stack.url}/healthz", timeout=10)
        assert response.status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.timeout(600)  # two starts of a stack of its own, each bounded at 240 s, and two stops
def test_a_conversation_survives_a_restart(tmp_path):
    stack = E2EStack(tmp_path)
    stack.start()
    try:
        anna = Buyer(stack, "anna", "restart")
        anna.say("help")
        anna.tap("Open a dispute")
        anna.tap("earbuds")
        assert "receive the item" in anna.text()
    finally:
        stack.stop()
    assert (tmp_path / "conversations.db").exists()
    stack.start()
    try:
        anna.say("yes it arrived")
        assert "What is wrong with it?" in anna.text()
    finally:
        stack.stop()
