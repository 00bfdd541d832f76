"""How domain results read in chat, in the conversation's language (`_`). Pure formatting: no Rasa, no store."""
from __future__ import annotations

from typing import Any, Iterable, List, Optional

from bot.conversation.draft import reason_text
from bot.disputes.model import DisputeStatus, Resolution
from bot.disputes.problems import ProblemCode
from bot.disputes.services import DisputeDetails, OrderSummary
from bot.i18n import N_, Translator

# Marked here and translated where shown: `_(RESOLUTION_LABELS[...])`.
RESOLUTION_LABELS = {
    Resolution.FULL_REFUND: N_("full refund"),
    Resolution.PARTIAL_REFUND: N_("partial refund"),
    Resolution.ANOTHER_ITEM: N_("another item sent"),
}
# The same with the amount, as one text each, so a translation can put the amount where its language wants it.
RESOLUTION_WITH_AMOUNT = {
    Resolution.FULL_REFUND: N_("full refund of {amount}"),
    Resolution.PARTIAL_REFUND: N_("partial refund of {amount}"),
    Resolution.ANOTHER_ITEM: N_("another item sent of {amount}"),
}
# bot.disputes.problems.PROBLEM_LABELS in lower case, as they read inside a sentence (that module knows no
# languages, so the catalogue's texts are kept here; tests/actions/test_action_languages.py checks they match).
PROBLEM_WORDS = {
    ProblemCode.NOT_RECEIVED: N_("item not received"),
    ProblemCode.BRAND_MISMATCH: N_("brand not as described"),
    ProblemCode.MODEL_MISMATCH: N_("model not as described"),
    ProblemCode.SIZE_MISMATCH: N_("size not as described"),
    ProblemCode.COLOR_MISMATCH: N_("color not as described"),
    ProblemCode.MATERIAL_MISMATCH: N_("material not as described"),
    ProblemCode.WEIGHT_MISMATCH: N_("weight not as described"),
    ProblemCode.NO_PACKAGING: N_("no packaging or box"),
    ProblemCode.NOT_WORKING: N_("does not work properly"),
    ProblemCode.RUSTED_FADED: N_("rusted or faded"),
    ProblemCode.DAMAGED: N_("damaged"),
    ProblemCode.WRONG_ITEM: N_("wrong item sent"),
    ProblemCode.MISSING_PARTS: N_("missing parts"),
    ProblemCode.COUNTERFEIT: N_("counterfeit"),
}
# A dispute's status in words (its value with spaces, as English buyers have always read it).
STATUS_LABELS = {
    DisputeStatus.AWAITING_SELLER: N_("awaiting seller"),
    DisputeStatus.SELLER_REJECTED: N_("seller rejected"),
    DisputeStatus.SELLER_OFFERED: N_("seller offered"),
    DisputeStatus.ESCALATED: N_("escalated"),
    DisputeStatus.RESOLVED: N_("resolved"),
    DisputeStatus.CLOSED_FOR_SELLER: N_("closed for seller"),
    DisputeStatus.CANCELLED: N_("cancelled"),
}

# Where refunds go (bot.disputes.services.REFUND_METHOD stores the English words); other values are shown as stored.
REFUND_METHODS = {"original payment method": N_("original payment method")}


def method_text(_: Translator, method: str) -> str:
    return _(REFUND_METHODS[method]) if method in REFUND_METHODS else method


def status_text(_: Translator, status: DisputeStatus) -> str:
    return _(STATUS_LABELS[status])


def resolution_text(_: Translator, resolution: Resolution, amount: Optional[str] = None) -> str:
    """"partial refund of 5.00 USD", "full refund": `amount` is already written as money."""
    if amount is None:
        return _(RESOLUTION_LABELS[resolution])
    return _(RESOLUTION_WITH_AMOUNT[resolution], amount=amount)


def problems_text(_: Translator, codes: Iterable[Any]) -> str:
    return ", ".join(_(PROBLEM_WORDS[ProblemCode(c)]) for c in codes)


def eligibility_text(_: Translator, eligibility: Any) -> str:
    """Why an order can't get a dispute (its catalogue template, else the domain's English reason)."""
    return reason_text(_, eligibility)


def order_line(_: Translator, summary: OrderSummary) -> str:
    order = summary.order
    known = dict(item=order.item, number=order.number, price=_.money(order.price, order.currency))
    if summary.dispute_number and summary.dispute_status is not None:
        return _("• {item} — order {number}, {price}: dispute {dispute} ({status})", dispute=summary.dispute_number,
                 status=status_text(_, summary.dispute_status), **known)
    if order.protection_ends_at is None:
        return _("• {item} — order {number}, {price}: not shipped yet", **known)
    if summary.protection_days_left == 0:
        return _("• {item} — order {number}, {price}: Buyer Protection ended", **known)
    if summary.eligibility.can_open:
        return _.plural("• {item} — order {number}, {price}: {count} day of Buyer Protection left",
                        "• {item} — order {number}, {price}: {count} days of Buyer Protection left",
                        summary.protection_days_left, **known)
    return _.plural("• {item} — order {number}, {price}: {count} day of Buyer Protection left (too few to open a "
                    "dispute)",
                    "• {item} — order {number}, {price}: {count} days of Buyer Protection left (too few to open a "
                    "dispute)",
                    summary.protection_days_left, **known)


