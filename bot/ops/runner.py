"""`python -m bot run`: starts the action server, Rasa (RASA_PROCESSES of them) and the gateway (GATEWAY_PROCESSES
of them, on consecutive ports), waits until each is healthy, then looks after them until Ctrl-C (or SIGTERM,
SIGHUP) stops them all.

A process that dies after the start is started again with the same command and environment, after 1 s, 2 s,
4 s ... at most 30 s (back to 1 s once it stayed up a minute), while the others keep running; one that keeps
crashing is still restarted, loudly. A process that dies during the start stops everything instead (most
likely the configuration: retrying would loop on it). Each child runs in its own process group (Sanic's
workers are children of Rasa and of the action server), and a dead child's whole group is killed before it is
started again, so its port is free. The runner's own lines also go to VAR_DIR/logs/runner.log; each child's
pid is in VAR_DIR/run/<name>.pid.

docs/systemd/ has units that run the same commands under systemd instead (docs/deployment.md)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Deque, Dict, List, Optional, TextIO
from urllib.parse import urlsplit

import httpx

from bot.composition import signing_secret
from bot.settings import PROJECT_ROOT, Settings
from bot.tokens import ACTION_SERVER_TOKEN, internal_token

STARTUP_TIMEOUT_SECONDS = 180
GATEWAY_GRACEFUL_SECONDS = 5
MAX_FRAME_BYTES = 64 * 1024  # bot.channels.web.MAX_FRAME_BYTES, not imported: the runner loads no channel code
STOP_TIMEOUT_SECONDS = 15
# After a SIGKILL, how long to wait for a process group to be gone before starting its service again anyway.
GROUP_EXIT_SECONDS = 5


@dataclass
class Service:
    """What to run: a command, its environment, and the URL that answers 200 once it is ready."""

    name: str
    command: List[str]
    health_url: str
    env: dict

    @property
    def file_name(self) -> str:
        return self.name.replace(" ", "-")


@dataclass(frozen=True)
class RestartPolicy:
    """How soon a process that died is started again: first_delay, doubled for each crash in a row, at most
    max_delay; a process that stayed up stable_seconds starts over at first_delay. More than
    crash_loop_restarts crashes within crash_loop_seconds is a crash loop: it is still restarted (a buyer-facing
    service should come back when what it depends on does), and said loudly."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_seconds: float = 60.0
    crash_loop_restarts: int = 5
    crash_loop_seconds: float = 300.0

    def delay(self, crashes_in_a_row: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (crashes_in_a_row - 1))


class CrashRecord:
    """One service's crashes: how long to wait before starting it again, and whether it is crash-looping."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self.in_a_row = 0
        self._recent: Deque[float] = deque()

    def crashed(self, now: float, up_since: Optional[float]) -> float:
        """Notes a crash at `now` (monotonic seconds) of a process healthy since `up_since` (None: it did not
        answer its health URL since it was last started); returns the seconds to wait before starting it again."""
        if up_since is not None and now - up_since >= self.policy.stable_seconds:
            self.in_a_row = 0
        self.in_a_row += 1
        self._recent.append(now)
        while now - self._recent[0] > self.policy.crash_loop_seconds:
            self._recent.popleft()
        return self.policy.delay(self.in_a_row)

    @property
    def recent(self) -> int:
        """Crashes within the policy's crash_loop_seconds."""
        return len(self._recent)

    @property
    def looping(self) -> bool:
        return self.recent > self.policy.crash_loop_restarts


def _gateway_names(settings: Settings) -> List[str]:
    n = settings.gateway_processes
    return ["gateway"] if n == 1 else [f"gateway {i + 1}" for i in range(n)]


