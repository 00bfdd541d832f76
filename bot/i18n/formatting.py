"""Money and dates as each language writes them (Babel, CLDR data): "5,50 €", "R$ 20,00", "15 de dezembro de
2026", "15 déc. 2026"."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Union

from babel.dates import format_date
from babel.numbers import format_currency

from .languages import BABEL_LOCALES, DEFAULT


def _locale(language: str) -> str:
    return BABEL_LOCALES.get(language, BABEL_LOCALES[DEFAULT])


def money(amount: Union[Decimal, int, float, str], currency: str, language: str) -> str:
    """An amount with its currency in the language's format; English keeps the assistant's "5.00 USD"."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency}"
    if language == DEFAULT:
        return f"{value:.2f} {currency}"  # what English buyers have always seen (and tests and agents read)
    return format_currency(value, currency, locale=_locale(language))


def day(value: date, language: str) -> str:
    """A date as the language writes it in a sentence ("15 Dec 2026", "15 dic 2026", "15 déc. 2026")."""
    if language == DEFAULT:
        return f"{value:%d %b %Y}"
    return format_date(value, format="medium", locale=_locale(language))
