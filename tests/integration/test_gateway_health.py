"""/healthz answers 200 only when Rasa and the action server answer (stand-ins on loopback here)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from bot.composition import build_services
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store import migrate
from support.waiting import wait_until

pytestmark = pytest.mark.timeout(30)  # a gateway on loopback answers in well under a second


class _Handler(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    servers = []

    def start(status=200):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.status = status
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _client(tmp_path, rasa, actions):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "RASA_URL": rasa, "ACTION_SERVER_URL": actions,
                                  "SWEEP_INTERVAL_SECONDS": "0"})
    services = build_services(settings)
    migrate.upgrade(services.engine)
    return TestClient(create_app(services=services))


def test_healthy_when_both_answer(tmp_path, stand_in):
    with _client(tmp_path, stand_in(), stand_in()) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"rasa": "ok", "action_server": "ok", "database": "ok"}


@pytest.mark.parametrize("which", ["rasa", "action_server"])
def test_unhealthy_when_one_is_down(tmp_path, stand_in, which):
    urls = {"rasa": stand_in(), "action_server": stand_in()}
    urls[which] = _closed_port()
    with _client(tmp_path, urls["rasa"], urls["action_server"]) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"][which].startswith("unreachable")


def test_unhealthy_when_one_answers_with_an_error(tmp_path, stand_in):
    with _client(tmp_path, stand_in(500), stand_in()) as client:
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["rasa"] == "HTTP 500"


def test_periodic_sweep_runs_in_the_app(tmp_path, stand_in, monkeypatch):
    from bot.disputes import services as svc

    calls = []
    monkeypatch.setattr(svc.DisputeService, "escalate_overdue", lambda self: calls.append(1) or [])
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SWEEP_INTERVAL_SECONDS": "1"})
    services = build_services(settings)
    migrate.upgrade(services.engine)
    with TestClient(create_app(services=services)):
        wait_until(lambda: len(calls) >= 2, 5, "two sweeps", interval=0.1)


def test_unknown_paths_and_methods_answer_the_gateways_json_error(tmp_path, stand_in):
    with _client(tmp_path, stand_in(), stand_in()) as client:
        missing = client.get("/no/such/page")
        wrong_method = client.delete("/healthz")
        in_an_api = client.get("/api/marketplace/no-such-thing")
    assert missing.status_code == 404 and missing.json() == {"error": "Nothing is served at this path.",
                                                             "code": "not_found"}
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    assert in_an_api.status_code == 404 and in_an_api.json()["code"] == "not_found"
