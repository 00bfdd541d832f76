"""Whether an answer meant for a non-English conversation holds an English sentence (used by bench.conversations
for the battery's conversations in other languages, and by the end-to-end language tests).

Each sentence of four words or more, after removing the values that are English in every language (item titles
from the marketplace, order and dispute numbers, the buyer's own words quoted back), is given to the language
detector restricted to the languages we speak; a sentence it reads as English is reported."""
from __future__ import annotations

import re
from typing import Iterable, List

from bot.i18n.detection import LanguageDetector

_SENTENCE = re.compile(r"(?<=[.!?:;\n•])\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_DETECTOR = LanguageDetector(noticed=())


def english_sentences(text: str, ignore: Iterable[str] = ()) -> List[str]:
    rest = text or ""
    for value in sorted((v for v in ignore if v), key=len, reverse=True):
        rest = rest.replace(value, " ")
    found = []
    for sentence in _SENTENCE.split(rest):
        if len(_WORD.findall(sentence)) < 4:
            continue
        detected = _DETECTOR.detect(sentence, look_for_unsupported=False)
        if detected is not None and detected.language == "en" and detected.confidence >= 0.5:
            found.append(sentence.strip())
    return found
