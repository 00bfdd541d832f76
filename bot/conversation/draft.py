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
from bot.disputes.matching import ItemMeaning, match_orders, order_by_reference
from bot.disputes.problems import ProblemCode
from bot.disputes.services import OrderSummary
from bot.i18n import DEFAULT, N_, Translator, translator

from . import answers

# The texts below go to the buyer: `understand` writes them with the `_` it is given (English by default).
ENGLISH = translator(DEFAULT)

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

_ADDING = re.compile(r"\b(also|too|as well|plus|and also|another problem|on top|oh and)\b", re.I)
VALID_PROBLEMS = frozenset(p.value for p in ProblemCode)


SEND_EVIDENCE = "send_evidence"  # the intent a channel sends with stored files in the metadata
NO_FILE_CAME = N_("I didn't get a file. Use the paperclip (Telegram) or the attach button (web chat) to send "
                  "photos, videos or PDFs.")


@dataclass(frozen=True)
class Turn:
    intent: str
    text: str
    entities: Sequence[Tuple[str, Any]] = ()  # (entity name, value) after synonym mapping
    requested_slot: Optional[str] = None
    attachments: Sequence[Dict[str, Any]] = ()  # evidence the channel already stored: {"sha256", "name"}
    confidence: float = 1.0  # the classifier's confidence in `intent`
    problem_guesses: Sequence[Tuple[str, float]] = ()  # the problem classifier's best codes, even below its threshold
    problem_cues: Sequence[str] = ()  # codes whose cue words the text contains (bot.nlu.problem_cues)

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
    offer_resolution: Optional[str] = None  # a question at the summary about this resolution: offer the change
    unanswered_question: bool = False  # a question the form cannot answer: let the dialogue answer it
    switched_order: bool = False


def required_slots(draft: Dict[str, Any]) -> List[str]:
    slots = [ORDER, RECEIVED]
    if draft.get(RECEIVED) is not False:
        slots += [PROBLEMS, RESOLUTION]
        if draft.get(RESOLUTION) == "partial_refund":
            slots.append(AMOUNT)
    return slots + [DESCRIPTION, EVIDENCE, CONFIRM]


def next_slot(draft: Dict[str, Any]) -> Optional[str]:
    return next((s for s in required_slots(draft) if draft.get(s) is None), None)


def answers_the_question(turn: Turn) -> bool:
    """Whether the text is a typed answer to the question asked, whatever intent the classifier chose: "no
    photos" at the photo question is not a question about photos, "skip" there is not a wish to stop."""
    asked, text = turn.requested_slot, turn.text
    if not text or text.startswith("/"):
        return False
    if answers.is_question(text) and (asked != RESOLUTION or turn.intent.startswith("faq_")):
        return False  # "can i keep it and get some money back?" answers "what would you like?"; FAQs do not
    if asked == RECEIVED:
        return answers.received(text) is not None and len(text.split()) <= 8
    if asked == EVIDENCE:
        return answers.photos_answer(text) is not None
    if asked == CONFIRM:
        return answers.yes_or_no(text) is not None or answers.new_description(text) is not None
    if asked == RESOLUTION:
        return answers.resolution_in(text) is not None
    if asked == AMOUNT:
        return answers.amount_in(text, None, bare_numbers=True) is not None or bool(answers.amount_words(text))
    if asked == DESCRIPTION:
        if answers.skips(text) or answers.new_description(text) is not None:
            return True
        # A sentence about the item is the description, whatever the classifier thought ("it wont close" is not
        # a wish to stop); a confident side question or remark is not.
        if turn.intent in ("stop", "goodbye", "cancel_dispute"):
            return not answers.explicit_stop(text)
        statement = len(text.split()) >= 5 and not answers.is_question(text)
        # "the tracking has been stuck for a month and the seller stopped answering" reads like the FAQ about
        # sellers who do not answer, but it says what went wrong: a statement naming a problem describes it.
        if statement and turn.intent != "request_human" and _names_a_problem(turn):
            return True
        return statement and turn.confidence < 0.6
    if asked == ORDER:
        return bool(turn.values("order_number"))
    return False


