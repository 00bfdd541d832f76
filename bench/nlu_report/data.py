"""Data loading: the held-out TSV, the NLU training data (split into what is cross-validated and what every fold
keeps), gold problem codes, fold training files, and checksums of the inputs. Rasa is imported lazily."""
from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NLU = "data/nlu.yml"
DEFAULT_CONFIG = "config.yml"
DEFAULT_HELDOUT = REPO_ROOT.parent / "shared" / "evals" / "real_buyer_messages.tsv"
HELDOUT_ENV = "HELDOUT_TSV"

PROBLEM_ENTITY = "problem"


# The fourteen problem codes of shared/DESIGN.md (bot.disputes.problems.ProblemCode; a unit test keeps them equal).
VALID_PROBLEM_CODES = frozenset({
    "not_received", "brand_mismatch", "model_mismatch", "size_mismatch", "color_mismatch",
    "material_mismatch", "weight_mismatch", "no_packaging", "not_working", "rusted_faded",
    "damaged", "wrong_item", "missing_parts", "counterfeit",
})


def problem_set(problem_type: Optional[str]) -> Set[str]:
    """The gold problem set of a held-out row: its codes (comma-separated when several: our own held-out sets in
    tests/heldout), or empty for ``none``/blank."""
    value = (problem_type or "").strip()
    return set() if value.lower() in ("", "none") else {c.strip() for c in value.split(",") if c.strip()}


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
