"""Finding 6 of issue 13: the internal action-server token stood in Rasa's log (`.../webhook?token=<hex>` in an
error line after the action server died mid-request). It now travels in the Authorization header only."""
from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.utils import read_endpoints_from_path

from bot.composition import signing_secret
from bot.ops.runner import rasa_process_env
from bot.settings import Settings
from bot.tokens import ACTION_SERVER_TOKEN, internal_token
from support.loopback_http import serve_post
from support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rasa_env(tmp_path, monkeypatch):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path)})
    for name, value in rasa_process_env(settings, signing_secret(settings)).items():
        monkeypatch.setenv(name, value)
    return settings


def test_endpoints_send_the_action_token_in_a_header_not_the_url(rasa_env):
    endpoint = read_endpoints_from_path(str(ROOT / "endpoints.yml")).action
    token = internal_token(signing_secret(rasa_env), ACTION_SERVER_TOKEN)
    assert endpoint.token is None and token not in endpoint.url
    assert endpoint.headers == {"Authorization": f"Bearer {token}"}


def test_a_failed_action_call_leaves_no_token_in_rasas_log(rasa_env, caplog):
    """The action server answers with a dropped connection, as when it is killed mid-request."""
    from aiohttp import web

    endpoint = read_endpoints_from_path(str(ROOT / "endpoints.yml")).action
    token = internal_token(signing_secret(rasa_env), ACTION_SERVER_TOKEN)
    seen = {}

    async def scenario():
        async def dying(request):
            seen["authorization"] = request.headers.get("Authorization")
            seen["query"] = request.query_string
            request.transport.close()  # no answer at all
            return web.Response()

        runner, url = await serve_post("/webhook", dying)
        endpoint.url = f"{url}/webhook"
        try:
            action = RemoteAction("action_start_dispute", endpoint)
            from rasa.shared.core.domain import Domain
            from rasa.shared.core.trackers import DialogueStateTracker

            with pytest.raises(Exception) as failure:
                await action.run(None, None, DialogueStateTracker("anna", []), Domain.empty())
            return str(failure.value)
        finally:
            await runner.cleanup()

    with caplog.at_level(logging.DEBUG):
        message = asyncio.run(scenario())
    assert seen["authorization"] == f"Bearer {token}" and "token" not in seen["query"]
    assert token not in message
    assert token not in caplog.text


def test_action_server_accepts_the_header_and_refuses_the_query_token(rasa_env, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "HOME": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "bot.rasa.action_server", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    token = internal_token(signing_secret(rasa_env), ACTION_SERVER_TOKEN)
    base = f"http://127.0.0.1:{port}"
    try:
        def healthy() -> bool:
            assert server.poll() is None, "the action server exited"
            try:
                return httpx.get(f"{base}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 60, "the action server to start")
        body = {"next_action": "action_no_such_action", "sender_id": "anna",
                "tracker": {"sender_id": "anna", "slots": {}, "latest_message": {}, "events": []}, "domain": {}}
        in_query = httpx.post(f"{base}/webhook", params={"token": token}, json=body, timeout=10)
        in_header = httpx.post(f"{base}/webhook", headers={"Authorization": f"Bearer {token}"}, json=body,
                               timeout=10)
        wrong = httpx.post(f"{base}/webhook", headers={"Authorization": "Bearer guess"}, json=body, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert in_query.status_code == 401 and wrong.status_code == 401
    # Past the token check: rasa-sdk answers that no such action exists.
    assert in_header.status_code == 404, in_header.text
