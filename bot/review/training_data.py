"""Appending reviewed messages to Rasa's NLU training data (YAML). The entries are dumped with ruamel.yaml (the
library Rasa reads them with), never pasted together, and the whole file as it would be is read back with Rasa's
own reader before anything is written: the file is replaced only when Rasa reads every old example and every new
one exactly as meant."""
from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Set

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .model import normalise

SECTION_MARKER = "# ---- reviewed live messages (python -m bot nlu-export)"
NEW_FILE_HEADER = 'version: "3.1"\nnlu:\n'
# Rasa reads "[text](entity)", "[text]{...}" and "[text][...]" in an example as entity annotations: in what a
# buyer typed they are brackets, so they become parentheses.
_ANNOTATION = re.compile(r"\[[^\]]+?\](?:\([^)]*\)|\{[^}]*\}|\[.*?\])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_FIRST_ITEM = re.compile(r"^([ \t]*)- (?:intent|synonym|regex|lookup):", re.MULTILINE)


class TrainingDataError(Exception):
    """The file cannot take the examples (unreadable, or Rasa would not read them back as written)."""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    problems: Sequence[str] = ()


def clean(text: str) -> str:
    """The text as an example: no control characters, no accidental entity annotations, trimmed."""
    text = _CONTROL.sub(" ", text).strip()
    return _ANNOTATION.sub(lambda m: m.group(0).replace("[", "(").replace("]", ")"), text) if "[" in text else text


def existing_texts(path: Path) -> Set[str]:
    """The normalised texts of every example in the file (empty when there is no file)."""
    if not path.exists():
        return set()
    return {normalise(m.get("text") or "") for m in _read(path.read_text(encoding="utf-8"), path).training_examples}


def render(examples: Sequence[Example], stamp: str, indent: str = "") -> str:
    """The section: a marker comment, then `- intent:` blocks with `- text:` entries and, where problems were
    given, `metadata: {problem: code}` (a list for several codes)."""
    by_intent: Dict[str, List[dict]] = {}
    for example in examples:
        entry: dict = {"text": DoubleQuotedScalarString(example.text)}
        if example.problems:
            codes = list(example.problems)
            entry["metadata"] = {"problem": codes[0] if len(codes) == 1 else codes}
        by_intent.setdefault(example.intent, []).append(entry)
    yaml = YAML()
    yaml.allow_unicode = True
    yaml.width = 1 << 16  # type: ignore[assignment]  # one line per example (ruamel declares width as None)
    yaml.indent(mapping=2, sequence=2, offset=0)
    out = io.StringIO()
    yaml.dump([{"intent": intent, "examples": entries} for intent, entries in sorted(by_intent.items())], out)
    body = "".join(indent + line if line.strip() else line for line in out.getvalue().splitlines(keepends=True))
    return f"{SECTION_MARKER}, {stamp}, {len(examples)} example(s)\n{body}"


def append(path: Path, examples: Sequence[Example], stamp: str, dry_run: bool = False) -> str:
    """Appends the section to the file (created when missing) and returns the section. Raises TrainingDataError
    and leaves the file as it was when Rasa would not read the result back as meant."""
    old = path.read_text(encoding="utf-8") if path.exists() else NEW_FILE_HEADER
    before = _read(old, path).training_examples
    first = _FIRST_ITEM.search(old)
    section = render(examples, stamp, first.group(1) if first else "")
    new = old + ("" if old.endswith("\n") else "\n") + section
    after = _read(new, path, "with the new examples appended, ").training_examples
    # Rasa drops repeated examples, so the check is on sets: what the file would gain is exactly what was meant.
    key = lambda m: (m.get("text"), m.get("intent"), tuple(sorted(_declared(m))))  # noqa: E731
    gained = {key(m) for m in after} - {key(m) for m in before}
    wanted = {(e.text, e.intent, tuple(sorted(e.problems))) for e in examples}
    if gained != wanted or len(after) < len(before):
        raise TrainingDataError(f"{path}: Rasa would not read the new examples back as written (is the `nlu:` list "
                                "the last part of the file?); nothing was written.")
    if not dry_run:
        _replace(path, new)
    return section


def _declared(message) -> List[str]:
    declared = ((message.get("metadata") or {}).get("example") or {}).get("problem")
    return declared if isinstance(declared, list) else [declared] if declared else []


def _read(content: str, path: Path, appended: str = ""):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    try:
        return RasaYAMLReader().reads(content)
    except Exception as exc:  # Rasa raises YAML, validation and its own errors alike
        hint = " (is the `nlu:` list the last part of the file?); nothing was written" if appended else ""
        raise TrainingDataError(f"{path}: {appended}Rasa cannot read it as NLU training data{hint}. "
                                f"{type(exc).__name__}: {str(exc)[:300]}") from exc


def _replace(path: Path, content: str) -> None:
    # Written whole beside it, then moved into place: a crash leaves the old file or the new one, never half.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def today_stamp(now) -> str:
    return now.strftime("%Y-%m-%d %H:%M UTC")
