"""Stock Rasa 3.6.21 side by side: `rasa init` (its moodbot) trained into a temporary folder, run with its REST
webhook and driven with the same buyers, concurrency and number of turns as our stack."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict

from bench.load.measure import CpuMeter, MemorySampler
from bench.load.scripts import stock_conversation
from bench.load.traffic import Results, run_rest
from bench.stack import free_port, stop_process, wait_healthy


def stock(args, work: Path) -> Dict[str, Any]:
    """Stock Rasa's figures: init and training time, start-up, REST (and paced REST) turns, CPU and memory."""
    project = work / "stock"
    project.mkdir(parents=True, exist_ok=True)  # rasa init wants the folder to exist
    started = time.monotonic()
    init = subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
                          cwd=work, capture_output=True, text=True)
    out: Dict[str, Any] = {"init_and_training_seconds": round(time.monotonic() - started, 1)}
    if init.returncode != 0 or not list((project / "models").glob("*.tar.gz")):
        out["error"] = "rasa init failed: " + init.stderr[-400:]
        return out
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "rasa", "run", "-i", "127.0.0.1", "-p", str(port),
                                "--model", "models"], cwd=project, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    memory = MemorySampler(process.pid).start()
    url = f"http://127.0.0.1:{port}"
    try:
        out["startup_to_healthy_seconds"] = round(wait_healthy(url + "/", process, 240), 1)
        results = Results()
        cpu = CpuMeter(process.pid).start()
        seconds = asyncio.run(run_rest(url, [None] * args.buyers, args.concurrency, stock_conversation, results))
        out["rest"] = {**results.summary(seconds), "cpu_ms_per_message": cpu.per_message(results.messages)}
        if args.think[1] > 0:
            paced = Results()
            seconds = asyncio.run(run_rest(url, [None] * args.buyers, args.concurrency, stock_conversation, paced,
                                           think=args.think))
            out["rest_paced"] = paced.summary(seconds)
            print(f"  stock/rest_paced: {json.dumps(out['rest_paced'])}", flush=True)
        print(f"  stock/rest: {json.dumps(out['rest'])}", flush=True)
    finally:
        out["memory"] = memory.stop()
        stop_process(process)
    return out
