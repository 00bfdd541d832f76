"""Which language a buyer writes in, and the conversation's language after each message.

The detector is Lingua (`lingua-language-detector`, Apache-2.0; its models ship in the wheel): restricted to the
languages we speak plus a few we do not but buyers of this marketplace often write (to answer those in English
with a note in their language). docs/adr/0012-languages.md has the comparison with py3langid that chose it.

A conversation's language is sticky: short messages ("ok", "refund", an order number, "thanks") never change it,
and a longer one changes it only when the detector is sure. A language the buyer asks for ("en español",
"speak English", /language ru) always wins.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from .languages import DEFAULT, SUPPORTED, supported

# Languages we do not speak but should recognise (an answer in English with a note in theirs).
NOTICED: Tuple[str, ...] = ("de", "it", "pl", "tr", "uk", "nl")
# Thresholds chosen on our training examples (bench/language_detection.py): among messages of 3 words or more,
# none was detected in a wrong language at 0.8 or more, 7 of 4,407 at 0.6.
SWITCH_WORDS = 3  # a conversation's language changes only for a message this long...
SWITCH_CONFIDENCE = 0.8  # ...the detector is this sure of
FIRST_CONFIDENCE = 0.6  # at a conversation's start, below this a channel's hint or the buyer's language wins
UNSUPPORTED_WORDS = 4
MAX_CHARS = 300
UNSUPPORTED_CONFIDENCE = 0.7

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_NOISE = re.compile(r"https?://\S+|\S+@\S+|[#/]\w+|\d+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_UKRAINIAN = re.compile(r"[іїєґ]", re.IGNORECASE)
# Words of one or two that tell the language on their own (a detector cannot: "si", "oui", "oi").
_SHORT: Dict[str, str] = {
    **dict.fromkeys(["hola", "buenas", "buenos", "gracias", "vale", "sí", "claro", "adiós", "adios", "perdón",
                     "ayuda", "reembolso", "pedido", "disputa", "dinero", "quiero"], "es"),
    **dict.fromkeys(["oi", "olá", "ola", "sim", "não", "nao", "obrigado", "obrigada", "valeu", "beleza", "tchau",
                     "cadê", "cade", "reembolso", "pedido", "ajuda", "dinheiro", "quero", "bom", "boa"], "pt"),
    **dict.fromkeys(["bonjour", "bonsoir", "salut", "coucou", "oui", "ouais", "merci", "d'accord", "daccord",
                     "remboursement", "commande", "litige", "aide", "argent", "svp", "stp"], "fr"),
    **dict.fromkeys(["hello", "hi", "hey", "yes", "no", "ok", "okay", "thanks", "thank", "please", "refund",
                     "order", "dispute", "help", "menu", "agent", "human", "bye"], "en"),
}
# Words both Spanish and Portuguese buyers write ("reembolso", "pedido"): they tell only "es or pt".
_SHARED = {"reembolso", "pedido"}


@dataclass(frozen=True)
class Detected:
    language: str  # ISO 639-1: one we speak
    confidence: float  # 0-1, relative to the other languages we speak
    words: int  # words of letters in the message
    unsupported: Optional[str] = None  # a language we do not speak that the (long enough) message is in


class LanguageDetector:
    """Lingua over SUPPORTED (and, for long messages, SUPPORTED + NOTICED to tell a language we do not speak),
    models built on first use (about a second); about 0.05-0.4 ms per message. Short messages are told by the
    script (Cyrillic: Russian) and a few words that need no detector ("hola", "oui", "obrigado")."""

    def __init__(self, supported_languages: Tuple[str, ...] = SUPPORTED, noticed: Tuple[str, ...] = NOTICED) -> None:
        self._codes = supported_languages
        self._noticed = noticed
        self._detectors: Dict[Tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def _built(self, codes: Tuple[str, ...]):
        with self._lock:
            detector = self._detectors.get(codes)
            if detector is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]
                # Lingua loads a language's models at its first detection otherwise (1-2 s of CPU, in a buyer's turn).
                detector = self._detectors[codes] = (
                    LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build())
            return detector

    def warm_up(self) -> None:
        self._built(self._codes)
        self._built(self._codes + self._noticed)

    def detect(self, text: str, look_for_unsupported: bool = True) -> Optional[Detected]:
        """The most likely language of a message, or None when it has no word to tell by. Only its first
        MAX_CHARS count (a long review costs no more than a paragraph). `look_for_unsupported`: also tell a
        language we do not speak (a second detector run, for long messages only)."""
        cleaned = _NOISE.sub(" ", (text or "")[:MAX_CHARS])
        words = _WORD.findall(cleaned)
        if not words:
            return None
        if _CYRILLIC.search(cleaned):
            if _UKRAINIAN.search(cleaned):
                return Detected("ru", 0.0, len(words), "uk" if len(words) >= UNSUPPORTED_WORDS else None)
            return Detected("ru", 1.0, len(words))
        if len(words) <= 2:
            said = {_SHORT[w.lower()] for w in words if w.lower() in _SHORT and w.lower() not in _SHARED}
            if len(said) == 1:
                language = said.pop()
                # English words ("ok", "menu", "refund") are written in every language's chats: they tell little.
                return Detected(language, 0.5 if language == DEFAULT else 1.0, len(words))
        best = self._built(self._codes).compute_language_confidence_values(cleaned)[0]
        unsupported = None
        if look_for_unsupported and len(words) >= UNSUPPORTED_WORDS and self._noticed:
            wider = self._built(self._codes + self._noticed).compute_language_confidence_values(cleaned)[0]
            code = wider.language.iso_code_639_1.name.lower()
            if code not in self._codes and wider.value >= UNSUPPORTED_CONFIDENCE:
                unsupported = code
        return Detected(best.language.iso_code_639_1.name.lower(), float(best.value), len(words), unsupported)


CANDIDATE_CONFIDENCE = 0.5  # two messages in a row in another language at this confidence change it too


@dataclass(frozen=True)
class LanguageState:
    """What is kept of a conversation's language between its messages."""

    language: Optional[str] = None  # None: the conversation has not started
    settled: bool = False
    asked: bool = False  # the buyer asked for it: only another ask changes it
    candidate: Optional[str] = None
    unsupported_noted: Optional[str] = None  # the language we do not speak the buyer was told about