def _names_a_problem(turn: Turn) -> bool:
    return any(code in VALID_PROBLEMS for code in turn.problem_cues) or any(
        code in VALID_PROBLEMS and confidence >= 0.5 for code, confidence in turn.problem_guesses)


def understand(turn: Turn, draft: Dict[str, Any], orders: Sequence[OrderSummary],
               max_files: Optional[int] = None, _: Translator = ENGLISH,
               meaning: Optional[ItemMeaning] = None) -> Outcome:
    """What this turn changes in the draft. `orders` are the buyer's orders with eligibility.

    The question asked comes first: a typed answer to it ("no photos", "ok yes file it", "half") counts
    whatever intent the classifier chose. Facts named anywhere (order, problems, resolution, amount) fill
    their fields at any step; a correction changes only the field it names."""
    out = Outcome()
    asked = turn.requested_slot
    merged = dict(draft)

    def put(slot: str, value: Any) -> None:
        if slot not in out.slots and merged.get(slot) == value and slot in draft:
            return  # said again: nothing changes (and a restated fact is not a correction)
        out.slots[slot] = value
        merged[slot] = value
        if slot != CONFIRM and draft.get(CONFIRM) is not None:
            out.slots[CONFIRM] = None  # anything changed after the summary needs a fresh confirmation
            merged[CONFIRM] = None

    typed_photo_answer = (asked == EVIDENCE and not turn.attachments
                          and answers.photos_answer(turn.text or "") is not None)
    if turn.intent == SEND_EVIDENCE and not typed_photo_answer:
        # Files (or "here are the photos"): nothing else in the draft changes. At the photo question, a typed
        # "I'll send them later" / "no photos" is an answer, whatever the classifier made of "photos".
        if turn.attachments:
            _attach(turn, draft, out, put, max_files, _)
        else:
            out.messages.append(_(NO_FILE_CAME))
        return out

    if asked == CONFIRM and answers.is_question(turn.text) and not turn.attachments:
        _question_at_summary(turn, merged, out, _)
        return out

    _understand_order(turn, asked, draft, orders, out, put, _, meaning)
    _understand_problems(turn, asked, draft, out, put, _)
    _understand_resolution(turn, asked, merged, orders, out, put, _)

    if asked == DESCRIPTION and DESCRIPTION not in out.slots:
        _understand_description(turn, draft, out, put)
    elif asked == CONFIRM:
        described = answers.new_description(turn.text)
        if described:
            put(DESCRIPTION, described)

    if turn.attachments:
        _attach(turn, draft, out, put, max_files, _)
    elif asked == EVIDENCE:
        said = answers.photos_answer(turn.text) or ("none" if turn.intent == "deny" else None)
        if said:
            put(EVIDENCE, True)
            if said == "later":
                out.messages.append(_(LATER_PHOTOS))
        elif turn.intent == "affirm":
            out.messages.append(_("Go ahead: send the photos or videos here. Say done when you have sent them all."))
    elif draft.get(EVIDENCE) is None and answers.no_photos_mentioned(turn.text):
        put(EVIDENCE, True)  # "... no photos sorry" in a message full of facts

    if asked == CONFIRM and CONFIRM not in out.slots:
        confirmed = answers.yes_or_no(turn.text)
        if confirmed is None and turn.intent in ("affirm", "deny"):
            confirmed = turn.intent == "affirm"
        changed = any(slot != CONFIRM for slot in out.slots)
        if confirmed is True and not changed:
            put(CONFIRM, True)
        elif confirmed is False and not changed:
            out.messages.append(_(WHAT_TO_CHANGE))
            put(CONFIRM, None)
    return out


