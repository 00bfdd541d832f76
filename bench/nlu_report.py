"""NLU benchmark report: cross-validation on data/nlu.yml and the held-out real buyer messages.

    python -m bench.nlu_report [--folds 5] [--out reports/nlu] [--heldout PATH|none] [--model PATH]

1. Stratified k-fold cross-validation (by intent) of ``config.yml`` on ``data/nlu.yml``: each fold trains an
   NLU-only model on the other folds (synonym, regex and lookup-table blocks go into every fold) and parses
   the held-out fold with ``Agent.parse_message``.
2. The held-out TEST set (``../shared/evals/real_buyer_messages.tsv`` next to the repository, or ``$HELDOUT_TSV``)
   parsed by a model trained on all of ``data/nlu.yml`` (or by ``--model``). Its texts are never written to
   a training file; only the report lists the misses.
3. Writes ``<out>/nlu-report.md`` and ``<out>/nlu-report.json`` and prints a short summary. Low figures never
   make it fail: it exits non-zero only on real errors (missing files, malformed data, training failures).

The metric functions at the top are pure (scikit-learn only) and unit-tested in
tests/unit/test_nlu_report_metrics.py; Rasa (and TensorFlow) is imported lazily by the functions that
train and parse.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NLU = "data/nlu.yml"
DEFAULT_CONFIG = "config.yml"
DEFAULT_OUT = "reports/nlu"
DEFAULT_HELDOUT = REPO_ROOT.parent / "shared" / "evals" / "real_buyer_messages.tsv"
HELDOUT_ENV = "HELDOUT_TSV"

PROBLEM_ENTITY = "problem"
FALLBACK_INTENT = "nlu_fallback"
NO_INTENT = "<none>"  # what a parse without any intent is counted as
# The fourteen problem codes of shared/DESIGN.md (bot.disputes.problems.ProblemCode; a unit test keeps them equal).
VALID_PROBLEM_CODES = frozenset({
    "not_received", "brand_mismatch", "model_mismatch", "size_mismatch", "color_mismatch",
    "material_mismatch", "weight_mismatch", "no_packaging", "not_working", "rusted_faded",
    "damaged", "wrong_item", "missing_parts", "counterfeit",
})
# The held-out set's README: no per-class scores for problem codes with fewer examples than this.
HELDOUT_MIN_SUPPORT = 8
MISS_TEXT_CHARS = 120
MD_MAX_MISSES = 250  # per table in the Markdown; the JSON always holds all of them
MD_MAX_INVALID = 60
MD_MAX_CONFUSIONS = 20
NO_PROBLEM = "none"  # the other side of a problem-code confusion where one set has nothing
ENCODER_COMPONENT = "bot.rasa.nlu.sentence_encoder.SentenceEncoderFeaturizer"
ENCODER_COST_SAMPLE = 300  # training texts the encoder is timed on

log = logging.getLogger("bench.nlu_report")


# --------------------------------------------------------------------------------------------------
# Pure functions (no Rasa): reading the test set, splitting, metrics
# --------------------------------------------------------------------------------------------------

def problem_set(problem_type: Optional[str]) -> Set[str]:
    """The gold problem set of a held-out row: ``{code}``, or empty for ``none``/blank."""
    value = (problem_type or "").strip()
    return set() if value.lower() in ("", "none") else {value}


def read_heldout(path: os.PathLike | str) -> List[Dict[str, Any]]:
    """Reads the held-out TSV (tab separated, no quote handling: texts may contain ``"``).

    Returns one dict per row with ``text, intent, problem_type, source_url`` and ``problems`` (a set).
    Raises ValueError on a missing column, a row with the wrong number of fields, or an empty text/intent.
    """
    rows: List[Dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file")
        header = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in ("text", "intent", "problem_type") if c not in header]
        if missing:
            raise ValueError(f"{path}: header lacks column(s) {', '.join(missing)}; got {header}")
        col = {name: i for i, name in enumerate(header)}
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise ValueError(f"{path}:{line}: {len(fields)} fields, expected {len(header)}")
            row = {name: fields[i] for name, i in col.items()}
            row["text"] = row["text"].strip()
            row["intent"] = row["intent"].strip()
            row["problem_type"] = row["problem_type"].strip()
            if not row["text"] or not row["intent"]:
                raise ValueError(f"{path}:{line}: empty text or intent")
            row.setdefault("source_url", "")
            row["problems"] = problem_set(row["problem_type"])
            rows.append(row)
    return rows


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


def _r(x: Optional[float], digits: int = 4) -> Optional[float]:
    return None if x is None else round(float(x), digits)


def intent_metrics(gold: Sequence[str], pred: Sequence[str]) -> Dict[str, Any]:
    """Per-intent precision/recall/F1/support over the intents present in ``gold``, their macro average,
    and accuracy. Predicted labels that are not gold labels (``nlu_fallback``, intents absent from the gold
    set) lower the recall of the gold intent and are counted in ``predicted_outside_gold``."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    gold, pred = [str(g) for g in gold], [str(p) for p in pred]
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    labels = sorted(set(gold))
    result: Dict[str, Any] = {
        "n": len(gold), "accuracy": None, "macro_precision": None, "macro_recall": None, "macro_f1": None,
        "per_intent": {}, "predicted_outside_gold": {},
    }
    if not gold:
        return result
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, average=None, zero_division=0
    )
    result["per_intent"] = {
        name: {"precision": _r(p), "recall": _r(r), "f1": _r(f), "support": int(s)}
        for name, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    result["accuracy"] = _r(accuracy_score(gold, pred))
    result["macro_precision"] = _r(sum(precision) / len(labels))
    result["macro_recall"] = _r(sum(recall) / len(labels))
    result["macro_f1"] = _r(sum(f1) / len(labels))
    outside = Counter(p for p in pred if p not in set(labels))
    result["predicted_outside_gold"] = dict(sorted(outside.items(), key=lambda kv: (-kv[1], kv[0])))
    return result


def confusion_pairs(gold: Sequence[str], pred: Sequence[str], top: Optional[int] = None) -> List[Dict[str, Any]]:
    """Off-diagonal cells of the confusion matrix as ``{"gold", "predicted", "count"}``, most frequent first
    (ties by gold, then predicted name)."""
    from sklearn.metrics import confusion_matrix

    gold, pred = [str(g) for g in gold], [str(p) for p in pred]
    if not gold:
        return []
    labels = sorted(set(gold) | set(pred))
    matrix = confusion_matrix(gold, pred, labels=labels)
    pairs = [
        {"gold": labels[i], "predicted": labels[j], "count": int(matrix[i][j])}
        for i in range(len(labels)) for j in range(len(labels))
        if i != j and matrix[i][j] > 0
    ]
    pairs.sort(key=lambda p: (-p["count"], p["gold"], p["predicted"]))
    return pairs[:top] if top is not None else pairs


def problem_metrics(
    gold_sets: Sequence[Iterable[str]],
    pred_sets: Sequence[Iterable[str]],
    lenient: bool = False,
    min_support: int = 0,
) -> Dict[str, Any]:
    """Message-level problem-code scores.

    Strict: per code, a true positive for each message whose gold and predicted sets both hold it, a false
    positive for each message that predicts it without it being gold, a false negative for each message with
    it gold but not predicted. Micro-averaged P/R/F1 pool these counts over all codes.

    Lenient (for the held-out set, whose gold keeps one code even when a message names two): in a message
    with a gold code, predicted codes outside the gold set are not counted as false positives; a message
    whose gold is empty still counts every predicted code as a false positive.

    Codes with gold support < ``min_support`` get no per-code scores (listed in ``too_few_examples``); they
    still count in the micro average. ``exact_match`` is the share of messages whose (lenient-adjusted)
    predicted set equals the gold set.
    """
    from sklearn.metrics import multilabel_confusion_matrix, precision_recall_fscore_support
    from sklearn.preprocessing import MultiLabelBinarizer

    gold = [set(map(str, g)) for g in gold_sets]
    pred = [set(map(str, p)) for p in pred_sets]
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sets but {len(pred)} predicted sets")
    if lenient:
        pred = [p & g if g else p for g, p in zip(gold, pred)]
    codes = sorted(set().union(*gold, *pred)) if gold else []
    result: Dict[str, Any] = {
        "lenient": lenient, "n_messages": len(gold),
        "n_messages_with_gold": sum(1 for g in gold if g),
        "n_messages_with_prediction": sum(1 for p in pred if p),
        "exact_match": _r(sum(1 for g, p in zip(gold, pred) if g == p) / len(gold)) if gold else None,
        "tp": 0, "fp": 0, "fn": 0,
        "micro_precision": None, "micro_recall": None, "micro_f1": None,
        "per_code": {}, "too_few_examples": {}, "min_support": min_support,
    }
    if not codes:
        return result  # nothing gold, nothing predicted: scores are undefined
    binarizer = MultiLabelBinarizer(classes=codes)
    y_true = binarizer.fit_transform(gold)
    y_pred = binarizer.transform(pred)
    cells = multilabel_confusion_matrix(y_true, y_pred)  # per code [[tn, fp], [fn, tp]]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0
    )
    micro_p, micro_r, micro_f, _ = precision_recall_fscore_support(
        y_true, y_pred, average="micro", zero_division=0
    )
    for i, code in enumerate(codes):
        tp, fp, fn = int(cells[i][1][1]), int(cells[i][0][1]), int(cells[i][1][0])
        result["tp"] += tp
        result["fp"] += fp
        result["fn"] += fn
        counts = {"support": int(support[i]), "tp": tp, "fp": fp, "fn": fn}
        if support[i] < min_support or support[i] == 0:
            result["too_few_examples"][code] = counts
        else:
            result["per_code"][code] = {
                "precision": _r(precision[i]), "recall": _r(recall[i]), "f1": _r(f1[i]), **counts
            }
    result["micro_precision"] = _r(micro_p)
    result["micro_recall"] = _r(micro_r)
    result["micro_f1"] = _r(micro_f)
    return result


