"""How one chat turn fills the dispute form, in the official form's order. Pure: no Rasa, no store.

The form's slots are a draft of the dispute. Each turn may fill several fields at once ("the blue dress never
came, I want my money back"), correct an earlier one ("actually it's the wrong size, not colour"), or
answer just the question asked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.disputes.errors import InvalidInput
from bot.disputes.inputs import parse_amount, parse_order_number
from bot.disputes.matching import match_orders, order_by_reference
from bot.disputes.problems import ProblemCode
from bot.disputes.services import OrderSummary

# Slot names, in the order the official form asks for them.
ORDER = "dispute_order"
RECEIVED = "item_received"
PROBLEMS = "problems"
RESOLUTION = "resolution"
AMOUNT = "refund_amount"
DESCRIPTION = "description"
EVIDENCE = "evidence_done"
CONFIRM = "confirm_filing"
FORM_SLOTS = (ORDER, RECEIVED, PROBLEMS, RESOLUTION, AMOUNT, DESCRIPTION, EVIDENCE, CONFIRM)

_ADDING = re.compile(r"\b(also|too|as well|plus|and also|another problem|on top)\b", re.I)
_NO_EVIDENCE = re.compile(r"\b(no|none|skip|don'?t have|dont have|without|later|no photos?|nothing)\b", re.I)
_DONE = re.compile(r"\b(done|that'?s all|thats it|finished|ok|okay|next)\b", re.I)
_VALID_PROBLEMS = {p.value for p in ProblemCode}
# Answers to "did you receive it?" that the intent classifier may file as inform: "yes it arrived", "never came".
_SAYS_NO = re.compile(r"\b(no|nope|nah|never|not|didn'?t|hasn'?t|haven'?t|nothing)\b", re.I)
_SAYS_YES = re.compile(r"\b(yes|yeah|yep|yup|ya|arrived|received|got it|came|delivered)\b", re.I)


SEND_EVIDENCE = "send_evidence"  # the intent a channel sends with stored files in the metadata
NO_FILE_CAME = ("I didn't get a file. Use the paperclip (Telegram) or the attach button (web chat) to send photos, "
                "videos or PDFs.")


@dataclass(frozen=True)
class Turn:
    intent: str
    text: str
    entities: Sequence[Tuple[str, Any]] = ()  # (entity name, value) after synonym mapping
    requested_slot: Optional[str] = None
    attachments: Sequence[Dict[str, Any]] = ()  # evidence the channel already stored: {"sha256", "name"}

    def values(self, entity: str) -> List[Any]:
        seen: List[Any] = []
        for name, value in self.entities:
            if name == entity and value not in seen:
                seen.append(value)
        return seen


@dataclass
class Outcome:
    slots: Dict[str, Any] = field(default_factory=dict)
    messages: List[str] = field(default_factory=list)
    order_choices: List[OrderSummary] = field(default_factory=list)  # offer these as buttons


def required_slots(draft: Dict[str, Any]) -> List[str]:
    slots = [ORDER, RECEIVED]
    if draft.get(RECEIVED) is not False:
        slots += [PROBLEMS, RESOLUTION]
        if draft.get(RESOLUTION) == "partial_refund":
            slots.append(AMOUNT)
    return slots + [DESCRIPTION, EVIDENCE, CONFIRM]


def next_slot(draft: Dict[str, Any]) -> Optional[str]:
    return next((s for s in required_slots(draft) if draft.get(s) is None), None)


def understand(turn: Turn, draft: Dict[str, Any], orders: Sequence[OrderSummary]) -> Outcome:
    """What this turn changes in the draft. `orders` are the buyer's orders with eligibility."""
    out = Outcome()
    asked = turn.requested_slot
    merged = dict(draft)

    def put(slot: str, value: Any) -> None:
        out.slots[slot] = value
        merged[slot] = value
        if slot != CONFIRM and draft.get(CONFIRM) is not None:
            out.slots[CONFIRM] = None  # anything changed after the summary needs a fresh confirmation
            merged[CONFIRM] = None

    if turn.intent == SEND_EVIDENCE:
        # Files (or "here are the photos"): nothing else in the draft changes.
        if turn.attachments:
            _attach(turn, draft, out, put)
        else:
            out.messages.append(NO_FILE_CAME)
        return out

    _understand_order(turn, asked, orders, out, put)

    problems = [p for p in turn.values("problem") if p in _VALID_PROBLEMS]
    if ProblemCode.NOT_RECEIVED.value in problems:
        put(RECEIVED, False)
        put(PROBLEMS, [ProblemCode.NOT_RECEIVED.value])
        put(RESOLUTION, "full_refund")
        put(AMOUNT, None)
    elif problems:
        current = list(draft.get(PROBLEMS) or [])
        if current == [ProblemCode.NOT_RECEIVED.value]:
            current = []
        adding = bool(_ADDING.search(turn.text)) and asked != PROBLEMS
        combined = current + [p for p in problems if p not in current] if adding else problems
        put(RECEIVED, True)
        put(PROBLEMS, combined)
    elif asked == RECEIVED and _yes_or_no(turn) is not None:
        received = _yes_or_no(turn)
        put(RECEIVED, received)
        if not received:
            put(PROBLEMS, [ProblemCode.NOT_RECEIVED.value])
            put(RESOLUTION, "full_refund")

    _understand_resolution(turn, asked, merged, orders, out, put)

    if asked == DESCRIPTION and turn.intent not in ("deny",) and turn.text.strip() and DESCRIPTION not in out.slots:
        put(DESCRIPTION, turn.text.strip())
    elif asked == DESCRIPTION and turn.intent == "deny":
        put(DESCRIPTION, "")

    if turn.attachments:
        _attach(turn, draft, out, put)
    elif asked == EVIDENCE:
        if turn.intent == "deny" or _NO_EVIDENCE.search(turn.text) or _DONE.search(turn.text):
            put(EVIDENCE, True)
        elif turn.intent == "affirm":
            out.messages.append("Go ahead: send the photos or videos here. Say done when you have sent them all.")

    if asked == CONFIRM and CONFIRM not in out.slots:
        if turn.intent == "affirm":
            put(CONFIRM, True)
        elif turn.intent == "deny":
            out.messages.append("No problem. Tell me what to change: the problem, what you want (refund, "
                                "partial refund, another item), the amount or the description.")
            put(CONFIRM, None)
    return out