def orders_text(_: Translator, summaries: List[OrderSummary]) -> str:
    if not summaries:
        return _("I don't see any orders on your account.")
    return _("Your orders:") + "\n" + "\n".join(order_line(_, s) for s in summaries)


def protection_text(_: Translator, summary: OrderSummary, min_days: int) -> str:
    order = summary.order
    ends = order.protection_ends_at
    if summary.eligibility.can_open and ends is not None:  # (it can open only while protection runs)
        return _.plural("Order {number} ({item}) has {count} day of Buyer Protection left, until {date}. You can "
                        "open a dispute until {min_days} days are left.",
                        "Order {number} ({item}) has {count} days of Buyer Protection left, until {date}. You can "
                        "open a dispute until {min_days} days are left.",
                        summary.protection_days_left, number=order.number, item=order.item, date=_.day(ends),
                        min_days=min_days)
    return eligibility_text(_, summary.eligibility)


# What comes next for a dispute in each status (AWAITING_SELLER counts days: see next_step).
NEXT_STEP = {
    DisputeStatus.SELLER_REJECTED: N_("The seller rejected it. You can change the dispute (add photos or details), "
                                      "which gives the seller a new chance, or escalate it to the Dispute Team."),
    DisputeStatus.SELLER_OFFERED: N_("The seller offered {offer}. You can accept, or escalate to the Dispute Team."),
    DisputeStatus.ESCALATED: N_("The Dispute Team is reviewing it and will decide. You can still add evidence."),
    DisputeStatus.RESOLVED: N_("It is resolved: {outcome}"),
    DisputeStatus.CLOSED_FOR_SELLER: N_("The Dispute Team decided for the seller: {outcome}"),
    DisputeStatus.CANCELLED: N_("You cancelled it; it is closed."),
}


def next_step(_: Translator, details: DisputeDetails, offer: str) -> str:
    d = details.dispute
    if d.status is DisputeStatus.AWAITING_SELLER:
        return _.plural("The seller has {count} day left to respond (until {deadline}). If they don't, it goes to "
                        "the Dispute Team automatically. You can also escalate now.",
                        "The seller has {count} days left to respond (until {deadline}). If they don't, it goes to "
                        "the Dispute Team automatically. You can also escalate now.",
                        details.seller_days_left, deadline=_.day(d.seller_deadline))
    return _(NEXT_STEP[d.status], offer=offer, outcome=d.outcome_note or _("see the refund below."))


def dispute_text(_: Translator, details: DisputeDetails) -> str:
    d = details.dispute
    order = details.order
    claim = d.claim
    wanted = resolution_text(_, claim.resolution, None if claim.refund_amount is None
                             else _.money(claim.refund_amount, order.currency))
    offer = ""
    if d.seller_offer:
        offer = resolution_text(_, d.seller_offer.resolution, None if d.seller_offer.amount is None
                                else _.money(d.seller_offer.amount, order.currency))
    lines = [
        _("Dispute {number} on {item} (order {order}): {status}.", number=d.number, item=order.item,
          order=order.number, status=status_text(_, d.status)),
        _("Problem: {problems}; you asked for: {wanted}. Evidence files: {files}.",
          problems=problems_text(_, claim.problems), wanted=wanted, files=len(details.evidence)),
        next_step(_, details, offer),
    ]
    if details.refund:
        lines.append(refund_text(_, details))
    return "\n".join(lines)


def refund_text(_: Translator, details: DisputeDetails) -> str:
    refund = details.refund
    if refund is None:
        d = details.dispute
        if d.status is DisputeStatus.RESOLVED and d.claim.resolution is Resolution.ANOTHER_ITEM:
            return _("Dispute {number} was settled with another item, so there is no refund.", number=d.number)
        return _("There is no refund on dispute {number} yet: it is {status}. A refund is issued when the seller "
                 "accepts or the Dispute Team decides for you.", number=d.number, status=status_text(_, d.status))
    return _("Refund of {amount} issued on {date} to your {method}. It usually arrives between {start} and {end} "
             "(7-10 business days).", amount=_.money(refund.amount, refund.currency), date=_.day(refund.issued_at),
             method=method_text(_, refund.method), start=_.day(refund.expected_from), end=_.day(refund.expected_by))
