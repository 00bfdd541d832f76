"""Reviewing the inbox: what an admin (agent console, API) or an operator (CLI) may do with a recorded message.
Labels are checked here: the intent must be one the assistant has (domain.yml), problems must be problem codes."""
from __future__ import annotations

from typing import Iterable, List, Optional, Protocol, Sequence

from bot.disputes.problems import ProblemCode

from .model import InvalidLabel, ReviewItem, ReviewStatus

# Not labels a person gives: nlu_fallback means "none of the intents".
NOT_LABELS = frozenset({"nlu_fallback"})
MAX_PROBLEMS = len(ProblemCode)


class ReviewStore(Protocol):
    def get(self, item_id: int) -> ReviewItem: ...
    def items(self, statuses: Sequence[ReviewStatus], limit: int = 200) -> List[ReviewItem]: ...
    def count(self, status: ReviewStatus) -> int: ...
    def label(self, item_id: int, intent: str, problems: List[str], reviewer: str) -> ReviewItem: ...
    def discard(self, item_id: int, reviewer: str) -> ReviewItem: ...


class ReviewInbox:
    def __init__(self, store: ReviewStore, intents: Iterable[str]) -> None:
        self._store = store
        self._declared = intents  # may be read lazily (bot.composition.LazyIntents)
        self._intents: Optional[List[str]] = None
        self.problems = [p.value for p in ProblemCode]

    @property
    def intents(self) -> List[str]:
        """The labels an admin may give: the assistant's intents."""
        if self._intents is None:
            self._intents = sorted(set(self._declared) - NOT_LABELS)
        return self._intents

    def pending(self, limit: int = 200) -> List[ReviewItem]:
        return self._store.items([ReviewStatus.PENDING], limit)

    def reviewed(self, limit: int = 200) -> List[ReviewItem]:
        """Labelled and not exported yet."""
        return self._store.items([ReviewStatus.LABELLED], limit)

    def pending_count(self) -> int:
        return self._store.count(ReviewStatus.PENDING)

    def get(self, item_id: int) -> ReviewItem:
        return self._store.get(item_id)

    def label(self, item_id: int, intent: object, problems: Optional[Iterable[object]], reviewer: str) -> ReviewItem:
        return self._store.label(item_id, self._intent(intent), self._problems(problems), reviewer)

    def discard(self, item_id: int, reviewer: str) -> ReviewItem:
        return self._store.discard(item_id, reviewer)

    def _intent(self, intent: object) -> str:
        if not isinstance(intent, str) or intent.strip() not in self.intents:
            shown = intent if isinstance(intent, str) and len(intent) <= 64 else "that"
            raise InvalidLabel(f"{shown!r} is not an intent of this assistant. Pick one of: "
                               f"{', '.join(self.intents)}.")
        return intent.strip()

    def _problems(self, problems: Optional[Iterable[object]]) -> List[str]:
        chosen: List[str] = []
        for code in problems or []:
            if not isinstance(code, str) or code.strip() not in self.problems:
                shown = code if isinstance(code, str) and len(code) <= 64 else "that"
                raise InvalidLabel(f"{shown!r} is not a problem code. Pick from: {', '.join(self.problems)}.")
            if code.strip() not in chosen:
                chosen.append(code.strip())
        if len(chosen) > MAX_PROBLEMS:
            raise InvalidLabel(f"At most {MAX_PROBLEMS} problem codes.")
        return chosen
