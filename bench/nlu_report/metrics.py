"""Metrics, pure functions (scikit-learn only, no Rasa): intent precision/recall/F1 and confusions, message-level
problem-code scores (strict and lenient), invalid codes, misses, and a parse turned into a scored record.
Unit-tested in tests/unit/test_nlu_report_metrics.py."""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

from bench.nlu_report.data import PROBLEM_ENTITY, VALID_PROBLEM_CODES

FALLBACK_INTENT = "nlu_fallback"
NO_INTENT = "<none>"  # what a parse without any intent is counted as
MISS_TEXT_CHARS = 120
NO_PROBLEM = "none"  # the other side of a problem-code confusion where one set has nothing


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
