"""`python -m bench.problem_cues_coverage [--cues-from REV]`: how well the problem-code cue lexicon
(bot.nlu.problem_cues) covers the TRAINING examples (data/nlu.yml), per language section and per code.

- recall: of the intent examples annotated with a code (`problem` entity), the share where a cue of that code fires;
- false fires: of the intent examples NOT annotated with the code, the share where a cue of that code fires.

Only data/nlu.yml is read (the held-out sets in tests/heldout and ../shared/evals are never opened). With
`--cues-from REV` the lexicon is taken from bot/nlu/problem_cues.py at that git revision (e.g. HEAD, for a
before/after comparison); with `--baseline REV` the figures of that revision's lexicon are stored beside
the current ones (and printed as before -> after). Figures go to bench/results/problem-cues-<time>.json, a
table to stdout.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import types
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {"Spanish": "es", "Brazilian Portuguese": "pt", "French": "fr", "Russian": "ru"}
_SECTION = re.compile(r"^# ---- (Spanish|Brazilian Portuguese|French|Russian)\b")
_PROBLEM = re.compile(r'\[([^\]]*)\]\{"entity":\s*"problem",\s*"value":\s*"([a-z_]+)"[^}]*\}')
_ANNOTATION = re.compile(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)")

Example = Tuple[str, frozenset]


def training_examples(path: Path = ROOT / "data" / "nlu.yml") -> Dict[str, List[Example]]:
    """Intent examples by language section: (plain text, the codes of its `problem` annotations)."""
    sets: Dict[str, List[Example]] = {"en": []}
    language, in_intent = "en", False
    for line in path.read_text(encoding="utf-8").splitlines():
        section = _SECTION.match(line)
        if section:
            language = SECTIONS[section.group(1)]
            sets.setdefault(language, [])
            continue
        header = re.match(r"^- (\w+):", line)
        if header:
            in_intent = header.group(1) == "intent"
            continue
        example = re.match(r"^\s{4}- (.*)$", line)
        if example and in_intent:
            raw = example.group(1)
            codes = frozenset(m.group(2) for m in _PROBLEM.finditer(raw))
            sets[language].append((_ANNOTATION.sub(lambda m: m.group(1) or m.group(2), raw), codes))
    return sets


def cue_codes_from(revision: Optional[str]) -> Tuple[Callable[[str], List[str]], List[str]]:
    if revision is None:
        from bot.nlu import problem_cues as module
    else:
        source = subprocess.run(["git", "show", f"{revision}:bot/nlu/problem_cues.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        module = types.ModuleType(f"problem_cues_at_{revision}")
        exec(compile(source, f"problem_cues@{revision}", "exec"), module.__dict__)  # noqa: S102 - our own file
    return module.cue_codes, list(module.CUES)


def measure(examples: List[Example], cue_codes: Callable[[str], List[str]], codes: List[str]) -> Dict:
    fired = [set(cue_codes(text)) for text, _ in examples]
    per_code = {}
    for code in codes:
        positives = [i for i, (_, labels) in enumerate(examples) if code in labels]
        negatives = [i for i, (_, labels) in enumerate(examples) if code not in labels]
        hits = sum(code in fired[i] for i in positives)
        false = sum(code in fired[i] for i in negatives)
        per_code[code] = {
            "annotated": len(positives), "recall": round(hits / len(positives), 3) if positives else None,
            "false_fires": false, "false_fire_rate": round(false / len(negatives), 4) if negatives else None,
        }
    return {"examples": len(examples), "codes": per_code}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cues-from", help="git revision whose bot/nlu/problem_cues.py to measure")
    parser.add_argument("--baseline", metavar="REV", help="also measure the lexicon at this git revision (before)")
    parser.add_argument("--show", metavar="LANG:CODE", help="print the misses and false fires of one code")
    args = parser.parse_args(argv)
    cue_codes, codes = cue_codes_from(args.cues_from)
    sets = training_examples()
    results = {language: measure(examples, cue_codes, codes) for language, examples in sets.items()}
    baseline = None
    if args.baseline:
        base_codes, _ = cue_codes_from(args.baseline)
        baseline = {language: measure(examples, base_codes, codes) for language, examples in sets.items()}

    print(f"{'code':<18}" + "".join(f"{lang:>16}" for lang in results))
    print(f"{'':<18}" + "".join(f"{'recall  false':>16}" for _ in results))
    for code in codes:
        cells = []
        for language in results:
            row = results[language]["codes"][code]
            recall = "  -  " if row["recall"] is None else f"{row['recall']:.2f}"
            cells.append(f"{recall:>8} {100 * row['false_fire_rate']:5.1f}%")
        print(f"{code:<18}" + "".join(f"{cell:>16}" for cell in cells))
    if baseline:
        print(f"\nbefore ({args.baseline}) -> after, recall / false fires (count):")
        for code in codes:
            cells = []
            for language in results:
                old, new = baseline[language]["codes"][code], results[language]["codes"][code]
                recall = f"{old['recall'] or 0:.2f}->{new['recall'] or 0:.2f}"
                cells.append(f"{recall} {old['false_fires']}->{new['false_fires']}")
            print(f"{code:<18}" + "".join(f"{cell:>22}" for cell in cells))

    if args.show:
        language, code = args.show.split(":")
        for text, labels in sets[language]:
            fired = code in cue_codes(text)
            if code in labels and not fired:
                print("MISS  ", sorted(labels), text)
            elif code not in labels and fired:
                print("FALSE ", sorted(labels), text)

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    label = f"-{args.cues_from}" if args.cues_from else ""
    out = ROOT / "bench" / "results" / f"problem-cues-{stamp}{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"time": stamp, "cues_from": args.cues_from or "working tree",
                               "data": "data/nlu.yml (training examples only)", "languages": results,
                               "baseline": {"cues_from": args.baseline, "languages": baseline} if baseline else None},
                              indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"-> {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
