"""Measurement: peak resident memory of every process of a tree, CPU time per message by role (Rasa, gateway,
action server, this load generator, the whole machine), and the time a forced training takes. Linux /proc only."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, Optional

from bench.stack import ROOT, command_of, process_tree, role_of


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Samples the resident memory of a process tree every 0.5 s; keeps each process's peak and the peak sum."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.peaks: Dict[int, int] = {}
        self.names: Dict[int, str] = {}
        self.peak_total_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            total = 0
            for pid in process_tree(self.root):
                rss = _rss_kb(pid)
                total += rss
                if rss > self.peaks.get(pid, 0):
                    self.peaks[pid] = rss
                    self.names.setdefault(pid, command_of(pid))
            self.peak_total_kb = max(self.peak_total_kb, total)

    def stop(self) -> Dict[str, Any]:
        self._stop.set()
        self._thread.join(2)
        processes = sorted(({"pid": p, "command": self.names.get(p, ""), "peak_rss_mb": round(kb / 1024, 1)}
                            for p, kb in self.peaks.items() if kb > 10_000), key=lambda x: -x["peak_rss_mb"])
        return {"peak_total_rss_mb": round(self.peak_total_kb / 1024, 1), "processes": processes}


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _machine_busy_ticks() -> int:
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values) - values[3] - values[4]  # all but idle and iowait
    except (OSError, IndexError, ValueError):
        return 0


class CpuMeter:
    """CPU time spent per message, by role (Rasa, gateway, action server, this load generator) and for the
    whole machine (which also counts PostgreSQL, Redis and anything else running). Unlike messages/s, CPU
    per message hardly changes with the machine's speed on the day or with how busy it is."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.ticks_per_second = os.sysconf("SC_CLK_TCK")

    def _snapshot(self) -> Dict[str, Any]:
        per_pid = {pid: (command_of(pid), _cpu_ticks(pid)) for pid in process_tree(self.root)}
        return {"pids": per_pid, "self": _cpu_ticks(os.getpid()), "machine": _machine_busy_ticks()}

    def start(self) -> CpuMeter:
        self._before = self._snapshot()
        return self

    def per_message(self, messages: int) -> Dict[str, Any]:
        after = self._snapshot()
        if not messages:
            return {}
        roles: Dict[str, int] = {}
        for pid, (command, ticks) in after["pids"].items():
            spent = ticks - self._before["pids"].get(pid, (command, 0))[1]
            roles[role_of(command)] = roles.get(role_of(command), 0) + spent
        roles["load_generator"] = after["self"] - self._before["self"]
        roles["machine"] = after["machine"] - self._before["machine"]
        return {role: round(1000 * ticks / self.ticks_per_second / messages, 2) for role, ticks in roles.items()}


def training_seconds() -> Optional[float]:
    """`rasa train` of this project into a temporary folder (forced, so nothing is reused)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--out", out], cwd=ROOT,
                              capture_output=True)
        return round(time.monotonic() - started, 1) if done.returncode == 0 else None


def detection_cost(rounds: int = 200) -> Dict[str, Any]:
    """CPU per message of deciding a turn's language (bot.i18n.detection, as the gateway's relay does it), over the
    scripted buyers' messages in every language, once the detector's models are loaded (the gateway loads them at
    start-up). Measured in this process, beside the stack: the relay's share of a turn."""
    from bench.load.scripts import TYPED
    from bot.i18n.detection import LanguageDetector

    texts = [text for words in TYPED.values() for text in words.values()] + [
        "show my orders", "I want to open a dispute", "The case arrived cracked and one earbud does not charge at all",
        "what is the status of my dispute", "how long does a refund take", "bye"]
    detector = LanguageDetector()
    detector.warm_up()
    started = time.process_time()
    for _ in range(rounds):
        for text in texts:
            detector.detect(text)
    per_message = (time.process_time() - started) * 1000 / (rounds * len(texts))
    return {"messages": len(texts), "rounds": rounds, "cpu_ms_per_message": round(per_message, 3)}