def rasa_process_env(settings: Settings, secret: str) -> Dict[str, str]:
    """What endpoints.yml expects in Rasa's environment: where the actions are, their token (derived from the
    deployment's secret), the conversation store, the lock store, the review inbox's event broker; and Rasa's
    number of Sanic workers. `python -m bot process-env` prints it for running `rasa run` by hand."""
    redis = settings.redis
    # endpoints.yml names every key whatever the type, and Rasa refuses an unset ${VAR}: with the in-memory
    # lock store they are empty (and ignored). Empty password and username mean no AUTH (redis-py sends
    # AUTH only when one is non-empty); an empty use_ssl is false.
    return {
        "ACTION_SERVER_URL": settings.action_server_url,
        "ACTION_SERVER_TOKEN": internal_token(secret, ACTION_SERVER_TOKEN),
        "RASA_TRACKER_URL": settings.rasa_tracker_url,
        "RASA_LOCK_STORE": "redis" if redis else "in_memory",
        "RASA_LOCK_STORE_HOST": redis.host if redis else "",
        "RASA_LOCK_STORE_PORT": str(redis.port) if redis else "",
        "RASA_LOCK_STORE_DB": str(redis.db) if redis else "",
        "RASA_LOCK_STORE_USERNAME": redis.username if redis else "",
        "RASA_LOCK_STORE_PASSWORD": redis.password if redis else "",
        "RASA_LOCK_STORE_SSL": "true" if redis and redis.tls else "",
        "SANIC_WORKERS": str(settings.rasa_workers),
        # The review inbox's event broker writes to the dispute store; an empty URL turns it off.
        "REVIEW_INBOX_URL": settings.database_url if settings.review_inbox else "",
        "REVIEW_MIN_CONFIDENCE": str(settings.review_min_confidence),
        "REVIEW_MIN_MARGIN": str(settings.review_min_margin),
    }