def invalid_codes(pred_sets: Sequence[Iterable[str]], valid: Iterable[str] = VALID_PROBLEM_CODES) -> Dict[str, Any]:
    """Predicted ``problem`` values that are not valid codes (a synonym-mapping gap): how many message-level
    occurrences, and each value with its count."""
    valid = set(valid)
    counts = Counter(code for p in pred_sets for code in set(p) if code not in valid)
    return {"count": sum(counts.values()),
            "values": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}


def normalise_text(text: str) -> str:
    return " ".join(text.lower().split())


def overlap(texts: Iterable[str], training_texts: Iterable[str]) -> List[str]:
    """Texts that also occur in the training texts (case- and whitespace-insensitive)."""
    known = {normalise_text(t) for t in training_texts}
    return [t for t in texts if normalise_text(t) in known]


def truncate(text: str, limit: int = MISS_TEXT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def intent_misses(records: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [
        {"text": truncate(r["text"]), "gold": r["gold_intent"], "predicted": r["pred_intent"],
         "confidence": r.get("confidence")}
        for r in records if r["gold_intent"] != r["pred_intent"]
    ]


def problem_confusions(gold_sets: Sequence[Iterable[str]], pred_sets: Sequence[Iterable[str]],
                        top: Optional[int] = None) -> List[Dict[str, Any]]:
    """What each wrong problem set was mistaken for, as ``{"gold", "predicted", "count"}``, most frequent first.

    In a message whose sets differ, every gold code the model missed is paired with every code it predicted
    instead; a missed code with nothing predicted instead pairs with ``none``, and so does a code predicted
    where the gold set has nothing missing (``none`` -> code)."""
    pairs: Counter = Counter()
    for gold, pred in zip(gold_sets, pred_sets):
        missed, extra = sorted(set(gold) - set(pred)), sorted(set(pred) - set(gold))
        if not missed and not extra:
            continue
        for g in missed or [NO_PROBLEM]:
            for p in extra or [NO_PROBLEM]:
                pairs[(g, p)] += 1
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    result = [{"gold": g, "predicted": p, "count": n} for (g, p), n in ranked]
    return result[:top] if top is not None else result


def problem_misses(records: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [
        {"text": truncate(r["text"]), "gold": sorted(r["gold_problems"]), "predicted": sorted(r["pred_problems"])}
        for r in records if set(r["gold_problems"]) != set(r["pred_problems"])
    ]


def score_records(
    records: Sequence[Dict[str, Any]], min_support: int = 0, with_lenient: bool = False
) -> Dict[str, Any]:
    """All figures for one set of parsed messages (pooled CV folds, or the held-out set)."""
    gold = [r["gold_intent"] for r in records]
    pred = [r["pred_intent"] for r in records]
    no_fallback = [r["pred_intent_no_fallback"] for r in records]
    gold_sets = [r["gold_problems"] for r in records]
    pred_sets = [r["pred_problems"] for r in records]
    scores = {
        "n": len(records),
        "intent": intent_metrics(gold, pred),
        "intent_confusions": confusion_pairs(gold, pred),
        "fallback_count": sum(1 for p in pred if p == FALLBACK_INTENT),
        "intent_ignoring_fallback": {
            k: v for k, v in intent_metrics(gold, no_fallback).items() if k in ("n", "accuracy", "macro_f1")
        },
        "problem": problem_metrics(gold_sets, pred_sets, lenient=False, min_support=min_support),
        "problem_confusions": problem_confusions(gold_sets, pred_sets),
        "invalid_predicted_codes": invalid_codes(pred_sets),
        "misses": {"intent": intent_misses(records), "problem": problem_misses(records)},
    }
    if with_lenient:
        scores["problem_lenient"] = problem_metrics(gold_sets, pred_sets, lenient=True, min_support=min_support)
    return scores


# --------------------------------------------------------------------------------------------------
# Rasa: loading the data, training, parsing (imported lazily)
# --------------------------------------------------------------------------------------------------

def _quiet_environment(cache_dir: Path) -> None:
    """Before rasa is imported: less TensorFlow noise, no telemetry, a throw-away training cache (so the
    timings are real training times and the project's .rasa/cache does not grow with fold models)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("RASA_CACHE_DIRECTORY", str(cache_dir))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    _ignore_deprecations()


def _ignore_deprecations() -> None:
    """Library deprecation chatter (pyparsing, click, SQLAlchemy, random) says nothing about the NLU."""
    import warnings

    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)


def _configure_rasa_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    import rasa.core.agent  # noqa: F401  (importing these sets warning filters of their own,
    import rasa.model_training  # noqa: F401  so they go first and ours are put in front afterwards)
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(level)
    configure_structlog(level)
    if not verbose:
        _ignore_deprecations()  # rasa and its libraries put their own filters in front
    for name in ("tensorflow", "absl", "matplotlib", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _nlu_files(nlu_path: Path) -> List[Path]:
    if nlu_path.is_dir():
        return sorted(p for p in nlu_path.rglob("*") if p.suffix in (".yml", ".yaml"))
    return [nlu_path]


def load_nlu(nlu_path: Path) -> Dict[str, Any]:
    """The training data, split into what is cross-validated and what every fold keeps.

    ``synonyms``, ``regex_features`` and ``lookup_tables`` come only from the explicit ``synonym:``,
    ``regex:`` and ``lookup:`` blocks: synonyms that rasa derives from inline annotations
    (``[smashed](problem:damaged)``) are left out, or a test-fold example's annotation would leak into its
    training fold. The fold's own training examples bring theirs back when rasa reads the fold's file.
    """
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.utils.io import dump_obj_as_yaml_to_string, read_yaml_file

    full = load_data(str(nlu_path))
    blocks: List[Dict[str, Any]] = []
    for path in _nlu_files(nlu_path):
        content = read_yaml_file(str(path)) or {}
        if isinstance(content, dict):
            blocks += [item for item in content.get("nlu") or [] if isinstance(item, dict) and "intent" not in item]
    shared = RasaYAMLReader().reads(dump_obj_as_yaml_to_string({"version": "3.1", "nlu": blocks})) if blocks else None
    intent_examples = [m for m in full.training_examples if m.get("intent")]
    return {
        "full": full,
        "intent_examples": intent_examples,
        "other_examples": [m for m in full.training_examples if not m.get("intent")],
        "synonyms": dict(shared.entity_synonyms) if shared else {},
        "regex_features": list(shared.regex_features) if shared else [],
        "lookup_tables": list(shared.lookup_tables) if shared else [],
        # every synonym (explicit and inline) maps gold entity values the way EntitySynonymMapper maps predictions
        "gold_value_map": {str(k).lower(): str(v) for k, v in full.entity_synonyms.items()},
    }


def gold_problems(message: Any, value_map: Dict[str, str]) -> Set[str]:
    """A training example's problem codes: its annotations (synonyms mapped) and a `problem` in its metadata
    (examples reviewed from live conversations, `python -m bot nlu-export`)."""
    values = set()
    for entity in message.get("entities") or []:
        if entity.get("entity") == PROBLEM_ENTITY:
            value = str(entity.get("value"))
            values.add(value_map.get(value.lower(), value))
    from bot.rasa.nlu.problem_classifier import declared_problem_codes

    return values | declared_problem_codes(message)


def write_fold_data(nlu: Dict[str, Any], examples: List[Any], path: Path) -> None:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData(
        training_examples=list(examples) + list(nlu["other_examples"]),
        entity_synonyms=dict(nlu["synonyms"]),
        regex_features=list(nlu["regex_features"]),
        lookup_tables=list(nlu["lookup_tables"]),
        responses=dict(nlu["full"].responses or {}),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data.nlu_as_yaml(), encoding="utf-8")


def train(config: str, nlu_file: Path, out_dir: Path, name: str) -> Tuple[str, float]:
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(config, str(nlu_file), str(out_dir), fixed_model_name=name)
    seconds = time.perf_counter() - started
    if not model or not Path(model).exists():
        raise RuntimeError(f"training on {nlu_file} produced no model (see rasa's messages above)")
    return str(model), seconds


def parse_texts(model_path: str, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], float, float, Optional[Set[str]]]:
    """Loads the model and parses each text with ``Agent.parse_message``, one at a time as Rasa serves them.

    Returns the parse dicts, load seconds, parse seconds, and the intents the model's domain lists (None
    when it lists none, as for NLU-only models). The CPU seconds of the parsing (all of this process's
    threads) are in ``LAST_PARSE_CPU_SECONDS``."""
    global LAST_PARSE_CPU_SECONDS
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model_path)
    load_seconds = time.perf_counter() - started

    async def run() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = asyncio.run(run())
    parse_seconds = time.perf_counter() - started
    LAST_PARSE_CPU_SECONDS = time.process_time() - cpu_started
    domain_intents = set(agent.domain.intents) if agent.domain and agent.domain.intents else None
    return parsed, load_seconds, parse_seconds, domain_intents


LAST_PARSE_CPU_SECONDS = 0.0


def _per_message_ms(seconds: float, n: int) -> Optional[float]:
    return _r(1000 * seconds / n, 2) if n else None


def encoder_cost(texts: Sequence[str], config: str) -> Dict[str, Any]:
    """What the pipeline's sentence encoder costs on its own: memory to load it, CPU per message one at a time
    (as Rasa parses) and per message in a batch (as training featurizes). Empty when config.yml has no encoder."""
    from rasa.shared.utils.io import read_config_file

    names = [step.get("name") for step in read_config_file(config).get("pipeline") or []]
    if ENCODER_COMPONENT not in names:
        return {"skipped": "no sentence encoder in the pipeline"}
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa.nlu.sentence_encoder import SentenceEncoderFeaturizer

    rss_before = _rss_mb()
    started = time.perf_counter()
    featurizer = SentenceEncoderFeaturizer({}, "cost")
    featurizer.process([Message(data={"text": "warm up"})])
    load_seconds = time.perf_counter() - started
    rss_after = _rss_mb()
    featurizer.encoder.forget_recent()  # times the encoder, not its memory of recent texts
    cpu_started = time.process_time()
    for text in texts:
        featurizer.process([Message(data={"text": text})])
    one_by_one = time.process_time() - cpu_started
    featurizer.encoder.forget_recent()
    cpu_started = time.process_time()
    featurizer.process([Message(data={"text": text}) for text in texts])
    batched = time.process_time() - cpu_started
    featurizer.encoder.forget_recent()
    return {
        "n": len(texts), "load_seconds": _r(load_seconds, 2),
        "rss_mb_added": _r(rss_after - rss_before, 1) if rss_before is not None and rss_after is not None else None,
        "cpu_ms_per_message": _per_message_ms(one_by_one, len(texts)),
        "cpu_ms_per_message_batched": _per_message_ms(batched, len(texts)),
        "mean_chars": _r(sum(len(t) for t in texts) / len(texts), 1) if texts else None,
    }


def _rss_mb() -> Optional[float]:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def record(text: str, gold_intent: str, gold_problem_set: Set[str], parsed: Dict[str, Any]) -> Dict[str, Any]:
    intent = parsed.get("intent") or {}
    name = intent.get("name") or NO_INTENT
    ranking = [r.get("name") for r in parsed.get("intent_ranking") or [] if r.get("name")]
    no_fallback = next((n for n in ranking if n != FALLBACK_INTENT), name if name != FALLBACK_INTENT else NO_INTENT)
    predicted = {
        str(e.get("value")) for e in parsed.get("entities") or []
        if e.get("entity") == PROBLEM_ENTITY and e.get("value") is not None
    }
    return {
        "text": text, "gold_intent": gold_intent, "pred_intent": name,
        "confidence": _r(intent.get("confidence"), 3), "pred_intent_no_fallback": no_fallback,
        "gold_problems": set(gold_problem_set), "pred_problems": predicted,
    }


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
            "parse_cpu_ms_per_message": _per_message_ms(LAST_PARSE_CPU_SECONDS, len(texts)),
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
        "train_seconds": _r(train_seconds, 2), "load_seconds": _r(load_seconds, 2),
        "parse_seconds": _r(parse_seconds, 3),
        "parse_ms_per_message": _r(1000 * parse_seconds / len(rows), 2) if rows else None,
        "parse_cpu_ms_per_message": _per_message_ms(LAST_PARSE_CPU_SECONDS, len(rows)),
        "gold_intent_counts": dict(gold_intents.most_common()),
        "gold_problem_counts": dict(gold_codes.most_common()),
        "gold_intents_unknown_to_model": sorted(set(gold_intents) - known) if known is not None else None,
        "invalid_gold_codes": {c: n for c, n in sorted(gold_codes.items()) if c not in VALID_PROBLEM_CODES},
        "texts_also_in_training_data": len(overlap([r["text"] for r in rows], training_texts)),
        **score_records(records, min_support=HELDOUT_MIN_SUPPORT, with_lenient=True),
    }


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------

def _sha256(path: Path) -> Optional[str]:
    """Of a file, or of every file under a directory (names and contents, in name order)."""
    path = Path(path)
    try:
        if path.is_dir():
            digest = hashlib.sha256()
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(str(item.relative_to(path)).encode() + b"\0" + item.read_bytes())
            return digest.hexdigest()
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _load_average() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _git_revision() -> Optional[str]:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return (head + ("-dirty" if dirty else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


def _fmt(x: Any) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def _cell(x: Any) -> str:
    text = ", ".join(x) if isinstance(x, (list, tuple, set)) else _fmt(x)
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def _table(headers: List[str], rows: Iterable[Sequence[Any]]) -> List[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _intent_section(scores: Dict[str, Any]) -> List[str]:
    intent = scores["intent"]
    lines = [
        f"Messages: {scores['n']}. Intent accuracy **{_fmt(intent['accuracy'])}**, "
        f"macro-F1 **{_fmt(intent['macro_f1'])}** "
        f"(macro-P {_fmt(intent['macro_precision'])}, macro-R {_fmt(intent['macro_recall'])}) over the "
        f"{len(intent['per_intent'])} intents present in the gold labels.",
        "",
        f"`{FALLBACK_INTENT}` predicted {scores['fallback_count']} times; with the fallback ignored (the classifier's "
        f"best other intent) accuracy would be {_fmt(scores['intent_ignoring_fallback']['accuracy'])}, "
        f"macro-F1 {_fmt(scores['intent_ignoring_fallback']['macro_f1'])}.",
        "",
    ]
    lines += _table(["intent", "precision", "recall", "F1", "support"],
                    [[k, v["precision"], v["recall"], v["f1"], v["support"]] for k, v in intent["per_intent"].items()])
    if intent["predicted_outside_gold"]:
        lines += ["", "Predicted labels that are not gold labels: "
                  + ", ".join(f"`{k}` {v}" for k, v in intent["predicted_outside_gold"].items())]
    lines += ["", "Top confusions (gold → predicted):", ""]
    confusions = scores["intent_confusions"][:20]
    lines += _table(["gold", "predicted", "count"], [[c["gold"], c["predicted"], c["count"]] for c in confusions]) \
        if confusions else ["none"]
    return lines


def _problem_confusions_section(scores: Dict[str, Any]) -> List[str]:
    confusions = scores.get("problem_confusions", [])[:MD_MAX_CONFUSIONS]
    lines = ["Top problem-code confusions (gold → predicted; `none` = no code):", ""]
    lines += _table(["gold", "predicted", "count"], [[c["gold"], c["predicted"], c["count"]] for c in confusions]) \
        if confusions else ["none"]
    return lines + [""]


def _cost_section(cost: Dict[str, Any]) -> List[str]:
    if cost.get("skipped"):
        return [f"Sentence encoder: {cost['skipped']}.", ""]
    return [f"Sentence encoder alone, on {cost['n']} training texts (mean {cost['mean_chars']} characters): "
            f"{cost['cpu_ms_per_message']} ms of CPU per message one at a time (as Rasa parses), "
            f"{cost['cpu_ms_per_message_batched']} ms batched (as training featurizes); loading it took "
            f"{cost['load_seconds']} s and {_fmt(cost['rss_mb_added'])} MB of memory (once per process).", ""]


def _problem_section(p: Dict[str, Any], title: str) -> List[str]:
    lines = [
        f"**{title}**: micro-P {_fmt(p['micro_precision'])}, micro-R {_fmt(p['micro_recall'])}, "
        f"micro-F1 **{_fmt(p['micro_f1'])}** (TP {p['tp']}, FP {p['fp']}, FN {p['fn']}); exact set match "
        f"{_fmt(p['exact_match'])}; {p['n_messages_with_gold']} messages with a gold code, "
        f"{p['n_messages_with_prediction']} with a predicted code.",
        "",
    ]
    if p["per_code"]:
        lines += _table(["code", "precision", "recall", "F1", "support", "TP", "FP", "FN"],
                        [[k, v["precision"], v["recall"], v["f1"], v["support"], v["tp"], v["fp"], v["fn"]]
                         for k, v in p["per_code"].items()])
        lines.append("")
    few = {k: v for k, v in p["too_few_examples"].items() if k in VALID_PROBLEM_CODES}
    invalid = len(p["too_few_examples"]) - len(few)
    if few:
        limit = f"support < {p['min_support']}" if p["min_support"] else "no gold examples"
        lines.append(f"Too few examples ({limit}), no per-code scores: "
                     + ", ".join(f"`{k}` (support {v['support']}, predicted {v['tp'] + v['fp']})"
                                 for k, v in few.items()))
        lines.append("")
    if invalid:
        lines += [f"Plus {invalid} distinct predicted values that are not valid codes (listed below; each counts "
                  "as a false positive here).", ""]
    return lines


def _misses_section(scores: Dict[str, Any]) -> List[str]:
    lines = []
    misses = scores["misses"]["intent"]
    lines += [f"Intent misses ({len(misses)}):", ""]
    lines += _table(["text", "gold", "predicted", "conf."],
                    [[m["text"], m["gold"], m["predicted"], m["confidence"]] for m in misses[:MD_MAX_MISSES]])
    if len(misses) > MD_MAX_MISSES:
        lines.append(f"… {len(misses) - MD_MAX_MISSES} more in nlu-report.json")
    misses = scores["misses"]["problem"]
    lines += ["", f"Problem misses, strict: predicted set ≠ gold set ({len(misses)}):", ""]
    lines += _table(["text", "gold", "predicted"],
                    [[m["text"], m["gold"], m["predicted"]] for m in misses[:MD_MAX_MISSES]])
    if len(misses) > MD_MAX_MISSES:
        lines.append(f"… {len(misses) - MD_MAX_MISSES} more in nlu-report.json")
    return lines


def _invalid_line(scores: Dict[str, Any]) -> List[str]:
    inv = scores["invalid_predicted_codes"]
    if not inv["count"]:
        return ["Invalid predicted problem codes: none.", ""]
    shown = list(inv["values"].items())[:MD_MAX_INVALID]
    more = len(inv["values"]) - len(shown)
    return [f"**Invalid predicted problem values** (not one of the 14 codes: a synonym-mapping gap): {inv['count']} in "
            f"{len(inv['values'])} distinct values — " + ", ".join(f"`{k}` {v}" for k, v in shown)
            + (f", … {more} more values in nlu-report.json" if more else ""), ""]


def render_markdown(report: Dict[str, Any]) -> str:
    meta = report["meta"]
    lines = [
        "# NLU benchmark report", "",
        f"Generated {meta['generated_at']} · git {meta['git'] or 'n/a'} · rasa {meta['rasa_version']} · "
        f"config `{meta['config']}` (sha256 {str(meta['config_sha256'])[:12]}) · data `{meta['nlu_data']}` "
        f"(sha256 {str(meta['nlu_sha256'])[:12]}) · total {meta['total_seconds']} s on {meta['cpu_count']} CPUs "
        f"(1-min load average {_fmt(meta['load_average_start'])} at start, {_fmt(meta['load_average_end'])} at end: "
        "other jobs on the machine stretch the timings)", "",
        "Definitions: intent figures are scikit-learn per-intent precision/recall/F1 over the intents present in "
        "the gold labels; macro-F1 is their unweighted mean; accuracy is the share of messages whose predicted "
        f"intent (as served, `{FALLBACK_INTENT}` included) equals the gold intent. Problem figures compare, per "
        "message, the gold set of problem codes with the set of `problem` entity values the model extracts "
        "(after synonym mapping): per code, TP = both sets hold it, FP = predicted only, FN = gold only; "
        "micro-F1 pools TP/FP/FN over all codes. Lenient (held-out only): in a message with a gold code, extra "
        "predicted codes are not false positives.", "",
    ]
    summary = report["summary"]
    lines += ["## Summary", ""]
    lines += _table(["figure", "value"], [[k, v] for k, v in summary.items()])
    lines.append("")
    lines += ["## Cost per parse", ""] + _cost_section(report.get("encoder_cost") or {"skipped": "not measured"})

    cv = report["cv"]
    lines += ["## Cross-validation on the training data", ""]
    if cv.get("skipped"):
        lines += [f"Skipped: {cv['skipped']}.", ""]
    else:
        lines += [f"{cv['folds']}-fold stratified by intent (seed {cv['seed']}), {cv['n_examples']} examples; "
                  "each example is predicted once by the model that did not see it; figures pool all folds.", ""]
        lines += _table(["fold", "train", "test", "train s", "load s", "parse s", "ms/msg", "CPU ms/msg", "accuracy",
                         "macro-F1", "gold intents unknown to model"],
                        [[f["fold"], f["n_train"], f["n_test"], f["train_seconds"], f["load_seconds"],
                          f["parse_seconds"], f["parse_ms_per_message"], f.get("parse_cpu_ms_per_message"),
                          f["intent_accuracy"], f["intent_macro_f1"],
                          f["gold_intents_unknown_to_model"]] for f in cv["per_fold"]])
        lines.append("")
        if cv["intents_with_fewer_examples_than_folds"]:
            lines += ["Intents with fewer examples than folds: " + ", ".join(
                f"`{k}` {v}" for k, v in cv["intents_with_fewer_examples_than_folds"].items()), ""]
        if cv["invalid_gold_codes"]:
            lines += [f"**Training data uses problem values that are not valid codes**: {cv['invalid_gold_codes']}", ""]
        lines += ["### Intent", ""] + _intent_section(cv) + [""]
        lines += ["### Problem codes", ""] + _problem_section(cv["problem"], "Strict") + _invalid_line(cv)
        lines += _problem_confusions_section(cv)
        lines += ["### Misses", ""] + _misses_section(cv) + [""]

    ho = report["heldout"]
    lines += ["## Held-out test set (real buyer messages)", ""]
    if ho.get("skipped"):
        lines += [f"Skipped: {ho['skipped']}.", ""]
    else:
        lines += [
            f"`{ho['path']}` ({ho['n']} messages), model: {ho['model']}. "
            + (f"Training {_fmt(ho['train_seconds'])} s, " if ho["train_seconds"] is not None else "")
            + f"load {ho['load_seconds']} s, parse {ho['parse_seconds']} s ({ho['parse_ms_per_message']} ms/message, "
            f"{_fmt(ho.get('parse_cpu_ms_per_message'))} ms of CPU per message). "
            "This section quotes test texts: it is a report, not training data — do not copy these texts into "
            "data/ and do not commit this file.", "",
        ]
        if ho["gold_intents_unknown_to_model"]:
            lines += ["Gold intents the model does not know (always missed): "
                      + ", ".join(f"`{i}` {ho['gold_intent_counts'][i]}"
                                  for i in ho["gold_intents_unknown_to_model"]), ""]
        if ho["texts_also_in_training_data"]:
            lines += [f"**{ho['texts_also_in_training_data']} held-out text(s) also occur verbatim in the training "
                      "data** (ignoring case and spacing): a short generic phrase can collide by chance, but a copied "
                      "test text inflates these figures and must be removed from data/.", ""]
        if ho["invalid_gold_codes"]:
            lines += [f"Held-out gold uses unknown problem codes: {ho['invalid_gold_codes']}", ""]
        lines += ["### Intent", ""] + _intent_section(ho) + [""]
        lines += ["### Problem codes", "",
                  f"Per-code figures only for codes with at least {HELDOUT_MIN_SUPPORT} gold examples (the test set's "
                  "README); all codes count in the micro averages.", ""]
        lines += _problem_section(ho["problem"], "Strict")
        lines += _problem_section(ho["problem_lenient"], "Lenient")
        lines += _invalid_line(ho)
        lines += _problem_confusions_section(ho)
        lines += ["### Misses", ""] + _misses_section(ho) + [""]
    return "\n".join(lines) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


def _mean(values: Sequence[Optional[float]]) -> Optional[float]:
    present = [v for v in values if v is not None]
    return _r(sum(present) / len(present), 2) if present else None


def summary_of(cv: Dict[str, Any], ho: Dict[str, Any]) -> Dict[str, Any]:
    cv_ok, ho_ok = not cv.get("skipped"), not ho.get("skipped")
    return {
        "cv_intent_macro_f1": cv["intent"]["macro_f1"] if cv_ok else None,
        "cv_intent_accuracy": cv["intent"]["accuracy"] if cv_ok else None,
        "cv_problem_micro_f1": cv["problem"]["micro_f1"] if cv_ok else None,
        "heldout_intent_macro_f1": ho["intent"]["macro_f1"] if ho_ok else None,
        "heldout_intent_accuracy": ho["intent"]["accuracy"] if ho_ok else None,
        "heldout_intent_macro_recall": ho["intent"]["macro_recall"] if ho_ok else None,
        "heldout_problem_micro_f1_strict": ho["problem"]["micro_f1"] if ho_ok else None,
        "heldout_problem_micro_f1_lenient": ho["problem_lenient"]["micro_f1"] if ho_ok else None,
        "heldout_problem_exact_match": ho["problem"]["exact_match"] if ho_ok else None,
        "cv_parse_cpu_ms_per_message": _mean([f.get("parse_cpu_ms_per_message") for f in cv["per_fold"]])
        if cv_ok else None,
        "heldout_parse_cpu_ms_per_message": ho.get("parse_cpu_ms_per_message") if ho_ok else None,
        "invalid_predicted_codes": (cv["invalid_predicted_codes"]["count"] if cv_ok else 0)
        + (ho["invalid_predicted_codes"]["count"] if ho_ok else 0),
    }


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 skips CV; default 5)")
    parser.add_argument("--out", default=None, help=f"output directory (default {DEFAULT_OUT} in the repository)")
    parser.add_argument("--heldout", default=None,
                        help=f"held-out TSV, or 'none' to skip (default ${HELDOUT_ENV}, else {DEFAULT_HELDOUT})")
    parser.add_argument("--model", default=None, help="parse the held-out set with this model instead of training one")
    parser.add_argument("--config", default=None, help=f"Rasa config (default {DEFAULT_CONFIG} in the repository)")
    parser.add_argument("--nlu", default=None, help=f"NLU training data (default {DEFAULT_NLU} in the repository)")
    parser.add_argument("--seed", type=int, default=42, help="fold assignment seed (default 42)")
    parser.add_argument("--verbose", action="store_true", help="show rasa's INFO logs")
    return parser


def _resolve(path: str, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.folds < 0 or args.folds == 1:
        print("error: --folds must be 0 (skip) or at least 2", file=sys.stderr)
        return 2
    started = time.perf_counter()
    load_at_start = _load_average()
    invoked_from = Path.cwd()
    # Paths given on the command line are relative to where it runs; the defaults to the repository.
    out_dir = _resolve(args.out, invoked_from) if args.out else REPO_ROOT / DEFAULT_OUT
    model = _resolve(args.model, invoked_from) if args.model else None
    config_path = _resolve(args.config, invoked_from) if args.config else REPO_ROOT / DEFAULT_CONFIG
    nlu_path = _resolve(args.nlu, invoked_from) if args.nlu else REPO_ROOT / DEFAULT_NLU

    heldout: Optional[Path]
    heldout_note = None
    if args.heldout is not None and args.heldout.lower() == "none":
        heldout, heldout_note = None, "--heldout none"
    elif args.heldout is not None or os.environ.get(HELDOUT_ENV):
        heldout = _resolve(args.heldout or os.environ[HELDOUT_ENV], invoked_from)
        if not heldout.is_file():
            print(f"error: held-out file {heldout} not found", file=sys.stderr)
            return 1
    elif DEFAULT_HELDOUT.is_file():
        heldout = DEFAULT_HELDOUT
    else:
        heldout = None
        heldout_note = f"default held-out file {DEFAULT_HELDOUT} not found (set {HELDOUT_ENV} or --heldout)"
        print(f"[nlu-report] warning: {heldout_note}; skipping the held-out part", file=sys.stderr)
    needs_training = bool(args.folds) or (heldout is not None and model is None)
    for label, path in (("config", config_path), ("NLU data", nlu_path)):
        if needs_training and not path.exists():
            print(f"error: {label} {path} not found", file=sys.stderr)
            return 1
    if model is not None and not model.is_file():
        print(f"error: model {model} not found", file=sys.stderr)
        return 1

    # Rasa resolves relative paths in config.yml (e.g. a spaCy model directory) against the working directory.
    os.chdir(REPO_ROOT)
    with tempfile.TemporaryDirectory(prefix="nlu-report-") as tmp:
        workdir = Path(tmp)
        _quiet_environment(workdir / "rasa-cache")
        print("[nlu-report] loading rasa …", flush=True)
        import rasa

        _configure_rasa_logging(args.verbose)
        config = str(config_path)
        nlu = load_nlu(nlu_path) if nlu_path.exists() and (needs_training or heldout) else None
        sample = [m.get("text") for m in (nlu["intent_examples"] if nlu else [])][:ENCODER_COST_SAMPLE]
        cost = encoder_cost(sample, config) if sample else {"skipped": "no training texts to time it on"}
        if args.folds:
            cv = run_cv(nlu, config, args.folds, args.seed, workdir / "cv")
        else:
            cv = {"skipped": "--folds 0"}
        if heldout:
            ho = run_heldout(nlu, config, nlu_path, heldout, model, workdir)
        else:
            ho = {"skipped": heldout_note}

    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(REPO_ROOT))
        except ValueError:
            return str(p)

    report = {
        "meta": {
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "git": _git_revision(), "rasa_version": rasa.__version__,
            "config": rel(config_path), "config_sha256": _sha256(config_path),
            "nlu_data": rel(nlu_path), "nlu_sha256": _sha256(nlu_path),
            "valid_problem_codes": sorted(VALID_PROBLEM_CODES),
            "total_seconds": _r(time.perf_counter() - started, 1),
            "cpu_count": os.cpu_count(), "load_average_start": load_at_start, "load_average_end": _load_average(),
        },
        "summary": summary_of(cv, ho),
        "encoder_cost": cost,
        "cv": cv,
        "heldout": ho,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "nlu-report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8")
    (out_dir / "nlu-report.md").write_text(render_markdown(report), encoding="utf-8")

    s = report["summary"]
    print()
    print(f"NLU report written to {out_dir}/nlu-report.md and nlu-report.json ({report['meta']['total_seconds']} s)")
    if cv.get("skipped"):
        print(f"  CV: skipped ({cv['skipped']})")
    else:
        print(f"  CV ({cv['folds']} folds, {cv['n_examples']} examples): "
              f"intent macro-F1 {_fmt(s['cv_intent_macro_f1'])}, "
              f"problem micro-F1 {_fmt(s['cv_problem_micro_f1'])}")
    if ho.get("skipped"):
        print(f"  Held-out: skipped ({ho['skipped']})")
    else:
        print(f"  Held-out ({ho['n']} messages): intent macro-F1 {_fmt(s['heldout_intent_macro_f1'])}, "
              f"accuracy {_fmt(s['heldout_intent_accuracy'])}; problem micro-F1 strict "
              f"{_fmt(s['heldout_problem_micro_f1_strict'])}, lenient {_fmt(s['heldout_problem_micro_f1_lenient'])}")
    if s["invalid_predicted_codes"]:
        print(f"  {s['invalid_predicted_codes']} predicted problem values are not valid codes (see the report)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