LATER_PHOTOS = N_("OK, let's go on without them for now. Once the dispute is filed, send the photos here any time "
                   "and I'll attach them to it.")
WHAT_TO_CHANGE = N_("No problem. Tell me what to change: the problem, what you want (refund, partial refund, another "
                    "item), the amount, or the description (\"the description should say ...\").")


def _understand_problems(turn: Turn, asked: Optional[str], draft: Dict[str, Any], out: Outcome, put,
                         _: Translator = ENGLISH) -> None:
    problems = [p for p in turn.values("problem") if p in VALID_PROBLEMS]
    if out.switched_order and answers.about_choosing_an_order(turn.text):
        problems = [p for p in problems if p != ProblemCode.WRONG_ITEM.value]  # "wrong order, I meant ..."
    denied = answers.problems_denied(turn.text)
    problems = [p for p in problems if p not in denied]
    if ProblemCode.NOT_RECEIVED.value in problems and (asked in (None, ORDER, RECEIVED, PROBLEMS)
                                                         or draft.get(RECEIVED) is not True):
        put(RECEIVED, False)
        put(PROBLEMS, [ProblemCode.NOT_RECEIVED.value])
        put(RESOLUTION, "full_refund")
        put(AMOUNT, None)
        return
    problems = answers.settle_wrong_item(turn.text,
                                         [p for p in problems if p != ProblemCode.NOT_RECEIVED.value])
    guess = _best_guess(turn) if asked == PROBLEMS and not problems else None
    if problems or denied:
        current = [p for p in draft.get(PROBLEMS) or [] if p != ProblemCode.NOT_RECEIVED.value]
        if asked == PROBLEMS and not _ADDING.search(turn.text):
            combined = problems
        elif denied:
            # "it's the size, not the colour": the denied ones go, the named ones come in.
            combined = [p for p in current if p not in denied] + [p for p in problems if p not in current]
        elif answers.is_correction(turn.text) and not _ADDING.search(turn.text):
            if answers.resolution_in(turn.text) and current:
                return  # "actually a new pair instead of the money" corrects the resolution, not the problem
            combined = problems  # "actually it's just damaged"
        elif asked in (None, ORDER, RECEIVED) or _ADDING.search(turn.text):
            combined = current + [p for p in problems if p not in current]
        else:
            # A description or a later answer that happens to name a problem ("packaging looked fine, but the
            # case was cracked") changes nothing: only "also ...", "actually ..." or "not ..." do.
            return
        if not combined:
            return
        if combined != current or draft.get(RECEIVED) is not True:
            put(RECEIVED, True)
            put(PROBLEMS, combined)
        if asked == PROBLEMS and draft.get(DESCRIPTION) and len(turn.text.split()) >= 6:
            put(DESCRIPTION, _with_more_words(draft.get(DESCRIPTION), turn.text))  # their words add up
    elif asked == PROBLEMS and guess and not answers.is_question(turn.text) \
            and answers.resolution_in(turn.text) is None:
        # Asked "what is wrong?", a weaker guess will do: the summary shows it and the buyer can correct it.
        put(RECEIVED, True)
        put(PROBLEMS, [guess])
        put(DESCRIPTION, _with_more_words(draft.get(DESCRIPTION), turn.text))
    elif asked == PROBLEMS and turn.text.strip() and not turn.text.startswith("/") \
            and not answers.is_question(turn.text) and turn.intent not in ("affirm", "deny") \
            and answers.resolution_in(turn.text) is None:
        # Their own words for a problem we have no code for: kept as the description, and the closest
        # problem type is asked for.
        out.messages.append(_("I couldn't tell which kind of problem that is. Pick the closest one below; I'll "
                              "keep your words as the description."))
        put(DESCRIPTION, _with_more_words(draft.get(DESCRIPTION), turn.text))
    elif asked == RECEIVED and not out.switched_order:
        received = _yes_or_no(turn)
        if received is None and answers.talks_about_the_item(turn.text):
            received = True  # "the handle gets burning hot": they have it
            if not draft.get(DESCRIPTION):
                put(DESCRIPTION, turn.text.strip())
        if received is not None:
            put(RECEIVED, received)
            if not received:
                put(PROBLEMS, [ProblemCode.NOT_RECEIVED.value])
                put(RESOLUTION, "full_refund")


