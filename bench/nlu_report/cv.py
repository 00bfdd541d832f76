"""Cross-validation: a stratified k-fold split of the training examples by intent; each fold trains an NLU-only model
on the other folds and parses its own, and the figures pool all folds."""
from __future__ import annotations

import random
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bench.nlu_report import training
from bench.nlu_report.data import VALID_PROBLEM_CODES, gold_problems, write_fold_data
from bench.nlu_report.metrics import _r, intent_metrics, record, score_records
from bench.nlu_report.training import _per_message_ms, parse_texts, train


def split_folds(
    examples: Sequence[Any],
    k: int,
    seed: int = 42,
    label: Optional[Callable[[Any], str]] = None,
) -> List[Tuple[List[Any], List[Any]]]:
    """Stratified k-fold split: returns k ``(train, test)`` pairs; every example is in exactly one test part.

    Each label's examples are shuffled (seeded) and dealt round-robin over the folds, starting where the
    previous label stopped, so folds differ in size by at most one and each label is spread as evenly as
    possible. A label with fewer than k examples is missing from some test parts (and, with one example,
    from that fold's training part). ``label`` maps an example to its class (default: the example itself).
    """
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    if k > len(examples):
        raise ValueError(f"k={k} folds need at least {k} examples, got {len(examples)}")
    label = label or (lambda e: e)
    by_label: Dict[str, List[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        by_label[str(label(example))].append(i)
    rng = random.Random(seed)
    fold_of = [0] * len(examples)
    start = 0
    for name in sorted(by_label):
        indices = by_label[name][:]
        rng.shuffle(indices)
        for j, i in enumerate(indices):
            fold_of[i] = (start + j) % k
        start = (start + len(indices)) % k
    folds = []
    for f in range(k):
        test = [e for i, e in enumerate(examples) if fold_of[i] == f]
        train = [e for i, e in enumerate(examples) if fold_of[i] != f]
        folds.append((train, test))
    return folds


def run_cv(nlu: Dict[str, Any], config: str, folds: int, seed: int, workdir: Path) -> Dict[str, Any]:
    examples = nlu["intent_examples"]
    splits = split_folds(examples, folds, seed, label=lambda m: m.get("intent"))
    counts = Counter(m.get("intent") for m in examples)
    records: List[Dict[str, Any]] = []
    per_fold = []
    for i, (train_part, test_part) in enumerate(splits, start=1):
        fold_dir = workdir / f"fold{i}"
        data_file = fold_dir / "data" / "nlu.yml"
        write_fold_data(nlu, train_part, data_file)
        print(f"[nlu-report] CV fold {i}/{folds}: training on {len(train_part)} examples", flush=True)
        model, train_seconds = train(config, data_file, fold_dir / "models", f"fold{i}")
        texts = [m.get("text") for m in test_part]
        parsed, load_seconds, parse_seconds, _ = parse_texts(model, texts)
        fold_records = [
            record(m.get("text"), m.get("intent"), gold_problems(m, nlu["gold_value_map"]), p)
            for m, p in zip(test_part, parsed)
        ]
        records += fold_records
        trained_intents = {m.get("intent") for m in train_part}
        fold_intent = intent_metrics([r["gold_intent"] for r in fold_records], [r["pred_intent"] for r in fold_records])
        per_fold.append({
            "fold": i, "n_train": len(train_part), "n_test": len(test_part),
            "train_seconds": _r(train_seconds, 2), "load_seconds": _r(load_seconds, 2),
            "parse_seconds": _r(parse_seconds, 3),
            "parse_ms_per_message": _r(1000 * parse_seconds / len(texts), 2) if texts else None,
            "parse_cpu_ms_per_message": _per_message_ms(training.LAST_PARSE_CPU_SECONDS, len(texts)),
            "intent_accuracy": fold_intent["accuracy"], "intent_macro_f1": fold_intent["macro_f1"],
            "gold_intents_unknown_to_model": sorted({m.get("intent") for m in test_part} - trained_intents),
        })
        shutil.rmtree(fold_dir / "models", ignore_errors=True)  # keeps the temp dir small
    gold_codes = Counter(c for r in records for c in r["gold_problems"])
    result = {
        "folds": folds, "seed": seed, "n_examples": len(examples),
        "per_fold": per_fold,
        "intents_with_fewer_examples_than_folds": {k: v for k, v in sorted(counts.items()) if v < folds},
        "invalid_gold_codes": {c: n for c, n in sorted(gold_codes.items()) if c not in VALID_PROBLEM_CODES},
        "train_seconds_total": _r(sum(f["train_seconds"] for f in per_fold), 2),
        **score_records(records),
    }
    return result