def _services(settings: Settings) -> List[Service]:
    py = sys.executable
    base = dict(os.environ)
    actions_port = settings.action_server_url.rsplit(":", 1)[-1].split("/")[0]
    services = [
        Service("action server", [py, "-m", "bot.rasa.action_server", "--port", actions_port],
                f"{settings.action_server_url}/health", base),
    ]
    rasa_urls = settings.rasa_urls_to_start
    rasa_env = rasa_process_env(settings, signing_secret(settings))
    for i, url in enumerate(rasa_urls):
        services.append(Service(
            "rasa" if len(rasa_urls) == 1 else f"rasa {i + 1}",
            [py, "-m", "rasa", "run", "--model", "models", "-i", "127.0.0.1", "-p", str(urlsplit(url).port),
             "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            f"{url}/",
            {**base, **rasa_env}))
    # The gateways send each conversation to one of these Rasa processes, always the same one.
    base = {**base, "RASA_URL": ",".join(rasa_urls)}
    for i, (name, url) in enumerate(zip(_gateway_names(settings), settings.gateway_urls, strict=True)):
        # The first gateway runs the background jobs (unless switched off for the whole deployment); a second
        # sweeper or Telegram poller would only repeat them, or be refused by Telegram.
        env = base if i == 0 else {**base, "GATEWAY_BACKGROUND_JOBS": "0"}
        services.append(Service(
            name,
            [py, "-m", "uvicorn", "bot.gateway.app:create_app", "--factory",
             "--host", settings.gateway_host, "--port", str(settings.gateway_port + i),
             "--log-config", str(PROJECT_ROOT / "bot" / "logging.json"),
             # rasa pins websockets 10, too old for uvicorn's default websocket backend.
             "--ws", "wsproto",
             # A websocket message over the chat's frame limit is refused before it is assembled, and a
             # graceful stop does not wait for the widgets' 25 s long-polls.
             "--ws-max-size", str(MAX_FRAME_BYTES), "--timeout-graceful-shutdown", str(GATEWAY_GRACEFUL_SECONDS)],
            f"{url}/healthz", env))
    return services


class Announcements:
    """What the runner tells the operator: on the terminal, and with the time in runner.log, which still says
    what crashed when after the terminal is gone."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path

    def say(self, text: str) -> None:
        self._tell(text, sys.stdout)

    def complain(self, text: str) -> None:
        self._tell(text, sys.stderr)

    def _tell(self, text: str, stream: TextIO) -> None:
        # The terminal or pipe may already be gone (Ctrl-C also ends a `| tee`); looking after the children
        # matters more.
        with contextlib.suppress(OSError):
            print(text, file=stream, flush=True)
        with contextlib.suppress(OSError), open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{datetime.now().isoformat(sep=' ', timespec='seconds')} {text}\n")


@dataclass
class _Supervised:
    """A service and where it is: starting (up_since None), up, or waiting to be started again (restart_at)."""

    service: Service
    crashes: CrashRecord
    log_path: Path
    pid_path: Path
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    up_since: Optional[float] = None
    restart_at: Optional[float] = None

    @property
    def child(self) -> subprocess.Popen:
        """The service's process; every unit is spawned before it is looked after or stopped."""
        if self.process is None:
            raise RuntimeError(f"{self.service.name} was never started")
        return self.process


class Supervisor:
    """Runs services as child processes, each in its own process group with its output in
    log_dir/<name>.log and its pid in run_dir/<name>.pid: starts them all, waits until each is healthy, then
    restarts any that dies, with backoff (RestartPolicy)."""

    def __init__(self, services: List[Service], log_dir: Path, run_dir: Path, *, cwd: Path = PROJECT_ROOT,
                 policy: RestartPolicy = RestartPolicy(), startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
                 poll_seconds: float = 0.5) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.poll_seconds = poll_seconds
        self.announce = Announcements(log_dir / "runner.log")
        self._units = [_Supervised(s, CrashRecord(policy), log_dir / f"{s.file_name}.log",
                                   run_dir / f"{s.file_name}.pid") for s in services]
        self._http = httpx.Client(timeout=2.0)
        self._stopping = False

    def stop_soon(self) -> None:
        """Makes start_all and supervise return at their next look (within poll_seconds, or a health check's
        timeout), also while a restart waits out its backoff. Safe in a signal handler."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def start_all(self) -> bool:
        """Starts every service; True once each answered its health URL. False when one dies first, when
        startup_timeout passes, or on stop_soon. A death here is not retried: before anything was ever healthy
        it is most likely the configuration (a port in use, a bad setting), and retrying would loop on it."""
        for unit in self._units:
            self._spawn(unit)
            self.announce.say(f"Starting {unit.service.name} (log: {unit.log_path}) ...")
        started = time.monotonic()
        pending = list(self._units)
        while pending and not self._stopping:
            for unit in list(pending):
                code = unit.child.poll()
                if code is not None:
                    self.announce.complain(f"{unit.service.name} exited during start-up ({_exit_reason(code)}). "
                                           f"Last lines of {unit.log_path}:\n{_tail(unit.log_path)}")
                    return False
                if self._healthy(unit):
                    unit.up_since = time.monotonic()
                    pending.remove(unit)
                    self.announce.say(f"  {unit.service.name} is up after {unit.up_since - started:.0f} s")
            if time.monotonic() - started > self.startup_timeout:
                names = ", ".join(u.service.name for u in pending)
                self.announce.complain(f"Gave up waiting for: {names}. See the logs in {self.log_dir}.")
                return False
            time.sleep(self.poll_seconds)
        return not self._stopping

    def supervise(self) -> None:
        """Until stop_soon: restarts a service whose process died (or that did not come up within
        startup_timeout of a restart) after its backoff; the others keep running."""
        while not self._stopping:
            for unit in self._units:
                self._look_after(unit)
            time.sleep(self.poll_seconds)

    def stop_all(self) -> None:
        """SIGTERM to every running service, SIGKILL to the process groups of those not gone after
        STOP_TIMEOUT_SECONDS and to anything left in the others' groups."""
        running = [u for u in self._units if u.process is not None and u.process.poll() is None]
        for unit in running:
            unit.child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for unit in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                unit.child.wait(timeout=max(0.1, deadline - time.monotonic()))
            _end_group(unit.child)
        for unit in self._units:
            unit.pid_path.unlink(missing_ok=True)
        self._http.close()

    def _spawn(self, unit: _Supervised) -> None:
        with open(unit.log_path, "ab") as log:
            # Own process group: Ctrl-C reaches only us, and we stop the children in order.
            unit.process = subprocess.Popen(unit.service.command, cwd=self.cwd, env=unit.service.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        unit.started_at = time.monotonic()
        unit.up_since = None
        unit.restart_at = None
        # Written whole, then renamed into place: a reader never sees an empty pid file.
        written = unit.pid_path.with_suffix(".tmp")
        written.write_text(f"{unit.child.pid}\n")
        written.replace(unit.pid_path)

    def _healthy(self, unit: _Supervised) -> bool:
        try:
            return self._http.get(unit.service.health_url).status_code == 200
        except httpx.HTTPError:
            return False

    def _look_after(self, unit: _Supervised) -> None:
        name = unit.service.name
        now = time.monotonic()
        if unit.restart_at is not None:
            if now >= unit.restart_at:
                self._spawn(unit)
                self.announce.say(f"restarted {name} (attempt {unit.crashes.in_a_row}, pid {unit.child.pid})")
            return
        code = unit.child.poll()
        if code is not None:
            self._crashed(unit, f"exited unexpectedly ({_exit_reason(code)}) after {now - unit.started_at:.0f} s")
        elif unit.up_since is None:
            if self._healthy(unit):
                unit.up_since = time.monotonic()
                self.announce.say(f"{name} is up again ({unit.up_since - unit.started_at:.0f} s after its restart)")
            elif now - unit.started_at > self.startup_timeout:
                self._crashed(unit, f"did not answer {unit.service.health_url} within {self.startup_timeout:g} s "
                                    "of its restart, so it was killed")

    def _crashed(self, unit: _Supervised, what: str) -> None:
        _end_group(unit.child)
        # A stale pid file could name an unrelated process by the time someone reads it.
        unit.pid_path.unlink(missing_ok=True)
        now = time.monotonic()
        delay = unit.crashes.crashed(now, unit.up_since)
        unit.up_since = None
        unit.restart_at = now + delay
        name = unit.service.name
        self.announce.complain(f"{name} {what}. Last lines of {unit.log_path}:\n{_tail(unit.log_path)}\n"
                               f"Starting {name} again in {delay:g} s.")
        if unit.crashes.looping:
            policy = unit.crashes.policy
            self.announce.complain(
                f"!!! {name.upper()} KEEPS CRASHING: {unit.crashes.recent} times in the last "
                f"{policy.crash_loop_seconds / 60:g} min. Buyers are affected until it stays up. Still starting it "
                f"again, every {policy.max_delay:g} s at most; see {unit.log_path}.")


def _end_group(process: subprocess.Popen) -> None:
    """SIGKILLs the process and whatever is left of its process group (Sanic's workers outlive a killed main
    process and keep its port), and waits until they are gone, at most GROUP_EXIT_SECONDS."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + GROUP_EXIT_SECONDS
    while _group_has_live_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _group_has_live_members(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    # Killed members that an init which does not reap (in some containers) leaves as zombies hold no port.
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # After "pid (command)": state, parent pid, process group.
            state, _parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue
        if group == str(pgid) and state != "Z":
            return True
    return False


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_all(settings: Settings) -> int:
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        print("No trained Rasa model in models/. `make run` trains one; or run `make model`.", file=sys.stderr)
        return 1
    supervisor = Supervisor(_services(settings), settings.var_dir / "logs", settings.var_dir / "run")

    def on_signal(signum, _frame):
        supervisor.stop_soon()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        if not supervisor.start_all():
            return 130 if supervisor.stopping else 1
        supervisor.announce.say(_summary(settings, supervisor.log_dir))
        supervisor.supervise()
        return 0
    finally:
        supervisor.announce.say("Stopping ...")
        supervisor.stop_all()
        supervisor.announce.say("Stopped.")


def _summary(settings: Settings, log_dir: Path) -> str:
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
    rasa_processes = len(settings.rasa_urls_to_start)
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
    return (f"\nThe dispute assistant is running.\n"
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
            f"  Crashed processes are started again; each one's pid is in {settings.var_dir / 'run'}\n"
            f"Press Ctrl-C to stop everything.")