@dataclass(frozen=True)
class LanguageChoice:
    language: str  # the conversation's language from this message on
    changed: bool  # differs from what it was (or was not set)
    settled: bool  # told by a message long and clear enough, or asked for; until then a clearer message may change it
    candidate: Optional[str] = None  # another language this message was probably in (one more such changes it)
    asked: bool = False  # the buyer asked for it (it then changes only when asked again)
    unsupported: Optional[str] = None  # a language we do not speak that the buyer wrote in (note it once)


def choose(current: Optional[str], detected: Optional[Detected], *, settled: bool = False,
           candidate: Optional[str] = None, hint: Optional[str] = None, remembered: Optional[str] = None,
           asked: Optional[str] = None, was_asked: bool = False) -> LanguageChoice:
    """The conversation's language after a message. `current`: the conversation's so far (None at its start),
    `settled`, `candidate` and `was_asked` as the previous choice left them; `hint`: the channel's (Telegram's
    language_code, the browser's); `remembered`: the buyer's from earlier conversations; `asked`: a language the
    buyer asked for in this message."""
    current = supported(current)
    known = supported(remembered) or supported(hint)
    if asked is not None and supported(asked):
        language = supported(asked) or DEFAULT
        return LanguageChoice(language, language != current, True, asked=True)
    if was_asked and current is not None:
        return LanguageChoice(current, False, True, asked=True,
                              unsupported=detected.unsupported if detected else None)
    if detected is None or detected.unsupported:
        # Nothing to tell by, or a language we do not speak: it stays (English at the start, unless known).
        language = current or known or DEFAULT
        return LanguageChoice(language, language != current, settled and current is not None, candidate,
                              unsupported=detected.unsupported if detected else None)
    long_enough = detected.words >= SWITCH_WORDS
    clear = long_enough and detected.confidence >= FIRST_CONFIDENCE
    telling = detected.confidence >= 1.0  # the script, or a word that tells on its own
    if current is None:
        if telling or clear or (long_enough and known is None):
            return LanguageChoice(detected.language, True, clear)
        return LanguageChoice(known or DEFAULT, True, False)
    if detected.language == current:
        return LanguageChoice(current, False, settled or clear)
    if (long_enough and detected.confidence >= SWITCH_CONFIDENCE) or (not settled and (clear or telling)) \
            or (detected.language == "ru" and telling and detected.words >= 2):
        return LanguageChoice(detected.language, True, clear or settled)
    if long_enough and detected.confidence >= CANDIDATE_CONFIDENCE:
        if candidate == detected.language:
            return LanguageChoice(detected.language, True, True)
        return LanguageChoice(current, False, settled, detected.language)
    return LanguageChoice(current, False, settled)


# "speak English", "en español", "em português", "en français", "по-русски", "/language es": the buyer's wish.
_ASKED: Dict[str, str] = {
    "en": r"\b(?:(?:speak|talk|write|answer|reply|in)\s+english|english\s+please|en\s+ingl[eé]s|em\s+ingl[eê]s|"
          r"en\s+anglais|по[-\s]?английски|на\s+английском)\b",
    "es": r"\b(?:en\s+español|en\s+espanol|habla(?:s|me)?\s+(?:en\s+)?español|(?:in\s+)?spanish\s+please|"
          r"speak\s+spanish|em\s+espanhol|по[-\s]?испански)\b",
    "pt": r"\b(?:em\s+portugu[eê]s|fala(?:r)?\s+portugu[eê]s|en\s+portugu[eé]s|speak\s+portuguese|"
          r"(?:in\s+)?portuguese\s+please|по[-\s]?португальски)\b",
    "fr": r"\b(?:en\s+fran[cç]ais|parle(?:z)?\s+(?:en\s+)?fran[cç]ais|speak\s+french|(?:in\s+)?french\s+please|"
          r"en\s+franc[eé]s|по[-\s]?французски)",
    "ru": r"(?:по[-\s]?русски|на\s+русском|говори(?:те)?\s+по[-\s]?русски|speak\s+russian|(?:in\s+)?russian\s+please|"
          r"en\s+ruso|em\s+russo|en\s+russe)",
}
_ASKED_RE = {language: re.compile(pattern, re.IGNORECASE) for language, pattern in _ASKED.items()}
_COMMAND = re.compile(r"^\s*/(?:language|lang|idioma|langue|язык)(?:@\w+)?(?:\s+(\S+))?\s*$", re.IGNORECASE)
_NAMED = {"english": "en", "español": "es", "espanol": "es", "spanish": "es", "português": "pt", "portugues": "pt",
          "portuguese": "pt", "français": "fr", "francais": "fr", "french": "fr", "русский": "ru", "russian": "ru"}


def asked_language(text: str) -> Optional[str]:
    """The language a message asks the assistant to speak, if it asks for one (and only a short message does:
    "my dress is not in english sizes" asks for nothing)."""
    command = _COMMAND.match(text or "")
    if command:
        word = (command.group(1) or "").lower()
        return supported(word) or _NAMED.get(word) or "?"  # "?": the command without a language (a menu)
    if len(_WORD.findall(text or "")) > 6:
        return None
    for language, pattern in _ASKED_RE.items():
        if pattern.search(text or ""):
            return language
    return None
