"""`python -m bot run` as `make run` starts it: three processes come up healthy and stop on Ctrl-C."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def model():
    if not any((ROOT / "models").glob("*.tar.gz")):
        pytest.fail("No trained model: run the suite through `make test`, which trains it first.")


def test_run_starts_everything_and_stops_on_ctrl_c(tmp_path, model):
    rasa, actions, gateway = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path), "RASA_URL": f"http://127.0.0.1:{rasa}",
           "ACTION_SERVER_URL": f"http://127.0.0.1:{actions}", "GATEWAY_PORT": str(gateway)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "bot", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    runner = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = runner.stdout.readline()
            if not line and runner.poll() is not None:
                break
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(output)
        assert "The dispute assistant is running" in text, text
        health = httpx.get(f"http://127.0.0.1:{gateway}/healthz", timeout=5)
        assert health.status_code == 200, health.text
        assert health.json()["checks"] == {"rasa": "ok", "action_server": "ok", "database": "ok"}
        # Rasa answers on loopback with the trained model
        reply = httpx.post(f"http://127.0.0.1:{rasa}/webhooks/rest/webhook",
                           json={"sender": "e2e", "message": "hello"}, timeout=30)
        assert reply.status_code == 200 and reply.json(), reply.text

        runner.send_signal(signal.SIGINT)
        rest, _ = runner.communicate(timeout=40)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    assert "Stopped." in rest
    for port in (rasa, actions, gateway):
        assert not _listening(port), f"port {port} still open after Ctrl-C"
    assert (tmp_path / "logs" / "rasa.log").exists()


def test_health_turns_503_when_a_process_is_gone(tmp_path, model):
    """The gateway alone (Rasa and the action server not started) must not claim to be healthy."""
    gateway = _free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path), "RASA_URL": f"http://127.0.0.1:{_free_port()}",
           "ACTION_SERVER_URL": f"http://127.0.0.1:{_free_port()}"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bot.gateway:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(gateway), "--ws", "wsproto"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _listening(gateway) and time.monotonic() < deadline:
            time.sleep(0.2)
        response = httpx.get(f"http://127.0.0.1:{gateway}/healthz", timeout=10)
        assert response.status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=15)
