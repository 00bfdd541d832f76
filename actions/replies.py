"""How domain results read in chat. Pure formatting: no Rasa, no store."""
from __future__ import annotations

from datetime import date, datetime
from typing import List

from bot.disputes.model import DisputeStatus, Resolution
from bot.disputes.problems import PROBLEM_LABELS, ProblemCode
from bot.disputes.services import DisputeDetails, OrderSummary

RESOLUTION_LABELS = {
    Resolution.FULL_REFUND: "full refund",
    Resolution.PARTIAL_REFUND: "partial refund",
    Resolution.ANOTHER_ITEM: "another item sent",
}


def day(value: date | datetime) -> str:
    return f"{value:%d %b %Y}"


def money(amount, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def problems_text(codes) -> str:
    return ", ".join(PROBLEM_LABELS[ProblemCode(c)].lower() for c in codes)


def order_line(summary: OrderSummary) -> str:
    order = summary.order
    line = f"• {order.item} — order {order.number}, {money(order.price, order.currency)}"
    if summary.dispute_number and summary.dispute_status is not None:
        return f"{line}: dispute {summary.dispute_number} ({summary.dispute_status.value.replace('_', ' ')})"
    if order.protection_ends_at is None:
        return f"{line}: not shipped yet"
    if summary.protection_days_left == 0:
        return f"{line}: Buyer Protection ended"
    flag = "" if summary.eligibility.can_open else " (too few to open a dispute)"
    return f"{line}: {summary.protection_days_left} days of Buyer Protection left{flag}"


def orders_text(summaries: List[OrderSummary]) -> str:
    if not summaries:
        return "I don't see any orders on your account."
    return "Your orders:\n" + "\n".join(order_line(s) for s in summaries)


def protection_text(summary: OrderSummary, min_days: int) -> str:
    order = summary.order
    ends = order.protection_ends_at
    if summary.eligibility.can_open and ends is not None:  # (it can open only while protection runs)
        return (f"Order {order.number} ({order.item}) has {summary.protection_days_left} days of Buyer Protection "
                f"left, until {day(ends)}. You can open a dispute until {min_days} days "
                "are left.")
    return summary.eligibility.reason


NEXT_STEP = {
    DisputeStatus.AWAITING_SELLER: "The seller has {days} days left to respond (until {deadline}). If they don't, "
                                   "it goes to the Dispute Team automatically. You can also escalate now.",
    DisputeStatus.SELLER_REJECTED: "The seller rejected it. You can change the dispute (add photos or details), "
                                   "which gives the seller a new chance, or escalate it to the Dispute Team.",
    DisputeStatus.SELLER_OFFERED: "The seller offered {offer}. You can accept, or escalate to the Dispute Team.",
    DisputeStatus.ESCALATED: "The Dispute Team is reviewing it and will decide. You can still add evidence.",
    DisputeStatus.RESOLVED: "It is resolved: {outcome}",
    DisputeStatus.CLOSED_FOR_SELLER: "The Dispute Team decided for the seller: {outcome}",
    DisputeStatus.CANCELLED: "You cancelled it; it is closed.",
}


def dispute_text(details: DisputeDetails) -> str:
    d = details.dispute
    order = details.order
    claim = d.claim
    wanted = RESOLUTION_LABELS[claim.resolution]
    if claim.refund_amount is not None:
        wanted += f" of {money(claim.refund_amount, order.currency)}"
    offer = ""
    if d.seller_offer:
        offer = RESOLUTION_LABELS[d.seller_offer.resolution]
        if d.seller_offer.amount is not None:
            offer += f" of {money(d.seller_offer.amount, order.currency)}"
    lines = [
        f"Dispute {d.number} on {order.item} (order {order.number}): {d.status.value.replace('_', ' ')}.",
        f"Problem: {problems_text(claim.problems)}; you asked for: {wanted}. Evidence files: {len(details.evidence)}.",
        NEXT_STEP[d.status].format(days=details.seller_days_left, deadline=day(d.seller_deadline), offer=offer,
                                   outcome=d.outcome_note or "see the refund below."),
    ]
    if details.refund:
        lines.append(refund_text(details))
    return "\n".join(lines)


def refund_text(details: DisputeDetails) -> str:
    refund = details.refund
    if refund is None:
        d = details.dispute
        if d.status is DisputeStatus.RESOLVED and d.claim.resolution is Resolution.ANOTHER_ITEM:
            return f"Dispute {d.number} was settled with another item, so there is no refund."
        return (f"There is no refund on dispute {d.number} yet: it is {d.status.value.replace('_', ' ')}. "
                "A refund is issued when the seller accepts or the Dispute Team decides for you.")
    return (f"Refund of {money(refund.amount, refund.currency)} issued on {day(refund.issued_at)} to your "
            f"{refund.method}. It usually arrives between {day(refund.expected_from)} and {day(refund.expected_by)} "
            "(7-10 business days).")
