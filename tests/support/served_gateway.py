"""A gateway served by uvicorn on loopback (seeded, with a stand-in Rasa), for tests that need real sockets:
oversized frames, descriptors, graceful stops, tokens expiring on a live connection."""
from __future__ import annotations

import contextlib
import os
import threading
from http.server import ThreadingHTTPServer

import uvicorn

from bot.composition import build_services, signing_secret
from bot.disputes.clock import SystemClock
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store import migrate
from bot.store.seed import seed
from bot.tokens import RASA_CHANNEL_TOKEN, internal_token
from support.fake_telegram import free_port
from support.stand_in_rasa import StandInRasa
from support.waiting import wait_until


def connection_descriptors(port: int) -> int:
    """Descriptors this process holds for connections accepted on `port` (the served gateway runs in a thread of
    the test process). Only those: the rest of the suite's threads open and close descriptors of their own."""
    held = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:["):
                held.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
                if local_port == port and state != "0A" and inode in held:  # 0A: the listening socket
                    count += 1
    return count


@contextlib.contextmanager
def served_gateway(tmp_path, **env):
    """Yields the uvicorn server with `url`, `rasa` (the stand-in), `services`, `app` (app.state.gateway.web is the web
    channel once started) and `thread` (join it to see how long a graceful stop takes)."""
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), StandInRasa)
    rasa.received = []
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SWEEP_INTERVAL_SECONDS": "0",
                                  "RASA_URL": f"http://127.0.0.1:{rasa.server_address[1]}", **env})
    rasa.token = internal_token(signing_secret(settings), RASA_CHANNEL_TOKEN)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    services = build_services(settings)
    migrate.upgrade(services.engine)
    seed(services.engine, SystemClock(), settings.rules, services.evidence)
    port = free_port()
    app = create_app(services=services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, ws="wsproto", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 20, "the gateway to start")
    server.url, server.rasa, server.services, server.app, server.thread = (
        f"http://127.0.0.1:{port}", rasa, services, app, thread)
    try:
        yield server
    finally:
        server.should_exit = True
        rasa.shutdown()
        rasa.server_close()
        # A moment for requests in flight to end before the store closes, not a wait for the stop: a socket.io
        # client closed in polling mode leaves its long-poll to the ping interval (25 s). A test that needs the
        # stop itself joins `thread`.
        thread.join(0.5)
        services.close()
