"""A pseudo-translation for tests: while `pseudo_translated()` is on, every catalogue text asked for in a language
other than English comes back as ⟦the English text⟧ (placeholders still filled). What a buyer is then sent shows
which parts went through the catalogue: `untranslated(text)` returns the words outside the brackets, which is
English written into the code without `_()` (a sentence a Spanish buyer would get in English)."""
from __future__ import annotations

import contextlib
import importlib
import re
from typing import Iterable, Iterator, List

from bot.i18n import DEFAULT

# The module itself: `import bot.i18n.catalogue as ...` gives the package's `catalogue` function, which
# bot.i18n re-exports under the module's name.
catalogue_module = importlib.import_module("bot.i18n.catalogue")

OPEN, CLOSE = "\u27e6", "\u27e7"
_WRAPPED = re.compile(re.escape(OPEN) + r"[^" + re.escape(OPEN + CLOSE) + r"]*" + re.escape(CLOSE))
_WORD = re.compile(r"[^\W\d_]{2,}")


class PseudoCatalogue:
    def gettext(self, language: str, message: str) -> str:
        return message if language == DEFAULT else f"{OPEN}{message}{CLOSE}"

    def ngettext(self, language: str, singular: str, plural: str, count: int) -> str:
        return self.gettext(language, singular if count == 1 else plural)

    def has(self, language, message) -> bool:
        return True

    def missing(self, language, messages) -> list:
        return []

    def translations(self, language: str, messages: Iterable[str]) -> dict:
        return {m: self.gettext(language, m) for m in messages}


@contextlib.contextmanager
def pseudo_translated() -> Iterator[PseudoCatalogue]:
    fake = PseudoCatalogue()
    original = catalogue_module.catalogue
    catalogue_module.catalogue = lambda: fake  # type: ignore[assignment]
    try:
        yield fake
    finally:
        catalogue_module.catalogue = original


def untranslated(text: str, allowed: Iterable[str] = ()) -> List[str]:
    """The words of `text` outside ⟦ ⟧ (nested brackets: a translated text inside another), minus `allowed`
    values (an item's name, a buyer's own words quoted back)."""
    rest = text or ""
    while True:
        shorter = _WRAPPED.sub(" ", rest)
        if shorter == rest:
            break
        rest = shorter
    for value in allowed:
        rest = rest.replace(value, " ")
    return _WORD.findall(rest)