def _attach(turn: Turn, draft: Dict[str, Any], out: Outcome, put) -> None:
    names = ", ".join(a.get("name") or "file" for a in turn.attachments)
    out.messages.append(f"Attached: {names}.")
    put("evidence_files", list(draft.get("evidence_files") or []) + list(turn.attachments))


def _yes_or_no(turn: Turn) -> Optional[bool]:
    if turn.intent in ("affirm", "deny"):
        return turn.intent == "affirm"
    if _SAYS_NO.search(turn.text):
        return False
    if _SAYS_YES.search(turn.text):
        return True
    return None


def _understand_order(turn: Turn, asked: Optional[str], orders: Sequence[OrderSummary], out: Outcome, put) -> None:
    eligible = [s for s in orders if s.eligibility.can_open]
    chosen: Optional[OrderSummary] = None
    by_number = {s.order.number: s for s in orders}
    numbers = [n for n in map(_order_number, turn.values("order_number")) if n]
    refs = [str(r) for r in turn.values("order_ref")]
    items = [str(i) for i in turn.values("item")]
    if numbers:
        chosen = by_number.get(numbers[0])
        if chosen is None:
            out.messages.append(f"I can't find order {numbers[0]} among your orders.")
    elif refs:
        order = order_by_reference([s.order for s in orders], refs[0])
        chosen = by_number.get(order.number) if order else None
    elif items or asked == ORDER:
        text = " ".join(items) if items else turn.text
        matches = [by_number[o.number] for o in match_orders([s.order for s in orders], text)]
        if len(matches) == 1:
            chosen = matches[0]
        elif len(matches) > 1:
            out.messages.append("Which of these do you mean?")
            out.order_choices = matches
        elif asked == ORDER:
            out.messages.append("I couldn't tell which order you mean. Pick one below or type its 16-digit number.")
            out.order_choices = eligible
    if chosen is None:
        return
    if not chosen.eligibility.can_open:
        out.messages.append(chosen.eligibility.reason)
        others = [s for s in eligible if s.order.number != chosen.order.number]
        if others:
            out.messages.append("You can still open a dispute on one of these:")
            out.order_choices = others
        put(ORDER, None)
        return
    put(ORDER, chosen.order.number)


def _understand_resolution(turn: Turn, asked: Optional[str], merged: Dict[str, Any], orders: Sequence[OrderSummary],
                           out: Outcome, put) -> None:
    resolutions = [r for r in turn.values("resolution") if r in ("full_refund", "partial_refund", "another_item")]
    amount = _amount_in(turn, asked)
    if merged.get(RECEIVED) is False:
        if resolutions and resolutions[0] != "full_refund":
            out.messages.append("When an item never arrived, the dispute asks for a full refund.")
        return
    if resolutions:
        put(RESOLUTION, resolutions[0])
        if resolutions[0] != "partial_refund":
            put(AMOUNT, None)
    elif amount is not None and asked in (RESOLUTION, AMOUNT):
        put(RESOLUTION, "partial_refund")
    if amount is not None and merged.get(RESOLUTION) == "partial_refund":
        price = next((s.order.price for s in orders if s.order.number == merged.get(ORDER)), None)
        if price is not None and amount > price:
            out.messages.append(f"The refund can't be more than the {price} {_currency(orders, merged)} you paid.")
            put(AMOUNT, None)
        else:
            put(AMOUNT, f"{amount:.2f}")


def _order_number(value: Any) -> Optional[str]:
    try:
        return parse_order_number(str(value))
    except InvalidInput:
        return None  # e.g. an amount the entity extractor took for a number


def _currency(orders: Sequence[OrderSummary], merged: Dict[str, Any]) -> str:
    return next((s.order.currency for s in orders if s.order.number == merged.get(ORDER)), "")


def _amount_in(turn: Turn, asked: Optional[str]) -> Optional[Decimal]:
    candidates = [str(v) for v in turn.values("amount")]
    if asked == AMOUNT:
        candidates.append(turn.text)
    for raw in candidates:
        try:
            return parse_amount(raw)
        except InvalidInput:
            continue
    return None
