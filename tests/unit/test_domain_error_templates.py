"""Domain errors carry a catalogue template and its params, so a channel can show them in the buyer's language:
the English message is unchanged, every template's placeholders are exactly its params, and every template is
marked for extraction (`N_`), so `make translations` puts it in the catalogue."""
from __future__ import annotations

import importlib
import inspect
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable, List

import pytest
from babel.messages.extract import extract_from_dir

from bot.disputes import errors
from bot.disputes.errors import DomainError
from bot.disputes.evidence import Upload, check_dispute_totals, check_upload
from bot.disputes.inputs import (
    clean_description,
    parse_amount,
    parse_order_number,
    parse_problem,
    parse_resolution,
)
from bot.disputes.model import (
    Claim,
    Dispute,
    DisputeStatus,
    Order,
    OrderStatus,
    Resolution,
    check_refund_amount,
)
from bot.disputes.policy import Rules
from bot.disputes.services import ConfirmationRequired, eligibility
from bot.i18n.catalogue import placeholders

NOW = datetime(2026, 3, 1, 12, 0)
RULES = Rules()
DISPUTES_DIR = Path(__file__).resolve().parents[2] / "bot" / "disputes"


def _order(status=OrderStatus.DELIVERED, protection_days=30) -> Order:
    ends = None if status is OrderStatus.AWAITING_SHIPMENT else NOW + timedelta(days=protection_days, hours=1)
    return Order(1, "1" * 16, "b1", "s1", "Earbuds", Decimal("40.00"), "USD", status, NOW, protection_ends_at=ends)


def _dispute(status: DisputeStatus) -> Dispute:
    claim = Claim(False, (), Resolution.FULL_REFUND, None, "")
    return Dispute("123456789012", 1, "b1", "s1", claim, status, NOW, NOW)


