"""Held-out scoring: the real buyer messages parsed by a model trained on all of the training data (or a given
model), scored strictly and leniently. Their texts are never written to a training file."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Dict, Optional, Set

from bench.nlu_report import training
from bench.nlu_report.data import VALID_PROBLEM_CODES, _sha256, read_heldout
from bench.nlu_report.metrics import _r, overlap, record, score_records
from bench.nlu_report.training import _per_message_ms, parse_texts, train

# The held-out set's README: no per-class scores for problem codes with fewer examples than this.
HELDOUT_MIN_SUPPORT = 8


def run_heldout(
    nlu: Optional[Dict[str, Any]], config: str, nlu_path: Path, heldout: Path, model: Optional[Path], workdir: Path
) -> Dict[str, Any]:
    rows = read_heldout(heldout)
    train_seconds = None
    trained_intents: Optional[Set[str]] = None
    if model is None:
        print(f"[nlu-report] held-out: training on all of {nlu_path}", flush=True)
        model_path, train_seconds = train(config, nlu_path, workdir / "full", "full")
        trained_intents = {m.get("intent") for m in nlu["intent_examples"]} if nlu else None
    else:
        model_path = str(model)
    print(f"[nlu-report] held-out: parsing {len(rows)} messages", flush=True)
    parsed, load_seconds, parse_seconds, domain_intents = parse_texts(model_path, [r["text"] for r in rows])
    records = [record(r["text"], r["intent"], r["problems"], p) for r, p in zip(rows, parsed)]
    known = trained_intents if trained_intents is not None else domain_intents
    gold_intents = Counter(r["intent"] for r in rows)
    gold_codes = Counter(c for r in rows for c in r["problems"])
    training_texts = [m.get("text") for m in nlu["full"].training_examples] if nlu else []
    return {
        "path": str(heldout), "sha256": _sha256(heldout), "model": model_path if model else "trained on all data",
        "model_path": model_path,  # for the other held-out sets, parsed with the same model (not in the report)
        "train_seconds": _r(train_seconds, 2), "load_seconds": _r(load_seconds, 2),
        "parse_seconds": _r(parse_seconds, 3),
        "parse_ms_per_message": _r(1000 * parse_seconds / len(rows), 2) if rows else None,
        "parse_cpu_ms_per_message": _per_message_ms(training.LAST_PARSE_CPU_SECONDS, len(rows)),
        "gold_intent_counts": dict(gold_intents.most_common()),
        "gold_problem_counts": dict(gold_codes.most_common()),
        "gold_intents_unknown_to_model": sorted(set(gold_intents) - known) if known is not None else None,
        "invalid_gold_codes": {c: n for c, n in sorted(gold_codes.items()) if c not in VALID_PROBLEM_CODES},
        "texts_also_in_training_data": len(overlap([r["text"] for r in rows], training_texts)),
        **score_records(records, min_support=HELDOUT_MIN_SUPPORT, with_lenient=True),
    }
