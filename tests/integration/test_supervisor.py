"""The runner's supervision (bot/ops/runner.py, Supervisor) with small stand-in services instead of Rasa: a process
killed with SIGKILL comes back healthy while the others keep running (issue 13, finding 5: one crash used to
stop everything), its leftover process group is gone first, restarts back off, and Ctrl-C during a backoff
stops everything at once. Backoff numbers are tiny here; the real ones are in
tests/unit/test_restart_backoff.py."""
from __future__ import annotations

import os
import re
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

import httpx

from bot.ops.runner import RestartPolicy, Service, Supervisor
from support.waiting import wait_until

# An HTTP server answering GET with its pid: 200, or 503 while the file `sick` exists. It exits with code 3 at
# once while the file `broken` exists (a service that cannot start).
SERVER = """
import os, sys
from pathlib import Path
port, flags = int(sys.argv[1]), Path(sys.argv[2])
if (flags / "broken").exists():
    sys.exit(3)
from http.server import BaseHTTPRequestHandler, HTTPServer
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = str(os.getpid()).encode()
        self.send_response(503 if (flags / "sick").exists() else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""
# Like a Sanic app with workers: a main process whose worker (in its process group) holds the port, and
# outlives the main process when that is killed with SIGKILL.
MAIN_WITH_WORKER = "import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', *sys.argv[1:]]))"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandIn:
    """One stand-in service on its own port, with its own flag directory."""

    def __init__(self, tmp_path: Path, name: str, with_worker: bool = False) -> None:
        self.name = name
        self.port = _free_port()
        self.flags = tmp_path / f"flags-{name.replace(' ', '-')}"
        self.flags.mkdir()
        server = [SERVER, str(self.port), str(self.flags)]
        command = [sys.executable, "-c", *([MAIN_WITH_WORKER] if with_worker else []), *server]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.service = Service(name, command, self.url, dict(os.environ))
        self.pid_file = tmp_path / "run" / f"{name.replace(' ', '-')}.pid"

    def pid(self) -> int:
        return int(self.pid_file.read_text())

    def serving_pid(self) -> Optional[int]:
        """The pid of the process answering on the port (the worker, for a main with a worker), if it answers 200."""
        try:
            response = httpx.get(self.url, timeout=2)
        except httpx.HTTPError:
            return None
        return int(response.text) if response.status_code == 200 else None

    def flag(self, name: str, on: bool) -> None:
        path = self.flags / name
        path.touch() if on else path.unlink()


class Supervising:
    """A Supervisor started in a background thread (the runner runs it in its main thread, where its signal
    handler calls stop_soon, as stop() does here)."""

    def __init__(self, tmp_path: Path, stand_ins: List[StandIn], policy: RestartPolicy,
                 startup_timeout: float = 15) -> None:
        self.log = tmp_path / "logs" / "runner.log"
        self.supervisor = Supervisor([s.service for s in stand_ins], tmp_path / "logs", tmp_path / "run",
                                     cwd=tmp_path, policy=policy, startup_timeout=startup_timeout,
                                     poll_seconds=0.05)
        self.thread = threading.Thread(target=self.supervisor.supervise, name="supervisor", daemon=True)
        self.stopped = False

    def __enter__(self) -> "Supervising":
        if not self.supervisor.start_all():
            self.supervisor.stop_all()
            raise AssertionError(f"the stand-ins did not start:\n{self.text()}")
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> float:
        """Stops supervising, then every process; the seconds supervise() took to return."""
        asked = time.monotonic()
        self.supervisor.stop_soon()
        self.thread.join(timeout=10)
        returned_after = time.monotonic() - asked
        if not self.stopped:  # even with supervise() stuck: leave no process behind
            self.stopped = True
            self.supervisor.stop_all()
        return returned_after

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_for_line(self, pattern: str, count: int = 1, timeout: float = 20) -> List[str]:
        """The matches of `pattern` in runner.log (its groups, if any) once there are `count` of them."""
        return wait_until(lambda: (found := re.findall(pattern, self.text())) and len(found) >= count and found,
                          timeout, f"{count} x {pattern!r} in runner.log", describe=self.text)


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (killed, holding no port, waiting for its parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


def test_a_killed_process_and_its_worker_are_replaced_while_the_others_keep_running(tmp_path):
    pool = StandIn(tmp_path, "worker pool", with_worker=True)
    steady = StandIn(tmp_path, "steady")
    with Supervising(tmp_path, [pool, steady], RestartPolicy(first_delay=0.1)) as running:
        main_pid, worker_pid = pool.pid(), pool.serving_pid()
        steady_pid, steady_serving = steady.pid(), steady.serving_pid()
        assert worker_pid and worker_pid != main_pid

        os.kill(main_pid, signal.SIGKILL)

        # The worker left behind holds the port: only a new worker answering proves the group was cleared.
        new_worker = wait_until(lambda: (pid := pool.serving_pid()) not in (None, worker_pid) and pid, 20,
                                "a new worker pool answering", describe=running.text)
        assert _gone(worker_pid), "the killed main process's worker is still running"
        assert pool.pid() != main_pid and not _gone(pool.pid())
        assert new_worker != worker_pid
        running.wait_for_line(r"worker pool is up again")
        log = running.text()
        assert "worker pool exited unexpectedly (killed by SIGKILL)" in log
        assert re.search(rf"restarted worker pool \(attempt 1, pid {pool.pid()}\)", log), log
        # The other service was never touched.
        assert (steady.pid(), steady.serving_pid()) == (steady_pid, steady_serving)
        assert "steady exited" not in log and "restarted steady" not in log


def test_restarts_back_off_say_a_crash_loop_loudly_and_keep_trying_until_it_comes_back(tmp_path):
    flaky = StandIn(tmp_path, "flaky")
    policy = RestartPolicy(first_delay=0.05, max_delay=0.2, crash_loop_restarts=3, crash_loop_seconds=60)
    with Supervising(tmp_path, [flaky], policy) as running:
        flaky.flag("broken", True)  # from now on it exits with code 3 at once, as with a dependency gone
        os.kill(flaky.pid(), signal.SIGKILL)
        running.wait_for_line(r"Starting flaky again in", count=6)
        flaky.flag("broken", False)
        wait_until(flaky.serving_pid, 20, "flaky answering again", describe=running.text)
        running.wait_for_line(r"flaky is up again")
        log = running.text()
    delays = re.findall(r"Starting flaky again in ([\d.]+) s", log)
    assert delays[:6] == ["0.05", "0.1", "0.2", "0.2", "0.2", "0.2"], log
    reasons = re.findall(r"flaky exited unexpectedly \(([^)]*)\)", log)
    assert reasons[0] == "killed by SIGKILL" and set(reasons[1:6]) == {"exit code 3"}, reasons
    # Loud from the fourth crash within the window (more than crash_loop_restarts=3), not before.
    loud = [line for line in log.splitlines() if "FLAKY KEEPS CRASHING" in line]
    assert len(loud) >= 3 and "4 times in the last 1 min" in loud[0], loud
    attempts = [int(n) for n in re.findall(r"restarted flaky \(attempt (\d+)", log)]
    assert attempts[:6] == [1, 2, 3, 4, 5, 6]


def test_a_restart_that_never_answers_healthy_is_killed_and_tried_again(tmp_path):
    sick = StandIn(tmp_path, "sick")
    with Supervising(tmp_path, [sick], RestartPolicy(first_delay=0.05), startup_timeout=2) as running:
        sick.flag("sick", True)  # answers 503 from now on
        os.kill(sick.pid(), signal.SIGKILL)
        restarted_pid = int(running.wait_for_line(r"restarted sick \(attempt 1, pid (\d+)\)")[0])
        running.wait_for_line(r"sick did not answer .* within 2 s of its restart, so it was killed")
        assert _gone(restarted_pid)
        running.wait_for_line(r"restarted sick \(attempt 2")
        sick.flag("sick", False)
        running.wait_for_line(r"sick is up again")
        assert sick.serving_pid() == sick.pid() != restarted_pid


def test_ctrl_c_during_a_backoff_wait_stops_everything_at_once(tmp_path):
    flaky = StandIn(tmp_path, "flaky")
    steady = StandIn(tmp_path, "steady")
    running = Supervising(tmp_path, [flaky, steady], RestartPolicy(first_delay=30))
    with running:
        flaky.flag("broken", True)
        os.kill(flaky.pid(), signal.SIGKILL)
        running.wait_for_line(r"Starting flaky again in 30 s")
        returned_after = running.stop()
    assert returned_after < 2, f"supervise() returned {returned_after:.1f} s after stop_soon, inside a 30 s wait"
    assert steady.serving_pid() is None, "steady still answers after the stop"
    assert not list((tmp_path / "run").glob("*.pid"))
    assert "restarted flaky" not in running.text()


def test_a_process_dying_during_start_up_stops_the_start_instead_of_looping(tmp_path):
    steady = StandIn(tmp_path, "steady")
    broken = StandIn(tmp_path, "broken")
    broken.flag("broken", True)
    supervisor = Supervisor([steady.service, broken.service], tmp_path / "logs", tmp_path / "run", cwd=tmp_path,
                            policy=RestartPolicy(first_delay=0.05), startup_timeout=15, poll_seconds=0.05)
    try:
        assert supervisor.start_all() is False
    finally:
        supervisor.stop_all()
    log = (tmp_path / "logs" / "runner.log").read_text()
    assert "broken exited during start-up (exit code 3)" in log
    assert "again in" not in log
    assert steady.serving_pid() is None
