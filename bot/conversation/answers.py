"""Reading a typed answer in the context of the question the bot asked. Pure: no Rasa, no store.

The intent classifier reads a message on its own; these readers know what was asked, so "no photos" at the
photo question, "ok yes file it" at the summary or "half" at the amount question mean what the buyer meant,
whatever intent the classifier chose. Each reader returns None when the text is not an answer it knows.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

_PUNCT = re.compile(r"[^\w\s$€£?.,'-]")


def normalise(text: str) -> str:
    """Lowercase, curly quotes straightened, emoji and repeated punctuation dropped, spaces collapsed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = _PUNCT.sub(" ", text)
    text = re.sub(r"([!?.,])\1+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def is_question(text: str) -> bool:
    t = normalise(text)
    return t.endswith("?") or bool(re.match(
        r"^(can|could|may|how|what|when|why|where|will|would|is|are|do|does|should|which)\b", t))


# ---- yes / no ------------------------------------------------------------------------------------------

_YES = re.compile(r"\b(yes|yeah|yea|yep|yup|ya|yes please|sure|ok|okay|k|go ahead|go for it|do it|file it|"
                  r"send it|submit( it)?|confirm(ed)?|correct|that'?s right|looks (good|right|fine)|all good|"
                  r"perfect|fine|right|absolutely|of course|please do)\b")
_NO = re.compile(r"\b(no|nope|nah|not|don'?t|dont|wait|hold on|change|wrong|never|cancel)\b")


def yes_or_no(text: str, verb: str = "") -> Optional[bool]:
    """A plain yes or no ("ok yes file it", "Yes, file it", "nope"); None for anything else, questions
    included ("before i say yes, how long ...?"). `verb` is what was asked ("cancel"): "yes cancel" is a yes."""
    t = normalise(text)
    if verb:
        t = re.sub(rf"\b{re.escape(verb)}\b", " ", t).strip()
    if not t or is_question(t) or len(t.split()) > 8:
        return None
    yes, no = bool(_YES.search(t)), bool(_NO.search(t))
    if yes and not no:
        return True
    if no and not yes:
        return False
    return None


_ARRIVED = re.compile(r"\b(arrived|received|recieved|got it|came|delivered|have it|it'?s here)\b")
_NOT_ARRIVED = re.compile(r"\b(never|not|didn'?t|didnt|hasn'?t|hasnt|haven'?t|havent|no|nope|nothing|still waiting|"
                          r"lost)\b")


def received(text: str) -> Optional[bool]:
    """The answer to "Did you receive the item?", button titles included ("Yes, it arrived")."""
    t = normalise(text)
    if _NOT_ARRIVED.search(t):
        return False
    if _ARRIVED.search(t) or _YES.search(t):
        return True
    return None


# ---- photos ----------------------------------------------------------------------------------------------

_LATER = re.compile(r"\b(later|tonight|tomorrow|after|afterwards|another time|when i get home)\b")
_NO_PHOTOS = re.compile(r"\b(no (photos?|pics?|pictures?|images?|videos?|files?)|skip|don'?t have|dont have|"
                        r"without|none|no|nope|nah|nothing|can'?t|cant|done|that'?s all|thats all|that'?s it|"
                        r"thats it|finished|next|go on|continue|carry on|move on)\b")


def photos_answer(text: str) -> Optional[str]:
    """At the photo question: "later" (go on now, add photos after filing), "none" (go on without) or None."""
    t = normalise(text)
    if _LATER.search(t):
        return "later"
    if _NO_PHOTOS.search(t):
        return "none"
    return None


def no_photos_mentioned(text: str) -> bool:
    """A message that says, among other things, that there are no photos ("... no photos sorry")."""
    return bool(re.search(r"\bno (photos?|pics?|pictures?|images?)\b", normalise(text)))


# ---- resolution ---------------------------------------------------------------------------------------

# Words after these no longer count as what the buyer wants: "forget the replacement, just refund me fully".
_NEGATED = re.compile(r"\b(forget|not|no|don'?t want|dont want|instead of|rather than|no longer|cancel)\b"
                      r"(\s+(about\s+)?(the|a|an|my|that)?)?\s*\w+(\s+(one|item|refund))?")
_PARTIAL = re.compile(r"\b(partial|partly|keep (it|them|the \w+)|some (of (my|the) )?money|part of|discount|"
                      r"compensat\w*|half|bit of money|little money)\b")
_ANOTHER = re.compile(r"\b(another (one|item|piece|pair)?|replacement|replace( it)?|new one|resend|re-send|"
                      r"send (it|one|me one|a new one) again|exchange|swap|a new \w+|"
                      r"sen[dt] (me )?(one|it|a new|the right)\b.*|.*\bsen[dt] instead|"
                      r"sen[dt] (me )?(a |an |the )?(\w+ )?(one|pair|item)|get a (new|proper|working) \w+)\b")
_FULL = re.compile(r"\b(full refund|refund( me)?( fully| in full)?|money back|reimburse\w*|all (of )?(my|the) money|"
                   r"fully|full amount|whole amount|full|refnd|refund)\b")


def resolution_in(text: str) -> Optional[str]:
    """full_refund, partial_refund or another_item in a buyer's words; None when none is named."""
    t = _NEGATED.sub(" ", normalise(text))
    if _PARTIAL.search(t):
        return "partial_refund"
    if _ANOTHER.search(t):
        return "another_item"
    if _FULL.search(t):
        return "full_refund"
    return None


# ---- amounts ------------------------------------------------------------------------------------------

_MONEY = r"(?:us\$|\$|€|£|usd|eur|gbp|dollars?|bucks|euros?)"
_WITH_CURRENCY = re.compile(rf"(?:{_MONEY}\s*(\d{{1,9}}(?:[.,]\d{{1,2}})?)\b"
                            rf"|\b(\d{{1,9}}(?:[.,]\d{{1,2}})?)\s*{_MONEY})")
_BARE = re.compile(r"(?<![\w.,-])(\d{1,9}(?:[.,]\d{1,2})?)(?![\w]|[.,]\d)")
_HALF = re.compile(r"\b(half|50 ?%|fifty percent)\b")
_ALL = re.compile(r"\b(all of it|all|everything|the whole (thing|price|amount)|full price|full amount|the lot)\b")


def amount_words(text: str) -> bool:
    """"half", "all of it": amounts in words, which need the price to become a number."""
    t = normalise(text)
    return bool(_HALF.search(t) or _ALL.search(t))


def _decimal(raw: str) -> Decimal:
    return Decimal(raw.replace(",", "."))


def amount_in(text: str, price: Optional[Decimal], *, bare_numbers: bool) -> Optional[Decimal]:
    """A refund amount: "$5", "5 dollars", "partial refund of 5.50", "half", "all of it". Bare numbers ("ugh.
    29.95") count only when `bare_numbers` (the amount was asked); 16-digit order numbers never count."""
    t = normalise(text)
    match = _WITH_CURRENCY.search(t)
    if match:
        return _decimal(match.group(1) or match.group(2))
    if price is not None and _HALF.search(t):
        return (price / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not bare_numbers:
        # "a refund of 5", "5 back", and a correction: "change the amount to 6", "make it 6".
        of = re.search(r"\b(?:refund|back|of|amount(?:\s+(?:to|is|should\s+be))?|make\s+it|change\s+it\s+to)\s+"
                       r"(\d{1,9}(?:[.,]\d{1,2})?)\b(?!\s*(?:days?|keys?|items?|%))", t)
        return _decimal(of.group(1)) if of else None
    numbers = [n for n in _BARE.findall(t) if len(n.replace(",", "").replace(".", "")) < 12]
    if numbers:
        return _decimal(numbers[0])
    if price is not None and _ALL.search(t):
        return price
    return None


# ---- corrections ------------------------------------------------------------------------------------

_NEW_DESCRIPTION = re.compile(
    r"\b(?:the )?(?:description|it)\s+should\s+(?:say|read|be)\s*:?\s*(?P<a>.+)$"
    r"|\b(?:change|set|make)\s+the\s+description\s+(?:to|into)\s*:?\s*(?P<b>.+)$"
    r"|\bnew description\s*:?\s*(?P<c>.+)$", re.I | re.S)


def new_description(text: str) -> Optional[str]:
    """The new text in "the description should say ..." / "change the description to ..."."""
    match = _NEW_DESCRIPTION.search(text.strip())
    if not match:
        return None
    value = (match.group("a") or match.group("b") or match.group("c") or "").strip().strip("\"'").strip()
    return value or None


_SKIP = re.compile(r"^(no|nope|nah|none|nothing|skip|skip it|n/a|na|nothing to add|no thanks|not really|"
                   r"that'?s it|thats it|-)$")


def skips(text: str) -> bool:
    """"no", "skip", "nothing to add": the buyer leaves an optional field empty."""
    return bool(_SKIP.match(normalise(text).strip(" .!")))


_NOT_PROBLEM_WORDS = {
    "size": "size_mismatch", "colour": "color_mismatch", "color": "color_mismatch", "brand": "brand_mismatch",
    "model": "model_mismatch", "material": "material_mismatch", "weight": "weight_mismatch",
    "broken": "damaged", "damaged": "damaged", "packaging": "no_packaging", "box": "no_packaging",
    "fake": "counterfeit", "counterfeit": "counterfeit", "wrong item": "wrong_item", "missing": "missing_parts",
}


def problems_denied(text: str) -> set:
    """Problem codes the buyer says are NOT the problem: "it's the size, not the colour" -> {color_mismatch}.
    "it's not the brand they advertised" is the complaint itself, so a bare "not X" counts only in a correction
    ("actually ... not the colour")."""
    t = normalise(text)
    denied = set()
    contrast = re.finditer(r"\b([a-z]+)\s*,?\s+(?:and\s+)?(?:not|isn'?t)\s+(?:the\s+|a\s+)?([a-z]+(?:\s+item)?)", t)
    for match in contrast:
        if match.group(1) in _NOT_PROBLEM_WORDS and _NOT_PROBLEM_WORDS.get(match.group(2)):
            denied.add(_NOT_PROBLEM_WORDS[match.group(2)])
    if is_correction(t):
        for match in re.finditer(r"\b(?:not|isn'?t|no longer)\s+(?:the\s+|a\s+)?([a-z]+(?:\s+item)?)", t):
            code = _NOT_PROBLEM_WORDS.get(match.group(1))
            if code:
                denied.add(code)
    return denied


def is_correction(text: str) -> bool:
    return bool(re.search(r"\b(actually|instead|forget|change|make it|rather|correction|i meant|i mean|sorry i)\b",
                          normalise(text)))


def about_choosing_an_order(text: str) -> bool:
    """"sorry wrong order, i meant the earbuds": a correction of which order, not a wrong item."""
    return bool(re.search(r"\b(wrong (order|one)|i meant|i mean|not that one|other one)\b", normalise(text)))


def talks_about_the_item(text: str) -> bool:
    """A statement about the item itself (four words or more, no question, no negation): the buyer has it."""
    t = normalise(text)
    return len(t.split()) >= 4 and not is_question(t) and not _NOT_ARRIVED.search(t) and not t.startswith("/")


def says_full(text: str) -> bool:
    return bool(re.search(r"\b(full|fully|all|everything|whole)\b", normalise(text)))


_STOP = re.compile(r"\b(stop|cancel|forget it|forget about it|never ?mind|nvm|quit|exit|leave it|not now|bye|"
                   r"don'?t want to|dont want to|give up|later)\b")


def explicit_stop(text: str) -> bool:
    """A clear wish to leave ("stop", "forget it", "never mind"), not a sentence that happens to say "won't"."""
    t = normalise(text)
    return len(t.split()) <= 6 or bool(_STOP.search(t))


_POSITION_WORDS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
                   "fifth": 4, "5th": 4, "last": -1, "bottom": -1, "top": 0}


def position_in(text: str) -> Optional[int]:
    """"the second one", "last one", "2": a place in the list just shown (not "my last order")."""
    t = normalise(text)
    if "order" in t or len(t.split()) > 5:
        return None
    match = re.search(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|bottom|top)\b", t)
    if match:
        return _POSITION_WORDS[match.group(1)]
    number = re.fullmatch(r"(?:#|no\.? ?|number )?([1-8])", t.strip())
    return int(number.group(1)) - 1 if number else None


_WRONG_ITEM = re.compile(r"\b(completely|totally|entirely|a whole) different\b|\bwrong (item|product|thing|one)\b|"
                         r"\bsomeone else'?s?\b|\bnot (what|the one) i (ordered|bought|paid)")
_ATTRIBUTE_INSTEAD = re.compile(r"\b(size|colou?r|model|version|brand)\b.{0,25}\binstead of\b|"
                                r"\b(size|in) [a-z0-9]{1,4} instead of\b")


def settle_wrong_item(text: str, problems: list) -> list:
    """A wrong item differs in everything, so its colour and material mismatches are not extra problems; and
    "came in size S instead of M" is a size problem, not a wrong item."""
    t = normalise(text)
    if "wrong_item" in problems and _WRONG_ITEM.search(t):
        return [p for p in problems if not p.endswith("_mismatch")]
    if "wrong_item" in problems and _ATTRIBUTE_INSTEAD.search(t) and len(problems) > 1:
        return [p for p in problems if p != "wrong_item"]
    return problems


_FOLLOW_UP = re.compile(r"^(and|what about|how about|same for|and for|also for)\b")


def is_follow_up(text: str) -> bool:
    """"and the dress?", "what about the shoes": the previous question again, about something else."""
    t = normalise(text)
    return bool(_FOLLOW_UP.match(t)) and len(t.split()) <= 6
