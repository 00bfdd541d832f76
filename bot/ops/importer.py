"""`python -m bot import orders FILE`: the first load of the marketplace's orders (issue 16), from CSV (with a
header) or JSON lines, through the domain's CatalogService (bot.disputes.catalog).

Columns / keys: order_number, buyer_id, seller_id, seller_name, item, price, currency, status, ordered_at,
shipped_at, delivered_at, protection_ends_at; buyer_name and buyer_email (or name and email) upsert the buyer too.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

from bot.disputes.catalog import CatalogService, LoadReport, Rejected

Record = Tuple[int, Dict[str, Any]]


def read_records(path: Path) -> Tuple[List[Record], List[Rejected]]:
    """The file's records with their line numbers, and the lines that could not be read at all."""
    text = path.read_text(encoding="utf-8-sig")
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or (
        path.suffix.lower() != ".csv" and text.lstrip().startswith("{"))
    return _json_lines(text) if jsonl else _csv(text)


def _normalise(record: Dict[str, Any]) -> Dict[str, Any]:
    out = {str(k).strip(): (v.strip() if isinstance(v, str) else v) for k, v in record.items() if k is not None}
    for short, long in (("name", "buyer_name"), ("email", "buyer_email"), ("number", "order_number")):
        if short in out and long not in out:
            out[long] = out.pop(short)
    return {k: v for k, v in out.items() if v not in ("", None)}


def _csv(text: str) -> Tuple[List[Record], List[Rejected]]:
    reader = csv.DictReader(io.StringIO(text))
    records: List[Record] = []
    bad: List[Rejected] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            bad.append(Rejected(line, "", "more values than the header has columns"))
            continue
        records.append((line, _normalise(row)))
    return records, bad


def _json_lines(text: str) -> Tuple[List[Record], List[Rejected]]:
    records: List[Record] = []
    bad: List[Rejected] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            bad.append(Rejected(number, "", f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(value, dict):
            bad.append(Rejected(number, "", "not a JSON object"))
            continue
        records.append((number, _normalise(value)))
    return records, bad


def import_orders(catalog: CatalogService, path: Path, dry_run: bool) -> LoadReport:
    records, unreadable = read_records(path)
    report = catalog.load(records, dry_run=dry_run)
    report.rejected = sorted(unreadable + report.rejected, key=lambda r: r.line)
    return report
