"""`python -m bench.language_detection`: how well and how fast a conversation's language is told, with Lingua (the
detector the gateway uses) and py3langid, on short chat messages. Figures go to
bench/results/language-detection-<time>.json (and a summary to stdout).

Two sets, each message taken as a conversation's first message (the hardest case: nothing known before it):
- our training examples (data/nlu.yml, by language section), on which the thresholds of bot.i18n.detection were
  chosen;
- the held-out chat sets (tests/heldout/*.tsv) and, for English, the real buyer messages beside the repository
  (../shared/evals, if present): reported, never tuned on.
Also: how often an English conversation would wrongly change language on one of its messages, and the cost per
message. py3langid is scored only if installed (`pip install -c requirements.lock "py3langid<0.4"`).
"""
from __future__ import annotations

import csv
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.i18n import SUPPORTED
from bot.i18n.detection import Detected, LanguageDetector, choose

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {"Spanish": "es", "Brazilian Portuguese": "pt", "French": "fr", "Russian": "ru"}
_ANNOTATION = re.compile(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)")


def training_examples() -> Dict[str, List[str]]:
    text = (ROOT / "data" / "nlu.yml").read_text(encoding="utf-8")
    parts = re.split(r"^# ---- (Spanish|Brazilian Portuguese|French|Russian)\b.*$", text, flags=re.M)
    sets: Dict[str, List[str]] = {"en": _examples(parts[0])}
    for name, chunk in zip(parts[1::2], parts[2::2]):
        sets[SECTIONS[name]] = _examples(chunk)
    return sets


def _examples(chunk: str) -> List[str]:
    out = []
    for line in chunk.splitlines():
        match = re.match(r"^\s{4}- (.*)$", line)
        if match:
            out.append(_ANNOTATION.sub(lambda m: m.group(1) or m.group(2), match.group(1)))
    return out


def heldout_examples() -> Dict[str, List[str]]:
    sets: Dict[str, List[str]] = {}
    for language in SUPPORTED:
        path = ROOT / "tests" / "heldout" / f"{language}.tsv"
        if path.exists():
            with path.open(encoding="utf-8") as f:
                sets[language] = [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    real = ROOT.parent / "shared" / "evals" / "real_buyer_messages.tsv"
    if real.exists():
        with real.open(encoding="utf-8") as f:
            sets["en"] = [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    return sets


def py3langid_detector() -> Optional[Callable[[str], Optional[Detected]]]:
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED))
    words = re.compile(r"[^\W\d_]{2,}")

    def detect(text: str) -> Optional[Detected]:
        count = len(words.findall(text))
        if not count:
            return None
        language, probability = identifier.classify(text)
        return Detected(language, float(probability), count)
    return detect


def score(detect: Callable[[str], Optional[Detected]], sets: Dict[str, List[str]]) -> Dict[str, object]:
    result: Dict[str, object] = {}
    for language, texts in sets.items():
        first = Counter()
        by_length: Dict[str, Counter] = defaultdict(Counter)
        times = []
        for text in texts:
            started = time.perf_counter()
            detected = detect(text)
            times.append(time.perf_counter() - started)
            chosen = choose(None, detected).language
            ok = chosen == language
            first[ok] += 1
            words = detected.words if detected else 0
            by_length["1-2 words" if words <= 2 else "3+ words"][ok] += 1
        result[language] = {
            "messages": len(texts), "first_message_accuracy": round(first[True] / max(1, len(texts)), 3),
            **{f"accuracy_{k}": round(v[True] / max(1, sum(v.values())), 3) for k, v in sorted(by_length.items())},
            "median_us": round(1e6 * statistics.median(times), 1) if times else None,
            "p95_us": round(1e6 * sorted(times)[int(0.95 * (len(times) - 1))], 1) if times else None,
        }
    english = sets.get("en", [])
    flips = 0
    for text in english:  # an English conversation, settled, receiving each message
        if choose("en", detect(text), settled=True).language != "en":
            flips += 1
    result["english_conversation_flips"] = f"{flips}/{len(english)}"
    return result


def main() -> int:
    lingua = LanguageDetector()
    started = time.perf_counter()
    lingua.warm_up()
    figures: Dict[str, object] = {"lingua_build_seconds": round(time.perf_counter() - started, 2)}
    detectors = {"lingua (bot.i18n.detection)": lingua.detect}
    other = py3langid_detector()
    if other is not None:
        detectors["py3langid"] = other
    for name, detect in detectors.items():
        figures[name] = {"training_examples": score(detect, training_examples()),
                         "heldout": score(detect, heldout_examples())}
    out = ROOT / "bench" / "results" / f"language-detection-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
