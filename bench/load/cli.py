"""Load benchmark: simulated buyers holding whole conversations through the gateway, and stock Rasa side by side.

    python -m bench.load [--buyers 40] [--concurrency 20] [--channels rest,socketio] [--no-stock] [--out bench/results]
                         [--profile single|scaled]

1. Starts the full stack (`python -m bot run`) in a temporary folder with N extra demo buyers (one delivered
   order each), timing start-up to a healthy /healthz (of every gateway).
   Profile `single` (default): SQLite files, in-memory lock store, one worker each, one gateway.
   Profile `scaled` (docs/deployment.md): a fresh PostgreSQL database bench_<pid> on BENCH_POSTGRES_URL's
   server (default postgresql+psycopg2://postgres@127.0.0.1:5432/postgres; dropped afterwards) for the
   dispute store and Rasa's conversations, Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/0) for
   Rasa's lock store and socket.io, --rasa-workers Sanic workers (default: the number of cores),
   --action-server-workers (2) and --gateways (2) gateway processes; buyers are spread round-robin over the
   gateways.
2. N buyers, C at a time, each: list orders, open a dispute with every field (tapping the offered buttons),
   check its status, one FAQ, goodbye. Over the REST chat endpoint and over socket.io as the widget does.
   Every turn is timed; a reply without what the turn expects is an error; replies are checked to arrive in
   order (transcript ids rising) and none lost; afterwards the store must hold exactly one dispute per buyer.
3. Stock Rasa 3.6.21: `rasa init` (its moodbot) trained into a temporary folder, run with its REST webhook,
   driven with the same N, C and number of turns. Ratios are printed: absolute times on a shared machine
   drift, ratios measured side by side do not.
4. Peak resident memory of every process, training time, start-up time. JSON goes to bench/results/: our
   figures under "ours" (profile single, as before) or "ours_scaled".

Only loopback addresses; every loop is bounded in count and time. A benchmark, never a test that fails.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.load.measure import detection_cost, training_seconds
from bench.load.ours import ours
from bench.load.report import add_ratios, print_summary, write_report
from bench.load.stock import stock
from bench.stack import PROFILES, ROOT


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--channels", default="rest,socketio")
    parser.add_argument("--languages", default="es,pt,fr,ru",
                        help="our stack also runs the REST conversation typed in these languages ('' for none)")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Rasa")
    parser.add_argument("--no-ours", action="store_true", help="skip our stack (stock Rasa only)")
    parser.add_argument("--no-training", action="store_true", help="skip timing a forced training")
    parser.add_argument("--think-seconds", default="1,3",
                        help="REST once more with each buyer pausing this long (from,to) after each answer, as a "
                             "person does: latency at a realistic load; 0 skips it")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--profile", choices=PROFILES, default="single",
                        help="single: SQLite, one process each; scaled: PostgreSQL, Redis, several workers and "
                             "gateways (docs/deployment.md)")
    parser.add_argument("--rasa-workers", type=int, default=os.cpu_count() or 1, help="scaled: Rasa's Sanic workers")
    parser.add_argument("--action-server-workers", type=int, default=2, help="scaled: the action server's workers")
    parser.add_argument("--rasa-processes", type=int, default=None,
                        help="Rasa processes (default: the product's default for single, 1 for scaled)")
    parser.add_argument("--gateways", type=int, default=2, help="scaled: gateway processes")
    args = parser.parse_args(argv)
    args.languages = [code for code in args.languages.split(",") if code]
    try:
        bounds = [float(x) for x in args.think_seconds.split(",")]
        args.think = (bounds[0], bounds[-1])
    except ValueError:
        parser.error("--think-seconds takes FROM,TO seconds, e.g. 1,3 (or 0)")
    report: Dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "buyers": args.buyers,
        "concurrency": args.concurrency, "profile": args.profile, "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()}
    report["language_detection"] = detection_cost()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        if not args.no_training:
            report["training_seconds"] = training_seconds()
            print(f"training: {report['training_seconds']} s", flush=True)
        # "ours" as before for the single profile, so earlier result files compare key for key.
        ours_key = "ours" if args.profile == "single" else f"ours_{args.profile}"
        if not args.no_ours:
            print(f"our stack, profile {args.profile} ...", flush=True)
            report[ours_key] = ours(args, work, args.profile)
        if not args.no_stock:
            print("stock Rasa (rasa init) ...", flush=True)
            report["stock_rasa"] = stock(args, work)
            add_ratios(report, ours_key, args.profile)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path = write_report(report, Path(args.out))
    print_summary(report, ours_key, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
