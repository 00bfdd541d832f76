"""`python -m bot nlu-export`: labelled messages, masked, into the NLU training data; each exported once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional, Protocol, Tuple

from .masking import mask
from .model import ReviewItem, normalise
from .training_data import Example, append, clean, existing_texts, today_stamp


class ExportStore(Protocol):
    def labelled(self) -> List[ReviewItem]: ...
    def mark_exported(self, exported: List[Tuple[int, str]]) -> None: ...


@dataclass
class ExportReport:
    written: List[Example] = field(default_factory=list)
    already_there: int = 0  # labelled, but the masked text is already an example: marked exported, not written
    section: str = ""


def export_reviewed(store: ExportStore, buyer_name: Callable[[Optional[str]], Optional[str]], path: Path,
                    now: datetime, dry_run: bool = False) -> ExportReport:
    report = ExportReport()
    items = store.labelled()
    if not items:
        return report
    known = existing_texts(path)
    done: List[Tuple[int, str]] = []
    for item in items:
        name = buyer_name(item.buyer_id)
        text = clean(mask(item.text, [name] if name else []))
        done.append((item.id, text))
        if not text or normalise(text) in known:
            report.already_there += 1
            continue
        known.add(normalise(text))
        report.written.append(Example(text, item.label_intent or "", tuple(item.label_problems)))
    if report.written:
        report.section = append(path, report.written, today_stamp(now), dry_run=dry_run)
    if not dry_run:
        store.mark_exported(done)
    return report