GUESS_THRESHOLD = 0.15
MAX_KEPT_DESCRIPTION_CHARS = 1500  # below the store's limit; the buyer can always rewrite it


def _with_more_words(description: Optional[str], text: str) -> str:
    """The buyer's words about the problem, kept as the description: a later sentence adds to an earlier one."""
    text = text.strip()
    if not description:
        return text
    if text.lower() in description.lower():
        return description
    return f"{description} {text}"[:MAX_KEPT_DESCRIPTION_CHARS]


def _best_guess(turn: Turn) -> Optional[str]:
    """The problem classifier's best code when the buyer is answering "what is wrong?" in a sentence."""
    if len(turn.text.split()) < 3 or turn.text.startswith("/"):
        return None
    for code, confidence in turn.problem_guesses:
        if code in VALID_PROBLEMS and code != ProblemCode.NOT_RECEIVED.value and confidence >= GUESS_THRESHOLD:
            return code
        break
    cues = [c for c in turn.problem_cues if c in VALID_PROBLEMS and c != ProblemCode.NOT_RECEIVED.value]
    return cues[0] if len(cues) == 1 else None  # one clear cue word ("the seam split"); several are a guess


def _understand_description(turn: Turn, draft: Dict[str, Any], out: Outcome, put) -> None:
    text = turn.text.strip()
    if not text or text.startswith("/"):
        if turn.intent == "deny":
            put(DESCRIPTION, "")
        return
    corrected = any(slot in out.slots for slot in (RESOLUTION, AMOUNT, ORDER)) or (
        PROBLEMS in out.slots and answers.is_correction(text))
    if corrected:
        return  # "forget the replacement, just refund me fully" changes the resolution, not the description
    if turn.intent == "deny" or answers.skips(text) or (len(text.split()) <= 3 and answers.yes_or_no(text) is not None):
        put(DESCRIPTION, "")  # "no", "skip", or a stray "ok yes": nothing to add
        return
    put(DESCRIPTION, answers.new_description(text) or text)


# The answer to "can I get ... instead?" at the summary, per resolution (what to type to change it included).
OTHER_RESOLUTION_ANSWERS = {
    "full_refund": N_("Yes, you can ask for a full refund. Nothing is filed yet: say \"change it to full refund\" "
                      "(or tap below) and I'll update the summary."),
    "partial_refund": N_("Yes, you can ask for a partial refund and keep the item. Nothing is filed yet: say "
                         "\"change it to partial refund\" (or tap below) and I'll update the summary."),
    "another_item": N_("Yes, you can ask for another item instead. Nothing is filed yet: say \"change it to another "
                       "item instead\" (or tap below) and I'll update the summary."),
}


def _question_at_summary(turn: Turn, merged: Dict[str, Any], out: Outcome, _: Translator = ENGLISH) -> None:
    """A question at the summary changes nothing; one about another resolution is answered here."""
    wanted = answers.resolution_in(turn.text)
    if wanted and merged.get(RECEIVED) is not False and wanted != merged.get(RESOLUTION):
        out.messages.append(_(OTHER_RESOLUTION_ANSWERS[wanted]))
        out.offer_resolution = wanted
    else:
        out.unanswered_question = True


