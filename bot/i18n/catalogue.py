"""The message catalogue: every text the assistant's code writes to a buyer, in each supported language.

Texts are written in English in the code, marked with `_()` (translated where they are used) or `N_()` (only
marked, for texts defined once and translated later), with `{name}` placeholders. `make translations` extracts
them into bot/i18n/locales/messages.pot and merges new ones into each language's messages.po (Babel); translators
fill the .po files. Here the .po files are read directly (no compiled .mo to keep in step); a text without a
translation falls back to English, and tests/unit/test_translations.py fails on any such text.
"""
from __future__ import annotations

import functools
import gettext
import string
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

from babel.messages.pofile import read_po

from . import formatting
from .languages import DEFAULT, SUPPORTED, supported

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"

MessageId = Union[str, Tuple[str, str]]  # a text, or (singular, plural)


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it (it is translated where it is shown)."""
    return message


def po_path(language: str, directory: Path = LOCALES_DIR) -> Path:
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


class Catalogue:
    """Every language's translations, read once from the .po files."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self._texts: Dict[str, Dict[str, str]] = {}
        self._plurals: Dict[str, Dict[Tuple[str, str], List[str]]] = {}
        self._plural_rule: Dict[str, Callable[[int], int]] = {}
        for language in SUPPORTED:
            if language == DEFAULT:
                continue
            texts: Dict[str, str] = {}
            plurals: Dict[Tuple[str, str], List[str]] = {}
            path = po_path(language, directory)
            if path.exists():
                with path.open("rb") as po:
                    catalog = read_po(po, locale=language)
                # The .po header's C expression ("n%10==1 && n%100!=11 ? 0 : ..."), as the standard library reads it.
                self._plural_rule[language] = gettext.c2py(catalog.plural_expr)
                for message in catalog:
                    if not message.id or message.fuzzy:
                        continue
                    if isinstance(message.id, (tuple, list)):
                        forms = [str(f) for f in message.string] if isinstance(message.string, (tuple, list)) else []
                        if forms and all(forms):
                            plurals[(str(message.id[0]), str(message.id[1]))] = forms
                    elif isinstance(message.string, str) and message.string:
                        texts[message.id] = message.string
            self._texts[language] = texts
            self._plurals[language] = plurals

    def gettext(self, language: str, message: str) -> str:
        return self._texts.get(language, {}).get(message, message)

    def ngettext(self, language: str, singular: str, plural: str, count: int) -> str:
        forms = self._plurals.get(language, {}).get((singular, plural))
        rule = self._plural_rule.get(language)
        if not forms or rule is None:
            return singular if count == 1 else plural
        return forms[min(rule(count), len(forms) - 1)]

    def has(self, language: str, message: MessageId) -> bool:
        if language == DEFAULT:
            return True
        if isinstance(message, tuple):
            return message in self._plurals.get(language, {})
        return message in self._texts.get(language, {})

    def missing(self, language: str, messages: Iterable[MessageId]) -> List[MessageId]:
        return [m for m in messages if not self.has(language, m)]

    def translations(self, language: str, messages: Iterable[str]) -> Dict[str, str]:
        """The given texts in a language (English where there is none), e.g. for the web widget."""
        return {m: self.gettext(language, m) for m in messages}


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return Catalogue()


def placeholders(text: str) -> set:
    """The `{name}` placeholders of a text (a translation must keep exactly those of its English)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Translator:
    """Texts, money and dates in one language: `_ = translator("es")`, then `_("Hello, {name}", name=...)`."""

    language: str

    def __call__(self, message: str, **params: object) -> str:
        text = catalogue().gettext(self.language, message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, count: int, **params: object) -> str:
        text = catalogue().ngettext(self.language, singular, plural, count)
        return text.format(count=count, **params)

    def money(self, amount: Union[Decimal, int, float, str], currency: str) -> str:
        return formatting.money(amount, currency, self.language)

    def day(self, day: date) -> str:
        return formatting.day(day, self.language)


@functools.cache
def _translator(language: str) -> Translator:
    return Translator(language)


def translator(language: Optional[str]) -> Translator:
    """The translator of a language tag; English for None or a language we do not speak."""
    return _translator(supported(language) or DEFAULT)
