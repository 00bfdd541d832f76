"""Plain words for the codes agents see: dispute statuses, problems, resolutions, dispute history actions, and
hand-off statuses and reasons. The agent API sends each code with its label (`status` and `status_label`, ...),
so the console, other clients and tests read the same words, defined once here next to the domain.

Problem labels are the domain's own (bot.disputes.problems.PROBLEM_LABELS, also shown in the review view).
A code without a label (a newer one) still reads as words: underscores to spaces, capitalised; never blank.
"""
from __future__ import annotations

from enum import Enum
from typing import Iterable, List, Mapping, Optional, Union

from bot.disputes.model import DisputeStatus, Resolution
from bot.disputes.problems import PROBLEM_LABELS
from bot.helpdesk.model import HandoffReason, HandoffStatus

Code = Union[str, Enum, None]

STATUS_LABELS = {
    DisputeStatus.AWAITING_SELLER: "Waiting for the seller",
    DisputeStatus.SELLER_REJECTED: "Seller rejected the request",
    DisputeStatus.SELLER_OFFERED: "Seller offered something else",
    DisputeStatus.ESCALATED: "With the Dispute Team",
    DisputeStatus.RESOLVED: "Resolved for the buyer",
    DisputeStatus.CLOSED_FOR_SELLER: "Closed in the seller's favour",
    DisputeStatus.CANCELLED: "Cancelled by the buyer",
}

RESOLUTION_LABELS = {
    Resolution.FULL_REFUND: "Full refund",
    Resolution.PARTIAL_REFUND: "Partial refund",
    Resolution.ANOTHER_ITEM: "Another item sent",
}

# The `action` of a dispute's history events (bot.disputes.services records them).
ACTION_LABELS = {
    "opened": "Opened the dispute",
    "modified": "Changed the request",
    "escalated": "Escalated to the Dispute Team",
    "cancelled": "Cancelled the dispute",
    "accepted_offer": "Accepted the seller's offer",
    "seller_accepted": "Seller accepted the request",
    "seller_rejected": "Seller rejected the request",
    "seller_offered": "Seller made an offer",
    "decided": "Dispute Team decided",
    "evidence_added": "Added evidence",
    "refund_issued": "Refund issued",
}

HANDOFF_STATUS_LABELS = {
    HandoffStatus.QUEUED: "Waiting for a person",
    HandoffStatus.CLAIMED: "Being handled",
    HandoffStatus.RELEASED: "Back with the bot",
}

HANDOFF_REASON_LABELS = {
    HandoffReason.ASKED: "Asked for a person",
    HandoffReason.FALLBACK: "The bot did not understand",
    HandoffReason.ESCALATED: "About an escalated dispute",
}


def _value(code: Code) -> str:
    if isinstance(code, Enum):
        return str(code.value)
    return "" if code is None else str(code)


def readable(code: Code) -> str:
    """The fallback for a code without a label: 'some_new_code' -> 'Some new code'."""
    words = " ".join(_value(code).replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _label(table: Mapping, code: Code) -> str:
    value = _value(code)
    for key, label in table.items():
        if _value(key) == value:
            return label
    return readable(value)


def status_label(code: Code) -> str:
    return _label(STATUS_LABELS, code)


def problem_label(code: Code) -> str:
    return _label(PROBLEM_LABELS, code)


def problem_labels(codes: Iterable[Code]) -> List[str]:
    return [problem_label(c) for c in codes]


def resolution_label(code: Code) -> str:
    return _label(RESOLUTION_LABELS, code)


def action_label(code: Code) -> str:
    return _label(ACTION_LABELS, code)


def handoff_status_label(code: Code) -> str:
    return _label(HANDOFF_STATUS_LABELS, code)


def handoff_reason_label(code: Code) -> str:
    return _label(HANDOFF_REASON_LABELS, code)


def form_labels(form: Mapping[str, object]) -> dict:
    """Words for the coded values of a half-filled dispute form (`problems`, `resolution`), by field."""
    words: dict = {}
    problems = form.get("problems")
    if isinstance(problems, (list, tuple)) and problems:
        words["problems"] = problem_labels(p for p in problems if isinstance(p, str))
    resolution: Optional[object] = form.get("resolution")
    if isinstance(resolution, str) and resolution:
        words["resolution"] = resolution_label(resolution)
    return words



# Languages as agents read them (in English, the console's language), with the language's own name beside.
_LANGUAGE_LABELS = {"en": "English", "es": "Spanish (Español)", "pt": "Portuguese (Português)",
                    "fr": "French (Français)", "ru": "Russian (Русский)"}


def language_label(code: Optional[str]) -> str:
    """"Spanish (Español)"; English for a conversation whose language is not known yet."""
    return _LANGUAGE_LABELS.get(code or "en", code or "English")