def _attach(turn: Turn, draft: Dict[str, Any], out: Outcome, put, max_files: Optional[int] = None,
            _: Translator = ENGLISH) -> None:
    """Files sent during the form. The dispute's file limit is checked here, when they arrive, not at filing."""
    kept = list(draft.get("evidence_files") or [])
    room = len(turn.attachments) if max_files is None else max(0, max_files - len(kept))
    taken, refused = list(turn.attachments)[:room], list(turn.attachments)[room:]
    if taken:
        out.messages.append(_("Attached: {names}.", names=", ".join(a.get("name") or _("file") for a in taken)))
        put("evidence_files", kept + taken)
    if refused:
        out.messages.append(_("A dispute can have at most {max_files} files, so I didn't attach: {names}.",
                              max_files=max_files, names=", ".join(a.get("name") or _("file") for a in refused)))


def _yes_or_no(turn: Turn) -> Optional[bool]:
    """The answer to "did you receive it?": the classifier's affirm/deny, else the words ("never came")."""
    if turn.intent in ("affirm", "deny"):
        return turn.intent == "affirm"
    return answers.received(turn.text)


def reason_text(_: Translator, eligibility: Any) -> str:
    """Why an order can't get a dispute, in `_`'s language: the reason's catalogue template when the domain gives
    one (the domain knows no languages), else its English reason."""
    template = getattr(eligibility, "template", None)
    if template:
        return _(template, **(getattr(eligibility, "params", None) or {}))
    return eligibility.reason


def _understand_order(turn: Turn, asked: Optional[str], draft: Dict[str, Any], orders: Sequence[OrderSummary],
                      out: Outcome, put, _: Translator = ENGLISH, meaning: Optional[ItemMeaning] = None) -> None:
    eligible = [s for s in orders if s.eligibility.can_open]
    chosen: Optional[OrderSummary] = None
    by_number = {s.order.number: s for s in orders}
    numbers = [n for n in map(order_number_or_none, turn.values("order_number")) if n]
    refs = [str(r) for r in turn.values("order_ref")]
    items = [str(i) for i in turn.values("item")]
    position = answers.position_in(turn.text) if asked == ORDER else None
    if numbers:
        chosen = by_number.get(numbers[0])
        if chosen is None:
            out.messages.append(_("I can't find order {order_number} among your orders.", order_number=numbers[0]))
    elif asked == ORDER and position is not None and eligible:
        # "the second one": in the list of buttons just shown
        chosen = eligible[position] if -len(eligible) <= position < len(eligible) else None
    elif refs:
        order = order_by_reference([s.order for s in orders], refs[0])
        chosen = by_number.get(order.number) if order else None
    elif (items and (not draft.get(ORDER) or asked == ORDER or answers.about_choosing_an_order(turn.text))) \
            or asked == ORDER or (asked is None and not draft.get(ORDER)):
        # Item words (or the whole message when the extractor found none: "a dispute for my reel") pick the order
        # until one is chosen; later they are just words ("the charging case won't hold a charge"), unless the
        # buyer says they meant another order.
        matches = [by_number[o.number] for o in match_orders([s.order for s in orders], " ".join(items))] \
            if items else []
        if not matches:
            # `meaning`: item titles named in another language (bot.disputes.matching.ItemMeaning)
            matches = [by_number[o.number] for o in match_orders([s.order for s in orders], turn.text, meaning)]
        if len(matches) == 1:
            chosen = matches[0]
        elif len(matches) > 1:
            out.messages.append(_("Which of these do you mean?"))
            out.order_choices = matches
        elif asked == ORDER:
            out.messages.append(_("I couldn't tell which order you mean."))  # the question follows, with buttons
    if chosen is None:
        return
    if not chosen.eligibility.can_open:
        out.messages.append(reason_text(_, chosen.eligibility))
        others = [s for s in eligible if s.order.number != chosen.order.number]
        if others:
            out.messages.append(_("You can still open a dispute on one of these:"))
            out.order_choices = others
        put(ORDER, None)
        return
    if draft.get(ORDER) and draft.get(ORDER) != chosen.order.number:
        # Another order ("sorry, I meant the earbuds"): what was said was about the other one.
        for slot in (RECEIVED, PROBLEMS, RESOLUTION, AMOUNT, DESCRIPTION):
            put(slot, None)
        out.switched_order = True
    put(ORDER, chosen.order.number)


