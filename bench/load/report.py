"""The report: ratios of our figures over stock Rasa's, the JSON file in bench/results/, and a table for people."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict


def add_ratios(report: Dict[str, Any], ours_key: str, profile: str) -> None:
    """Our figures over stock Rasa's, into report["ratios"], when both sides have them: absolute times on a shared
    machine drift, ratios measured side by side do not."""
    ours_rest = (report.get(ours_key) or {}).get("rest") or {}
    stock_rest = report["stock_rasa"].get("rest") or {}
    if ours_rest.get("messages_per_second") and stock_rest.get("messages_per_second"):
        report["ratios"] = {
            "profile": profile,
            "throughput_ours_over_stock": round(ours_rest["messages_per_second"]
                                                / stock_rest["messages_per_second"], 2),
            "p95_ours_over_stock": round(ours_rest["p95_ms"] / stock_rest["p95_ms"], 2)}
        machine = [(r.get("cpu_ms_per_message") or {}).get("machine") for r in (ours_rest, stock_rest)]
        if all(machine):
            report["ratios"]["machine_cpu_per_message_ours_over_stock"] = round(machine[0] / machine[1], 2)
    languages = {channel[len("rest_"):]: figures for channel, figures in (report.get(ours_key) or {}).items()
                 if channel.startswith("rest_") and channel != "rest_paced" and isinstance(figures, dict)}
    if languages and stock_rest.get("messages_per_second"):
        report.setdefault("ratios", {})["throughput_by_language_over_stock"] = {
            language: round(figures["messages_per_second"] / stock_rest["messages_per_second"], 2)
            for language, figures in languages.items() if figures.get("messages_per_second")}
    ours_paced = (report.get(ours_key) or {}).get("rest_paced") or {}
    stock_paced = report["stock_rasa"].get("rest_paced") or {}
    if ours_paced.get("p95_ms") and stock_paced.get("p95_ms"):
        report.setdefault("ratios", {})["paced_p95_ours_over_stock"] = round(
            ours_paced["p95_ms"] / stock_paced["p95_ms"], 2)


def write_report(report: Dict[str, Any], out: Path) -> Path:
    """bench/results/load-<UTC time>.json (or under `out`); returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2))
    return path


def print_summary(report: Dict[str, Any], ours_key: str, path: Path) -> None:
    """Training time and ratios, the figures side by side, and where the file is."""
    print(json.dumps({k: report.get(k) for k in ("training_seconds", "ratios")}, indent=2))
    _print_table(report, ours_key)
    print(f"written to {path}")


def _print_table(report: Dict[str, Any], ours_key: str) -> None:
    """The figures side by side, for people."""
    rows = []
    for who, key in (("ours", ours_key), ("stock", "stock_rasa")):
        for channel, figures in (report.get(key) or {}).items():
            if isinstance(figures, dict) and "messages_per_second" in figures:
                cpu = (figures.get("cpu_ms_per_message") or {}).get("machine")
                rows.append(f"  {who + '/' + channel:<22} {figures['messages_per_second']:>7} msg/s  p50 "
                            f"{figures['p50_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms  p99 {figures['p99_ms']:>7} ms  "
                            f"errors {figures['errors']}  lost {figures['lost_replies']}  "
                            f"out of order {figures['out_of_order_replies']}"
                            + (f"  machine CPU {cpu} ms/msg" if cpu else ""))
    print("\n".join(rows))
