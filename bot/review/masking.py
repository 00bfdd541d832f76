"""What a buyer wrote, made fit for the training data: order numbers (16 digits) and dispute numbers (12 digits)
become other numbers of the same shape, so the regex and CRF features still see an order or dispute number;
e-mail addresses, phone numbers and names become neutral stand-ins. Deterministic: the same text always masks
the same way (an export run twice writes nothing twice), and nothing of the original numbers is kept.

Names: those the store knows (the conversation's buyer), and the word after "my name is", "call me", "I'm",
"I am", "this is" when it looks like a name (capitalised, not a common word). Other names go through unseen:
admins read each message before it is labelled."""
from __future__ import annotations

import hashlib
import random
import re
from typing import Iterable, List

EMAIL_STAND_IN = "buyer@example.com"
PHONE_STAND_IN = "555-0100"  # the fictional range
FIRST_NAME_STAND_IN = "Sam"
LAST_NAME_STAND_IN = "Lee"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_NUMBER = re.compile(r"(?<!\d)(\d{16}|\d{12})(?!\d)")
# 7 or more digits with spaces, hyphens or brackets between them, optionally after a + or (: phone numbers (and
# card numbers written in groups, which should not reach the training data either). Dots are no separator here:
# "25.00 12.50" is two amounts.
_PHONE = re.compile(r"(?<![\w+(])(?:\+|\()?\d(?:[\d \t()-]*\d){6,}(?!\w)")
_DOTTED_PHONE = re.compile(r"(?<![\w.])\d{3}\.\d{3}\.\d{4}(?![\w.])")  # 555.123.4567
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# "i am still waiting", "I'm Very upset": words that follow these phrases without being names.
_NOT_NAMES = frozenset("""
a an the not so very really still just now here there back done sure sorry trying waiting writing asking looking
going getting having calling contacting messaging angry upset happy unhappy disappointed confused worried afraid
tired fed frustrated glad interested about from in on at with for to your my this that it is was no yes ok okay
the buyer customer new old same only also again already never always please thanks thank hello hi hey
""".split())
_INTRO_ANY_CASE = re.compile(r"\b(my name is|my name's|call me)\s+([^\W\d_]{2,})(\s+[^\W\d_]{2,})?", re.IGNORECASE)
_INTRO_CAPITALISED = re.compile(r"\b((?:[Ii]\s*'?\s*[Mm]|[Ii] [Aa][Mm]|[Tt]his [Ii]s|[Ii]t'?s))\s+([A-Z][^\W\d_]+)"
                                r"(\s+[A-Z][^\W\d_]+)?")


def _synthetic(text_seed: str, index: int, length: int) -> str:
    rng = random.Random(f"{text_seed}:{index}")
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 1))


def _known_names(names: Iterable[str]) -> List[List[str]]:
    """Each name as its parts ("Anna Kowalski" -> ["Anna", "Kowalski"]), longest names first."""
    split = [[p for p in re.split(r"[\s,]+", name.strip()) if len(p) >= 2] for name in names if isinstance(name, str)]
    return sorted([parts for parts in split if parts], key=lambda parts: -sum(map(len, parts)))


def mask(text: str, names: Iterable[str] = ()) -> str:
    # Numbers first, out of the way of the phone pattern, under placeholders; their stand-ins come last.
    numbers: List[str] = []

    def hold(match: re.Match[str]) -> str:
        numbers.append(match.group(1))
        return f"\x00{len(numbers) - 1}\x00"

    masked = _NUMBER.sub(hold, text.replace("\x00", ""))
    masked = _EMAIL.sub(EMAIL_STAND_IN, masked)
    masked = _PHONE.sub(lambda m: PHONE_STAND_IN if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), masked)
    masked = _DOTTED_PHONE.sub(PHONE_STAND_IN, masked)
    masked = _mask_names(masked, names)
    # The seed is the text without its digits: the same message masks the same way, and the stand-ins tell
    # nothing about the real numbers.
    seed = hashlib.sha256(re.sub(r"\d", "", masked).encode("utf-8")).hexdigest()
    return _PLACEHOLDER.sub(lambda m: _synthetic(seed, int(m.group(1)), len(numbers[int(m.group(1))])), masked)


def _mask_names(text: str, names: Iterable[str]) -> str:
    for parts in _known_names(names):
        stand_ins = [FIRST_NAME_STAND_IN] + [LAST_NAME_STAND_IN] * (len(parts) - 1)
        whole = r"\s+".join(re.escape(p) for p in parts)
        text = re.sub(rf"(?<!\w){whole}(?!\w)", " ".join(stand_ins), text, flags=re.IGNORECASE)
        for part, stand_in in zip(parts, stand_ins, strict=True):
            text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", stand_in, text, flags=re.IGNORECASE)

    def introduced(match: re.Match[str], capitalised: bool) -> str:
        first, last = match.group(2), match.group(3)
        if first.lower() in _NOT_NAMES or first in (FIRST_NAME_STAND_IN, LAST_NAME_STAND_IN):
            return match.group(0)
        masked = f"{match.group(1)} {FIRST_NAME_STAND_IN}"
        if last and last.strip().lower() not in _NOT_NAMES and (not capitalised or last.strip()[:1].isupper()):
            masked += f" {LAST_NAME_STAND_IN}"
        elif last:
            masked += last
        return masked

    text = _INTRO_ANY_CASE.sub(lambda m: introduced(m, False), text)
    return _INTRO_CAPITALISED.sub(lambda m: introduced(m, True), text)
