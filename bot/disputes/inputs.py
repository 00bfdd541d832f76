"""Turning untrusted text (from buyers, sellers, agents, files) into domain values, or a clear InvalidInput."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Iterable, Optional, Tuple

from .errors import N_, InvalidInput
from .model import Resolution
from .problems import ProblemCode

ORDER_NUMBER_DIGITS = 16
_MAX_RAW_INPUT = 200  # longer strings are never valid numbers, amounts or codes: reject before parsing
_SEPARATORS = re.compile(r"[\s\-_.#]")
_AMOUNT = re.compile(r"^(?P<int>\d{1,9})([.,](?P<frac>\d{1,2}))?$")
_MONEY_WORDS = r"us\$|\$|€|£|¥|usd|eur|gbp|rub|cny|dollars?|bucks|euros?"
_CURRENCY_MARKS = re.compile(rf"^(?:{_MONEY_WORDS})\s*|\s*(?:{_MONEY_WORDS})$", re.I)


# What each raw input is called, as (not text, far too long) messages: whole sentences, so each translates as one.
_SHORT_ERRORS = {
    "An order number": (N_("An order number must be text."), N_("That is far too long to be an order number.")),
    "An amount": (N_("An amount must be text."), N_("That is far too long to be an amount.")),
    "A problem code": (N_("A problem code must be text."), N_("That is far too long to be a problem code.")),
    "A resolution": (N_("A resolution must be text."), N_("That is far too long to be a resolution.")),
}


def _short(value: object, what: str) -> str:
    not_text, too_long = _SHORT_ERRORS[what]
    if not isinstance(value, str):
        raise InvalidInput(not_text)
    if len(value) > _MAX_RAW_INPUT:
        raise InvalidInput(too_long)
    return unicodedata.normalize("NFKC", value).strip()


def parse_order_number(value: object) -> str:
    """Accepts the 16 digits with spaces or dashes as buyers copy them; anything else is refused."""
    text = _SEPARATORS.sub("", _short(value, "An order number"))
    if not text:
        raise InvalidInput(N_("Please give the order number (16 digits, shown in My Orders)."))
    if not text.isascii() or not text.isdigit():
        raise InvalidInput(N_("An order number has only digits (16 of them, shown in My Orders)."))
    if len(text) != ORDER_NUMBER_DIGITS:
        raise InvalidInput(N_("An order number has 16 digits; that one has {count}."), count=len(text))
    return text


def parse_amount(value: object) -> Decimal:
    """A money amount as a buyer types it: '12', '12.50', '12,5', '$12'. Refuses NaN, infinity, exponents, words."""
    if isinstance(value, bool):
        raise InvalidInput(N_("Please give the amount as a number, like 12.50."))
    if isinstance(value, (int, Decimal)):
        value = str(value)
    elif isinstance(value, float):
        value = repr(value)
    text = _CURRENCY_MARKS.sub("", _short(value, "An amount")).strip()
    if text.startswith("-"):
        raise InvalidInput(N_("The amount must be more than zero."))
    match = _AMOUNT.match(text)
    if not match:
        raise InvalidInput(N_("Please give the amount as a number, like 12.50."))
    try:
        amount = Decimal(f"{match['int']}.{match['frac'] or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise InvalidInput(N_("Please give the amount as a number, like 12.50.")) from exc
    if amount <= 0:
        raise InvalidInput(N_("The amount must be more than zero."))
    return amount


def parse_problem(value: object) -> ProblemCode:
    text = _short(value, "A problem code").lower()
    try:
        return ProblemCode(text)
    except ValueError:
        raise InvalidInput(N_("'{text}' is not a problem I know."), text=text[:40]) from None


def parse_problems(values: Iterable[object]) -> Tuple[ProblemCode, ...]:
    if isinstance(values, (str, bytes)):
        values = [values]
    return tuple(parse_problem(v) for v in values)


def parse_resolution(value: object) -> Resolution:
    text = _short(value, "A resolution").lower()
    try:
        return Resolution(text)
    except ValueError:
        raise InvalidInput(N_("The resolution is a full refund, a partial refund or another item.")) from None


def clean_description(value: object, max_chars: int) -> str:
    """Free text is stored as typed (it is never interpreted), but bounded and stripped of control characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(N_("The description must be text."))
    if len(value) > max_chars:
        raise InvalidInput(N_("Please keep the description under {limit} characters (it has {count})."),
                           limit=max_chars, count=len(value))
    cleaned = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return cleaned.strip()


def clean_display_name(value: Optional[str]) -> str:
    """A file name shown to people; never used as a path."""
    if not value:
        return ""
    name = re.split(r"[\\/]", str(value))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:120]
