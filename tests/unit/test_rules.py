"""Pure domain rules: claims, eligibility, timers and the dispute state machine (no store)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.disputes.errors import DisputeClosed, InvalidInput, InvalidTransition
from bot.disputes.model import (
    Claim,
    Dispute,
    DisputeStatus,
    Order,
    OrderStatus,
    Resolution,
    SellerOffer,
)
from bot.disputes.policy import Rules, add_business_days, days_left
from bot.disputes.problems import ProblemCode as P
from bot.disputes.services import eligibility

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
PRICE = Decimal("20.00")


def order(days: float | None = 40, status=OrderStatus.DELIVERED) -> Order:
    return Order(1, "1000000000000001", "b", "s", "Lamp", PRICE, "USD", status, NOW - timedelta(days=30),
                 protection_ends_at=None if days is None else NOW + timedelta(days=days))


def claim(**kw) -> Claim:
    args = dict(received=True, problems=(P.DAMAGED,), resolution=Resolution.FULL_REFUND, refund_amount=None,
                description="", price=PRICE)
    args.update(kw)
    return Claim.build(**args)


def dispute(status=DisputeStatus.AWAITING_SELLER) -> Dispute:
    return Dispute("123456789012", 1, "b", "s", claim(), status, NOW, NOW + timedelta(days=15), id=1)


class TestClaim:
    def test_not_received_means_full_refund_only(self):
        assert claim(received=False, problems=()).problems == (P.NOT_RECEIVED,)
        for resolution in (Resolution.PARTIAL_REFUND, Resolution.ANOTHER_ITEM):
            with pytest.raises(InvalidInput, match="only resolution is a full refund"):
                claim(received=False, problems=(), resolution=resolution, refund_amount=Decimal("5"))

    def test_not_received_cannot_carry_other_problems(self):
        with pytest.raises(InvalidInput):
            claim(received=False, problems=(P.DAMAGED,))

    def test_received_needs_a_problem_and_not_not_received(self):
        with pytest.raises(InvalidInput, match="at least one problem"):
            claim(problems=())
        with pytest.raises(InvalidInput, match="can't be one of the problems"):
            claim(problems=(P.NOT_RECEIVED,))

    def test_several_problems_keep_order_without_duplicates(self):
        assert claim(problems=(P.SIZE_MISMATCH, P.COLOR_MISMATCH, P.SIZE_MISMATCH)).problems == (
            P.SIZE_MISMATCH, P.COLOR_MISMATCH)

    @pytest.mark.parametrize("amount", ["0", "-1", "20.01", "1000"])
    def test_partial_amount_must_be_positive_and_at_most_the_price(self, amount):
        with pytest.raises(InvalidInput):
            claim(resolution=Resolution.PARTIAL_REFUND, refund_amount=Decimal(amount))

    def test_partial_refund_up_to_the_price(self):
        assert claim(resolution=Resolution.PARTIAL_REFUND, refund_amount=PRICE).refund_amount == PRICE

    def test_partial_refund_needs_an_amount(self):
        with pytest.raises(InvalidInput, match="needs an amount"):
            claim(resolution=Resolution.PARTIAL_REFUND, refund_amount=None)

    def test_amount_is_dropped_for_other_resolutions(self):
        assert claim(resolution=Resolution.ANOTHER_ITEM, refund_amount=Decimal("3")).refund_amount is None


class TestEligibility:
    rules = Rules()

    def test_fifteen_days_exactly_is_enough(self):
        assert eligibility(order(15), None, NOW, self.rules).can_open

    def test_a_minute_short_of_fifteen_days_is_too_late(self):
        verdict = eligibility(order(15 - 1 / 1440), None, NOW, self.rules)
        assert not verdict.can_open and verdict.code == "protection_too_short"
        assert "14 days" in verdict.reason and "at least 15" in verdict.reason

    def test_expired_protection(self):
        verdict = eligibility(order(-2), None, NOW, self.rules)
        assert not verdict.can_open and "has ended" in verdict.reason

    def test_not_shipped(self):
        verdict = eligibility(order(None, OrderStatus.AWAITING_SHIPMENT), None, NOW, self.rules)
        assert verdict.code == "protection_not_started"

    def test_existing_dispute_open_or_closed_blocks_a_new_one(self):
        d = dispute()
        assert eligibility(order(), d, NOW, self.rules).code == "dispute_already_exists"
        d.cancel(NOW)
        verdict = eligibility(order(), d, NOW, self.rules)
        assert verdict.code == "dispute_already_exists" and "can't be opened again" in verdict.reason

    def test_threshold_is_a_setting(self):
        assert eligibility(order(10), None, NOW, Rules(min_protection_days=7)).can_open


class TestTimers:
    def test_days_left_floors_and_never_goes_negative(self):
        assert days_left(NOW + timedelta(days=16, hours=23), NOW) == 16
        assert days_left(NOW + timedelta(hours=5), NOW) == 0
        assert days_left(NOW - timedelta(days=3), NOW) == 0
        assert days_left(None, NOW) == 0

    def test_business_days_skip_weekends(self):
        friday = date(2026, 3, 6)
        assert add_business_days(friday, 1) == date(2026, 3, 9)
        assert add_business_days(friday, 7) == date(2026, 3, 17)
        assert add_business_days(friday, 10) == date(2026, 3, 20)


class TestStateMachine:
    window = timedelta(days=15)

    def test_escalate_from_every_open_state_but_escalated(self):
        for status in (DisputeStatus.AWAITING_SELLER, DisputeStatus.SELLER_REJECTED, DisputeStatus.SELLER_OFFERED):
            d = dispute(status)
            d.escalate(NOW)
            assert d.status is DisputeStatus.ESCALATED and d.escalated_at == NOW
        with pytest.raises(InvalidTransition, match="already with the Dispute Team"):
            dispute(DisputeStatus.ESCALATED).escalate(NOW)

    @pytest.mark.parametrize("status", [DisputeStatus.RESOLVED, DisputeStatus.CANCELLED,
                                        DisputeStatus.CLOSED_FOR_SELLER])
    def test_closed_disputes_refuse_everything(self, status):
        d = dispute(status)
        for action in (lambda: d.escalate(NOW), lambda: d.cancel(NOW), lambda: d.modify(claim(), NOW, self.window),
                       lambda: d.seller_accepts(NOW), lambda: d.decide(NOW, True, "")):
            with pytest.raises(DisputeClosed):
                action()

    def test_modify_gives_the_seller_a_new_window_unless_escalated(self):
        d = dispute(DisputeStatus.SELLER_REJECTED)
        later = NOW + timedelta(days=5)
        d.modify(claim(problems=(P.WRONG_ITEM,)), later, self.window)
        assert d.status is DisputeStatus.AWAITING_SELLER and d.seller_deadline == later + self.window
        e = dispute(DisputeStatus.ESCALATED)
        e.modify(claim(problems=(P.WRONG_ITEM,)), later, self.window)
        assert e.status is DisputeStatus.ESCALATED and e.claim.problems == (P.WRONG_ITEM,)

    def test_seller_acts_only_while_awaiting(self):
        d = dispute()
        d.seller_rejects("item was fine")
        assert d.status is DisputeStatus.SELLER_REJECTED
        with pytest.raises(InvalidTransition):
            d.seller_accepts(NOW)

    def test_seller_offer_then_buyer_accepts(self):
        d = dispute()
        d.seller_proposes(SellerOffer(Resolution.PARTIAL_REFUND, Decimal("5")), PRICE, "half")
        assert d.status is DisputeStatus.SELLER_OFFERED
        assert d.buyer_accepts_offer(NOW).amount == Decimal("5")
        assert d.status is DisputeStatus.RESOLVED

    @pytest.mark.parametrize("offer", [SellerOffer(Resolution.PARTIAL_REFUND, None),
                                       SellerOffer(Resolution.PARTIAL_REFUND, Decimal("25")),
                                       SellerOffer(Resolution.FULL_REFUND, None)])
    def test_bad_seller_offers(self, offer):
        d = dispute()
        with pytest.raises(InvalidInput):
            d.seller_proposes(offer, PRICE, "")
        assert d.status is DisputeStatus.AWAITING_SELLER

    def test_accepting_without_offer(self):
        with pytest.raises(InvalidTransition):
            dispute().buyer_accepts_offer(NOW)

    def test_decide_only_escalated(self):
        with pytest.raises(InvalidTransition):
            dispute().decide(NOW, True, "")
        d = dispute(DisputeStatus.ESCALATED)
        d.decide(NOW, False, "Seller's photos show the item intact")
        assert d.status is DisputeStatus.CLOSED_FOR_SELLER and d.closed_at == NOW

    def test_window_passed_only_while_awaiting_seller(self):
        d = dispute()
        assert not d.seller_window_passed(NOW + timedelta(days=14, hours=23))
        assert d.seller_window_passed(NOW + timedelta(days=15))
        d.seller_rejects("")
        assert not d.seller_window_passed(NOW + timedelta(days=30))