def _raises(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


# (call raising a domain error, its English message exactly as before templates)
CASES = [
    (lambda: parse_order_number(5), "An order number must be text."),
    (lambda: parse_order_number("9" * 300), "That is far too long to be an order number."),
    (lambda: parse_order_number(""), "Please give the order number (16 digits, shown in My Orders)."),
    (lambda: parse_order_number("12ab"), "An order number has only digits (16 of them, shown in My Orders)."),
    (lambda: parse_order_number("123"), "An order number has 16 digits; that one has 3."),
    (lambda: parse_amount(["1"]), "An amount must be text."),
    (lambda: parse_amount("-3"), "The amount must be more than zero."),
    (lambda: parse_amount("lots"), "Please give the amount as a number, like 12.50."),
    (lambda: parse_problem(3), "A problem code must be text."),
    (lambda: parse_problem("smelly"), "'smelly' is not a problem I know."),
    (lambda: parse_resolution(None), "A resolution must be text."),
    (lambda: parse_resolution("money"), "The resolution is a full refund, a partial refund or another item."),
    (lambda: clean_description("x" * 12, 10), "Please keep the description under 10 characters (it has 12)."),
    (lambda: check_refund_amount(Decimal("50"), Decimal("40.00")),
     "The refund amount can't be more than the 40.00 you paid."),
    (lambda: _dispute(DisputeStatus.CLOSED_FOR_SELLER).cancel(NOW),
     "Dispute 123456789012 is closed for seller and can no longer be changed."),
    (lambda: _dispute(DisputeStatus.RESOLVED).escalate(NOW),
     "Dispute 123456789012 is resolved and can no longer be changed."),
    (lambda: _dispute(DisputeStatus.ESCALATED).escalate(NOW), "Dispute 123456789012 is already with the Dispute Team."),
    (lambda: _dispute(DisputeStatus.ESCALATED).seller_accepts(NOW),
     "Dispute 123456789012 is not waiting for the seller's answer."),
    (lambda: _dispute(DisputeStatus.ESCALATED).buyer_accepts_offer(NOW),
     "There is no seller offer to accept on dispute 123456789012."),
    (lambda: check_upload(Upload(b"", "a.jpg"), RULES), "a.jpg is empty."),
    (lambda: check_upload(Upload(b"x" * (RULES.max_evidence_file_bytes + 1), "big.mp4"), RULES),
     "big.mp4 is larger than 20 MB, the limit per file."),
    (lambda: check_upload(Upload(b"plain text", "notes.txt"), RULES),
     "notes.txt is not a file I can attach. Please send photos (JPEG, PNG, GIF, WebP, HEIC), videos (MP4, MOV, WebM) "
     "or PDF."),
    (lambda: check_dispute_totals(10, 0, [check_upload(Upload(b"%PDF-1.4\n", "a.pdf"), RULES)], RULES),
     "A dispute can have at most 10 files; it has 10 already."),
    (lambda: check_dispute_totals(1, 100 * 1024 * 1024, [check_upload(Upload(b"%PDF-1.4\n", "a.pdf"), RULES)], RULES),
     "A dispute's files can total at most 100 MB; 100 MB are used already."),
    (lambda: (_ for _ in ()).throw(errors.OrderNotFound("42")), "I can't find order 42 among your orders."),
    (lambda: (_ for _ in ()).throw(errors.DisputeNotFound("7")), "I can't find dispute 7 among your disputes."),
    (lambda: (_ for _ in ()).throw(errors.BuyerNotFound("b9")), "There is no buyer 'b9'. See `python -m bot buyers`."),
    (lambda: (_ for _ in ()).throw(errors.ConcurrentUpdate()),
     "This dispute was changed by someone else a moment ago. Nothing was saved; please look at it again and retry."),
    (lambda: (_ for _ in ()).throw(errors.LinkCodeInvalid()),
     "That link code is unknown, already used or expired. Ask for a new one."),
    (lambda: (_ for _ in ()).throw(ConfirmationRequired(
        "If you cancel dispute {number}, it is closed for good and the platform can no longer help with this order, "
        "even if the seller never solves the problem. Do you really want to cancel it?", number="5")),
     "If you cancel dispute 5, it is closed for good and the platform can no longer help with this order, even if "
     "the seller never solves the problem. Do you really want to cancel it?"),
]

ELIGIBILITY = [
    (lambda: eligibility(_order(), _dispute(DisputeStatus.AWAITING_SELLER), NOW, RULES),
     "Order 1111111111111111 already has an open dispute (123456789012)."),
    (lambda: eligibility(_order(), _dispute(DisputeStatus.CANCELLED), NOW, RULES),
     "Order 1111111111111111 already had a dispute (123456789012), now cancelled; it can't be opened again."),
    (lambda: eligibility(_order(OrderStatus.AWAITING_SHIPMENT), None, NOW, RULES),
     "Order 1111111111111111 has not shipped yet, so Buyer Protection has not started. "
     "You can cancel the order instead."),
    (lambda: eligibility(_order(protection_days=0), None, NOW, RULES),
     "Buyer Protection for this order has ended; a dispute needs at least 15 days. "
     "You can still contact the seller directly."),
    (lambda: eligibility(_order(protection_days=1), None, NOW, RULES),
     "Only 1 day of Buyer Protection are left; a dispute needs at least 15 days. "
     "You can still contact the seller directly."),
    (lambda: eligibility(_order(protection_days=4), None, NOW, RULES),
     "Only 4 days of Buyer Protection are left; a dispute needs at least 15 days. "
     "You can still contact the seller directly."),
]


def _marked() -> set:
    """Every N_() text in bot/disputes, as `make translations` extracts them."""
    found = extract_from_dir(str(DISPUTES_DIR), method_map=[("**.py", "python")], keywords={"N_": None})
    return {message for _, _, message, _, _ in found}


def _check(template: str, params: dict, message: str, expected: str, marked: set) -> None:
    assert message == expected  # English unchanged
    assert placeholders(template) == set(params)
    assert template.format(**params) == message
    assert template in marked, f"not marked with N_: {template!r}"


@pytest.mark.parametrize("call,expected", CASES)
def test_domain_error_template_params_and_english(call, expected):
    exc = _raises(call)
    _check(exc.template, exc.params, exc.message, expected, _marked())
    assert str(exc) == expected


@pytest.mark.parametrize("call,expected", ELIGIBILITY)
def test_eligibility_reason_template(call, expected):
    verdict = call()
    assert not verdict.can_open
    _check(verdict.template, verdict.params, verdict.reason, expected, _marked())


def _subclasses(cls) -> List[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub] + _subclasses(sub)
    return out


def test_every_domain_error_subclass_keeps_template_and_params():
    # Every module defining a subclass, so the check does not depend on which tests ran before.
    for module in ("bot.disputes.catalog", "bot.review.model", "bot.helpdesk.model", "bot.store.service_tokens"):
        importlib.import_module(module)
    seen = {type(_raises(call)) for call, _ in CASES}
    for cls in [DomainError] + _subclasses(DomainError):
        if cls.__init__ is DomainError.__init__:
            exc = cls("Plain {braces} stay as they are.")
            assert exc.message == "Plain {braces} stay as they are." and exc.params == {}
            assert exc.template == exc.message
            continue
        if cls in seen:  # checked with its real arguments in CASES
            continue
        # Agent- or API-facing errors with their own arguments (English only): still a consistent template.
        required = [p for p in inspect.signature(cls.__init__).parameters.values()
                    if p.name != "self" and p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        try:
            exc = cls(*[f"x{i}" for i in range(len(required))])
        except AttributeError:  # wants an object (a status), not text: English-only and agent-facing
            continue
        assert isinstance(exc.template, str) and isinstance(exc.params, dict), cls
        assert placeholders(exc.template) == set(exc.params) if exc.params else exc.template == exc.message, cls
        assert (exc.template.format(**exc.params) if exc.params else exc.template) == exc.message == str(exc), cls
