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

One module per job: data (loading), cv (cross-validation), heldout (held-out scoring), metrics (pure functions,
scikit-learn only, unit-tested in tests/unit/test_nlu_report_metrics.py), training (Rasa, imported lazily by the
functions that train and parse), report (Markdown, JSON, summary) and cli (this command line).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from bench.nlu_report.cv import run_cv
from bench.nlu_report.data import (
    DEFAULT_CONFIG,
    DEFAULT_HELDOUT,
    DEFAULT_NLU,
    HELDOUT_ENV,
    REPO_ROOT,
    VALID_PROBLEM_CODES,
    _sha256,
    load_nlu,
)
from bench.nlu_report.heldout import run_heldout
from bench.nlu_report.metrics import _r
from bench.nlu_report.report import _git_revision, print_summary, summary_of, write_report
from bench.nlu_report.training import (
    ENCODER_COST_SAMPLE,
    _configure_rasa_logging,
    _quiet_environment,
    encoder_cost,
)

DEFAULT_OUT = "reports/nlu"


def _load_average() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


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


LANGUAGE_HELDOUT_DIR = REPO_ROOT / "tests" / "heldout"


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
        # Our own held-out chat sets per language (tests/heldout/<language>.tsv, kept out of training), parsed with
        # the same model: trained here once if the real buyer messages were not scored.
        languages: Dict[str, Any] = {}
        used_model = Path(ho["model_path"]) if ho.get("model_path") else model
        for path in sorted(LANGUAGE_HELDOUT_DIR.glob("*.tsv")):
            result = run_heldout(nlu, config, nlu_path, path, used_model, workdir)
            used_model = used_model or Path(result["model_path"])
            languages[path.stem] = result
        for result in [ho, *languages.values()]:
            result.pop("model_path", None)

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
        "heldout_languages": {language: {
            "n": r["n"], "intent_accuracy": r["intent"]["accuracy"], "intent_macro_f1": r["intent"]["macro_f1"],
            "problem_micro_f1_strict": r["problem"]["micro_f1"], "problem_micro_f1_lenient": r["problem_lenient"]["micro_f1"],
            "problem_exact_match": r["problem"]["exact_match"], "misses": r["misses"],
            "parse_cpu_ms_per_message": r.get("parse_cpu_ms_per_message")} for language, r in languages.items()},
    }
    write_report(report, out_dir)
    print_summary(report, out_dir)
    for language, r in report["heldout_languages"].items():
        print(f"  Held-out {language} ({r['n']} messages, tests/heldout): intent accuracy {r['intent_accuracy']:.3f}, "
              f"problem micro-F1 strict {r['problem_micro_f1_strict']:.3f}, lenient {r['problem_micro_f1_lenient']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
