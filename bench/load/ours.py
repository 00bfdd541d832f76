"""Our stack under load: started through bench.stack in the profile asked for, fed bench buyers, driven over each
channel while its memory and CPU are measured."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any, Dict

from bench.load.measure import CpuMeter, MemorySampler
from bench.load.scripts import dispute_conversation, typed_dispute_conversation
from bench.load.stores import DEFAULT_POSTGRES_URL, DEFAULT_REDIS_URL, count_disputes, prepare_store, temporary_database
from bench.load.traffic import Results, run_rest, run_socketio
from bench.stack import Stack


def ours(args, work: Path, profile: str = "single") -> Dict[str, Any]:
    """Our figures in one profile: start-up, each channel's turns and CPU per message, disputes filed, memory."""
    channels = args.channels.split(",") + (["rest_paced"] if args.think[1] > 0 else []) \
        + [f"rest_{language}" for language in args.languages if language != "en"]
    out: Dict[str, Any] = {"profile": profile}
    with contextlib.ExitStack() as cleanup:
        if profile == "scaled":
            server = os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL
            database = cleanup.enter_context(temporary_database(server, f"bench_{os.getpid()}"))
            stack = Stack(work / "var", profile="scaled", database_url=database,
                          redis_url=os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL,
                          rasa_workers=args.rasa_workers, action_server_workers=args.action_server_workers,
                          gateways=args.gateways, rasa_processes=args.rasa_processes or 1,
                          log_path=work / f"run-{profile}.log")
            # Counts only: the URLs may carry passwords.
            out["settings"] = {"rasa_processes": args.rasa_processes or 1, "rasa_workers": args.rasa_workers,
                               "action_server_workers": args.action_server_workers, "gateways": args.gateways,
                               "stores": "postgresql + redis"}
        else:
            from bot.settings import default_rasa_processes

            processes = args.rasa_processes or default_rasa_processes()
            stack = Stack(work / "var", rasa_processes=processes, log_path=work / f"run-{profile}.log")
            out["settings"] = {"rasa_processes": processes, "stores": "sqlite"}
        tokens = prepare_store(stack, args.buyers * len(channels))
        urls = stack.urls
        stack.launch()
        memory = MemorySampler(stack.pid).start()
        try:
            out["startup_to_healthy_seconds"] = round(stack.wait_up(240), 1)
            for i, channel in enumerate(channels):
                batch = tokens[i * args.buyers:(i + 1) * args.buyers]
                results = Results()
                cpu = CpuMeter(stack.pid).start()
                if channel == "rest":
                    seconds = asyncio.run(run_rest(urls, batch, args.concurrency, dispute_conversation, results))
                elif channel == "rest_paced":
                    seconds = asyncio.run(run_rest(urls, batch, args.concurrency, dispute_conversation, results,
                                                   think=args.think))
                elif channel.startswith("rest_"):  # the same conversation typed in another language
                    seconds = asyncio.run(run_rest(urls, batch, args.concurrency,
                                                   typed_dispute_conversation(channel[len("rest_"):]), results))
                else:
                    seconds = asyncio.run(run_socketio(urls, batch, args.concurrency, results))
                out[channel] = {**results.summary(seconds), "cpu_ms_per_message": cpu.per_message(results.messages)}
                print(f"  ours-{profile}/{channel}: {json.dumps(out[channel])}", flush=True)
            out["disputes"] = count_disputes(stack.env, args.buyers * len(channels))
        finally:
            out["memory"] = memory.stop()
            stack.stop()
    return out
