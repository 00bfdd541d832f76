"""`python -m bot run`: starts the action server, Rasa and the gateway (GATEWAY_PROCESSES of them, on consecutive
ports), waits until each is healthy, and stops them all on Ctrl-C (or when one of them dies)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional
from urllib.parse import urlsplit

import httpx

from bot.settings import PROJECT_ROOT, Settings

STARTUP_TIMEOUT_SECONDS = 180


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    env: dict
    process: Optional[subprocess.Popen] = None
    log_path: Optional[Path] = None


def _gateway_names(settings: Settings) -> List[str]:
    n = settings.gateway_processes
    return ["gateway"] if n == 1 else [f"gateway {i + 1}" for i in range(n)]


def _services(settings: Settings) -> List[Service]:
    py = sys.executable
    base = dict(os.environ)
    actions_port = settings.action_server_url.rsplit(":", 1)[-1].split("/")[0]
    services = [
        Service("action server", [py, "-m", "bot.action_server", "--port", actions_port],
                f"{settings.action_server_url}/health", base),
    ]
    rasa_urls = settings.local_rasa_urls
    for i, url in enumerate(rasa_urls):
        services.append(Service(
            "rasa" if len(rasa_urls) == 1 else f"rasa {i + 1}",
            [py, "-m", "rasa", "run", "--model", "models", "-i", "127.0.0.1", "-p", str(urlsplit(url).port),
             "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            f"{url}/",
            {**base, **settings.rasa_process_env()}))
    # The gateways send each conversation to one of these Rasa processes, always the same one.
    base = {**base, "RASA_URL": ",".join(rasa_urls)}
    for i, (name, url) in enumerate(zip(_gateway_names(settings), settings.gateway_urls)):
        # The first gateway runs the background jobs (unless switched off for the whole deployment); a second
        # sweeper or Telegram poller would only repeat them, or be refused by Telegram.
        env = base if i == 0 else {**base, "GATEWAY_BACKGROUND_JOBS": "0"}
        services.append(Service(
            name,
            [py, "-m", "uvicorn", "bot.gateway:create_app", "--factory",
             "--host", settings.gateway_host, "--port", str(settings.gateway_port + i),
             "--log-config", str(PROJECT_ROOT / "bot" / "logging.json"),
             # rasa pins websockets 10, too old for uvicorn's default websocket backend.
             "--ws", "wsproto"],
            f"{url}/healthz", env))
    return services


def _stop(services: List[Service]) -> None:
    for svc in services:
        if svc.process and svc.process.poll() is None:
            svc.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for svc in services:
        if svc.process is None:
            continue
        try:
            svc.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # The whole group: Sanic's worker processes (RASA_WORKERS, ACTION_SERVER_WORKERS) are its children.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(svc.process.pid, signal.SIGKILL)
            svc.process.wait()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_all(settings: Settings) -> int:
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        print("No trained Rasa model in models/. `make run` trains one; or run `make model`.", file=sys.stderr)
        return 1
    log_dir = settings.var_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    services = _services(settings)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        for svc in services:
            svc.log_path = log_dir / f"{svc.name.replace(' ', '-')}.log"
            handle = open(svc.log_path, "ab")
            # Own process group: Ctrl-C reaches us, and we stop the children in order.
            svc.process = subprocess.Popen(svc.command, cwd=PROJECT_ROOT, env=svc.env, stdout=handle,
                                           stderr=subprocess.STDOUT, start_new_session=True)
            handle.close()
            print(f"Starting {svc.name} (log: {svc.log_path}) ...", flush=True)
        started = time.monotonic()
        pending = list(services)
        with httpx.Client(timeout=2.0) as client:
            while pending and not stopping:
                for svc in list(pending):
                    if svc.process.poll() is not None:
                        print(f"{svc.name} exited during start-up. Last lines of {svc.log_path}:\n"
                              f"{_tail(svc.log_path)}", file=sys.stderr)
                        return 1
                    try:
                        if client.get(svc.health_url).status_code == 200:
                            pending.remove(svc)
                            print(f"  {svc.name} is up after {time.monotonic() - started:.0f} s", flush=True)
                    except httpx.HTTPError:
                        pass
                if time.monotonic() - started > STARTUP_TIMEOUT_SECONDS:
                    names = ", ".join(s.name for s in pending)
                    print(f"Gave up waiting for: {names}. See the logs in {log_dir}.", file=sys.stderr)
                    return 1
                time.sleep(0.5)
        if stopping:
            return 130
        urls = settings.gateway_urls
        url = urls[0]
        if len(urls) > 1:
            others = "".join(f"             {u}\n" for u in urls[1:])
            jobs = "  (runs the background jobs)" if settings.gateway_background_jobs else ""
            gateways = (f"  Gateways:  {url}{jobs}\n{others}"
                        f"             (one store, socket.io through Redis; put them behind a load balancer)\n")
        else:
            gateways = ""
        workers = ""
        rasa_processes = len(settings.local_rasa_urls)
        if settings.rasa_workers > 1 or settings.action_server_workers > 1 or len(urls) > 1 or rasa_processes > 1:
            workers = (f"  Workers:   Rasa {rasa_processes} process(es) x {settings.rasa_workers} worker(s), each "
                       f"conversation always on the same process; action server {settings.action_server_workers}; "
                       f"lock store {'Redis' if settings.redis_url else 'in memory'}\n")
        if settings.telegram_token:
            mode = "webhook " + settings.telegram_webhook_url if settings.telegram_webhook_url else "long polling"
            if len(urls) > 1:
                mode += " (registered or polled by the first gateway; every gateway sends)"
            telegram = (f"  Telegram:  {mode}; link a buyer with  .venv/bin/python -m bot link-code anna  then "
                        f"/start CODE in the bot\n")
        else:
            telegram = "  Telegram:  off (set TELEGRAM_TOKEN, see README)\n"
        shared = ""
        if not settings.database_url.startswith("sqlite:"):
            # The CLI reads its settings from the environment too; without them it would look in var/disputes.db.
            shared = ("  Other terminals: export the same DATABASE_URL (and BOT_SECRET or VAR_DIR) before "
                      "`python -m bot ...`\n")
        print(f"\nThe dispute assistant is running.\n"
              f"  Chat in another terminal, as the demo buyer Anna:  .venv/bin/python -m bot chat anna\n"
              f"  Other demo buyers:  .venv/bin/python -m bot buyers\n"
              f"  Chat API:  POST {url}/webhooks/rest/webhook  (Authorization: Bearer $(.venv/bin/python -m bot "
              f"token anna))\n"
              f"  Web chat:  {url}/  (the demo marketplace page with the widget)\n"
              f"  Help desk: {url}/agent  (an agent token: .venv/bin/python -m bot agent-create NAME)\n"
              f"  Health:    {url}/healthz\n"
              f"{gateways}{workers}{shared}"
              f"{telegram}"
              f"  Logs:      {log_dir}\n"
              f"Press Ctrl-C to stop everything.", flush=True)
        while not stopping:
            for svc in services:
                if svc.process.poll() is not None:
                    print(f"{svc.name} stopped unexpectedly (exit {svc.process.returncode}); stopping the rest. "
                          f"Last lines of {svc.log_path}:\n{_tail(svc.log_path)}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        _say("Stopping ...")
        _stop(services)
        _say("Stopped.")


def _say(text: str) -> None:
    # The terminal or pipe may already be gone (Ctrl-C also ends a `| tee`); stopping the children matters more.
    try:
        print(text, flush=True)
    except OSError:
        pass
