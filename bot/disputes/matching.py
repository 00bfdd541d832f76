"""Finding the order a buyer means from how they name it: "the earbuds", "my last order", "the blue dress"."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Callable, List, Optional, Sequence

from .model import Order

# What item titles a buyer's words mean when they share no word with them (another language than the titles'):
# (words, titles) -> the index of the one title they clearly name, or None. bot.nlu.item_meaning has one.
ItemMeaning = Callable[[str, Sequence[str]], Optional[int]]

_WORD = re.compile(r"[a-z0-9]+")
_IGNORED = frozenset(
    "the a an my i me it its this that one order item thing product with and for of in on to from size "
    "eu us uk pcs piece pieces set new last previous".split()
)


def _stems(text: str) -> set:
    words = _WORD.findall(text.lower())
    stems = set()
    for word in words:
        if word in _IGNORED or len(word) < 3:
            continue
        # crude plural folding is enough for product nouns: earbuds/earbud, shoes/shoe, lights/light
        stems.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return stems


def match_orders(orders: Sequence[Order], description: str, meaning: Optional[ItemMeaning] = None) -> List[Order]:
    """Orders whose item shares the most words with the description; when none shares a word, the one item the
    description means (`meaning`, for words in another language than the titles); empty when nothing fits."""
    scored = [(_overlap(_stems(description), _stems(order.item)), order) for order in orders]
    best = max((score for score, _ in scored), default=0)
    if best > 0:
        return [order for score, order in scored if score == best]
    if meaning is not None and orders and description.strip():
        index = meaning(description, [order.item for order in orders])
        if index is not None and 0 <= index < len(orders):
            return [orders[index]]
    return []


def _overlap(wanted: set, item: set) -> int:
    """Words in common; a typo of five letters or more still counts ("keybord", "earbds"), but not another word
    that one starts ("charge" is not a typo of "charger")."""
    exact = wanted & item
    fuzzy = sum(1 for w in wanted - exact if len(w) >= 5 and any(
        len(i) >= 5 and not (i.startswith(w) or w.startswith(i)) and SequenceMatcher(None, w, i).ratio() >= 0.8
        for i in item - exact))
    return len(exact) + fuzzy


def order_by_reference(orders: Sequence[Order], reference: str) -> Optional[Order]:
    """'last'/'latest' is the most recent order, 'previous' the one before."""
    by_date = sorted(orders, key=lambda o: o.ordered_at, reverse=True)
    index = {"last": 0, "latest": 0, "recent": 0, "previous": 1}.get(reference.lower().strip())
    if index is None or index >= len(by_date):
        return None
    return by_date[index]
