"""The languages the assistant speaks: English (the source language of every text) and four translations."""
from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

SUPPORTED: Tuple[str, ...] = ("en", "es", "pt", "fr", "ru")
DEFAULT = "en"
# Each language's name in itself, as a buyer picking one looks for it.
NAMES: Dict[str, str] = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français", "ru": "Русский"}
# The CLDR locale whose number, currency and date formats each language uses (Brazil's buyers are most of the
# Portuguese-speaking ones; Spain's and France's formats are understood across their languages).
BABEL_LOCALES: Dict[str, str] = {"en": "en_US", "es": "es_ES", "pt": "pt_BR", "fr": "fr_FR", "ru": "ru_RU"}

_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def supported(code: object) -> Optional[str]:
    """The supported language a language tag names ("pt-BR", "es_419", "RU" -> "pt", "es", "ru"), or None."""
    if not isinstance(code, str):
        return None
    match = _TAG.match(code)
    if match is None:
        return None
    language = match.group(1).lower()
    return language if language in SUPPORTED else None


def base_language(code: object) -> Optional[str]:
    """The primary subtag of any language tag ("de-AT" -> "de"), supported or not; None if it is no tag."""
    if not isinstance(code, str):
        return None
    match = _TAG.match(code)
    return match.group(1).lower() if match else None
