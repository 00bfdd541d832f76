"""Report writing: the summary figures, the Markdown report (tables, sections per part) and the JSON file, and the
short summary printed at the end."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from bench.nlu_report.data import REPO_ROOT, VALID_PROBLEM_CODES
from bench.nlu_report.heldout import HELDOUT_MIN_SUPPORT
from bench.nlu_report.metrics import FALLBACK_INTENT, _r

MD_MAX_MISSES = 250  # per table in the Markdown; the JSON always holds all of them
MD_MAX_INVALID = 60
MD_MAX_CONFUSIONS = 20


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


def write_report(report: Dict[str, Any], out_dir: Path) -> None:
    """<out>/nlu-report.json (everything) and <out>/nlu-report.md (for people)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "nlu-report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8")
    (out_dir / "nlu-report.md").write_text(render_markdown(report), encoding="utf-8")


def print_summary(report: Dict[str, Any], out_dir: Path) -> None:
    """The headline figures on the terminal."""
    s, cv, ho = report["summary"], report["cv"], report["heldout"]
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