def _understand_resolution(turn: Turn, asked: Optional[str], merged: Dict[str, Any], orders: Sequence[OrderSummary],
                           out: Outcome, put, _: Translator = ENGLISH) -> None:
    named = [r for r in turn.values("resolution") if r in ("full_refund", "partial_refund", "another_item")]
    # A description may say "refund" or "the right one" without asking for anything: there, only a correction
    # ("actually, a replacement instead") counts.
    free_text = asked in (DESCRIPTION, EVIDENCE) and not answers.is_correction(turn.text) \
        and len(turn.text.split()) > 4  # "partial refund" alone is a choice, not a description
    if free_text and not turn.text.startswith("/"):
        return
    typed = None if turn.text.startswith("/") else answers.resolution_in(turn.text)
    # What the buyer's words say wins over the extractor when they disagree ("forget the replacement, refund me").
    wanted = typed or (named[0] if named else None)
    if asked == RESOLUTION and wanted is None:
        wanted = answers.resolution_in(turn.text)
    price = next((s.order.price for s in orders if s.order.number == merged.get(ORDER)), None)
    amount = _amount_in(turn, asked, price, wanted or merged.get(RESOLUTION))
    if wanted == "full_refund" and amount is not None and not answers.says_full(turn.text):
        wanted = "partial_refund"  # "make the refund 12 dollars"
    if merged.get(RECEIVED) is False:
        if wanted and wanted != "full_refund":
            out.messages.append(_("When an item never arrived, the dispute asks for a full refund."))
        return
    if wanted is None and amount is not None and asked in (RESOLUTION, AMOUNT, CONFIRM, None, ORDER, PROBLEMS):
        wanted = "partial_refund"
    if wanted:
        if wanted != merged.get(RESOLUTION):
            put(RESOLUTION, wanted)
        if wanted != "partial_refund" and merged.get(AMOUNT) is not None:
            put(AMOUNT, None)
    if amount is None or merged.get(RESOLUTION) != "partial_refund":
        return
    if price is not None and amount > price:
        out.messages.append(_("The refund can't be more than the {price} you paid. How much of it do you want back?",
                              price=_.money(price, _currency(orders, merged))))
        put(AMOUNT, None)
    elif price is not None and amount == price:
        put(RESOLUTION, "full_refund")
        put(AMOUNT, None)
        out.messages.append(_("That's the whole price, so I've made it a full refund."))
    else:
        put(AMOUNT, f"{amount:.2f}")


def order_number_or_none(value: Any) -> Optional[str]:
    try:
        return parse_order_number(str(value))
    except InvalidInput:
        return None  # e.g. an amount the entity extractor took for a number


def _currency(orders: Sequence[OrderSummary], merged: Dict[str, Any]) -> str:
    return next((s.order.currency for s in orders if s.order.number == merged.get(ORDER)), "")


def _amount_in(turn: Turn, asked: Optional[str], price: Optional[Decimal], resolution: Optional[str]
               ) -> Optional[Decimal]:
    bare = asked in (AMOUNT, RESOLUTION)
    found = answers.amount_in(turn.text, price, bare_numbers=bare) if turn.text and not turn.text.startswith("/") \
        else None
    if found is not None or not (bare or resolution == "partial_refund"):
        return _valid_amount(found)
    if bare and turn.text and not turn.text.startswith("/"):
        return None  # the text was read and holds no amount: the extractor's guess is not better
    for raw in (str(v) for v in turn.values("amount")):
        try:
            return parse_amount(raw)
        except InvalidInput:
            continue
    return None


def _valid_amount(value: Optional[Decimal]) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        return parse_amount(str(value))
    except InvalidInput:
        return None
