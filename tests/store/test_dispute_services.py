"""The dispute journey through the services against a real store (SQLite; PostgreSQL when configured)."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.disputes.errors import (
    ConcurrentUpdate,
    DisputeAlreadyExists,
    DisputeClosed,
    DisputeNotFound,
    EvidenceRejected,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    OrderNotFound,
    ProtectionNotStarted,
    ProtectionTooShort,
)
from bot.disputes.evidence import Upload
from bot.disputes.model import Agent, AgentRole, DisputeStatus, OrderStatus
from bot.disputes.services import ConfirmationRequired
from bot.store import tables as t
from support.samples import JPEG, PDF, PNG

TEAM = Agent(7, "Dana (Dispute Team)", AgentRole.DISPUTE_TEAM)


def counts(engine) -> dict:
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (t.disputes, t.dispute_events, t.evidence_files, t.refunds)}


def open_basic(service, buyer, number, **kw):
    args = dict(received=True, problems=["damaged"], resolution="full_refund", description="Cracked")
    args.update(kw)
    return service.open_dispute(buyer, number, **args)


@pytest.fixture
def anna(world):
    return world.buyer("anna")


@pytest.fixture
def ben(world):
    return world.buyer("ben")


class TestOrders:
    def test_list_orders_with_days_left_and_eligibility(self, service, world, anna, ben):
        fine = world.order(anna, days_left=40.2)
        late = world.order(anna, days_left=10.5)
        unshipped = world.order(anna, days_left=None, status=OrderStatus.AWAITING_SHIPMENT)
        world.order(ben)
        summaries = {s.order.number: s for s in service.list_orders(anna)}
        assert set(summaries) == {fine, late, unshipped}
        assert summaries[fine].protection_days_left == 40 and summaries[fine].eligibility.can_open
        assert summaries[late].protection_days_left == 10 and not summaries[late].eligibility.can_open
        assert summaries[unshipped].eligibility.code == "protection_not_started"

    def test_list_orders_shows_each_orders_dispute_read_in_one_query(self, service, world, anna, ben, engine):
        from sqlalchemy import event

        disputed = world.order(anna, price="30.00")
        other = world.order(anna, price="12.00")
        plain = world.order(anna)
        bens = world.order(ben)
        mine = open_basic(service, anna, disputed).dispute
        open_basic(service, anna, other)
        open_basic(service, ben, bens)
        statements = []

        def seen(_conn, _cursor, statement, *_rest):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            summaries = {s.order.number: s for s in service.list_orders(anna)}
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert summaries[disputed].dispute_number == mine.number and not summaries[disputed].eligibility.can_open
        assert summaries[other].dispute_number and summaries[other].dispute_number != mine.number
        assert summaries[plain].dispute_number is None and summaries[plain].eligibility.can_open
        assert set(summaries) == {disputed, other, plain}
        assert sum("FROM disputes" in sql for sql in statements) == 1, statements

    def test_another_buyers_order_looks_exactly_like_a_missing_one(self, service, world, anna, ben):
        bens = world.order(ben)
        with pytest.raises(OrderNotFound) as foreign:
            service.order_summary(anna, bens)
        with pytest.raises(OrderNotFound) as missing:
            service.order_summary(anna, "9999999999999999")
        assert str(foreign.value).replace(bens, "N") == str(missing.value).replace("9999999999999999", "N")


class TestOpen:
    def test_open_records_claim_deadline_and_audit(self, service, world, clock, anna, engine):
        number = world.order(anna, price="30.00")
        details = open_basic(service, anna, number, resolution="partial_refund", refund_amount="12.50",
                             problems=["size_mismatch", "color_mismatch"], evidence=[Upload(JPEG, "front.jpg")])
        d = details.dispute
        assert d.status is DisputeStatus.AWAITING_SELLER
        assert d.seller_deadline == clock.now() + timedelta(days=15)
        assert [p.value for p in d.claim.problems] == ["size_mismatch", "color_mismatch"]
        assert d.claim.refund_amount == Decimal("12.50")
        assert [e.media_type for e in details.evidence] == ["image/jpeg"]
        assert details.seller_days_left == 15
        history = service.dispute_status(anna, d.number).history
        assert [(e.actor.kind.value, e.action) for e in history] == [("buyer", "opened"), ("buyer", "evidence_added")]
        assert counts(engine)["disputes"] == 1

    def test_not_received(self, service, world, anna):
        number = world.order(anna, status=OrderStatus.SHIPPED)
        d = service.open_dispute(anna, number, received=False).dispute
        assert [p.value for p in d.claim.problems] == ["not_received"]
        with pytest.raises(InvalidInput, match="full refund"):
            service.open_dispute(anna, world.order(anna), received=False, resolution="another_item")

    def test_protection_rules(self, service, world, anna, clock):
        with pytest.raises(ProtectionTooShort, match="at least 15 days"):
            open_basic(service, anna, world.order(anna, days_left=10))
        with pytest.raises(ProtectionTooShort, match="has ended"):
            open_basic(service, anna, world.order(anna, days_left=-1))
        with pytest.raises(ProtectionNotStarted):
            open_basic(service, anna, world.order(anna, days_left=None, status=OrderStatus.AWAITING_SHIPMENT))
        boundary = world.order(anna, days_left=15)
        clock.advance(seconds=1)
        with pytest.raises(ProtectionTooShort):
            open_basic(service, anna, boundary)

    def test_one_dispute_per_order(self, service, world, anna):
        number = world.order(anna)
        first = open_basic(service, anna, number).dispute
        with pytest.raises(DisputeAlreadyExists, match=first.number):
            open_basic(service, anna, number)
        service.cancel_dispute(anna, first.number, confirmed=True)
        with pytest.raises(DisputeAlreadyExists, match="can't be opened again"):
            open_basic(service, anna, number)

    def test_same_submission_twice_is_one_dispute(self, service, world, anna, engine):
        number = world.order(anna)
        a = open_basic(service, anna, number, submission_key="conv-1:form-3")
        b = open_basic(service, anna, number, submission_key="conv-1:form-3")
        assert a.dispute.number == b.dispute.number
        assert counts(engine)["disputes"] == 1
        with pytest.raises(InvalidInput, match="another order"):
            open_basic(service, anna, world.order(anna), submission_key="conv-1:form-3")

    def test_buyer_cannot_open_on_anothers_order(self, service, world, anna, ben, engine):
        with pytest.raises(OrderNotFound):
            open_basic(service, anna, world.order(ben))
        assert counts(engine)["disputes"] == 0

    @pytest.mark.parametrize("field,value", [
        ("order_number", "12ab"), ("order_number", "1' OR 1=1 --"), ("order_number", "x" * 10_000_000),
        ("refund_amount", "-1"), ("refund_amount", "1e309"), ("refund_amount", "NaN"), ("refund_amount", "ten"),
        ("refund_amount", "25.01"), ("problems", ["broken_heart"]), ("problems", ["damaged'; DROP TABLE orders;--"]),
        ("description", "x" * 10 * 1024 * 1024), ("received", "yes"), ("resolution", "store credit"),
    ])
    def test_bad_input_is_refused_and_changes_nothing(self, service, world, anna, engine, field, value):
        number = world.order(anna, price="25.00")
        args = dict(order_number=number, received=True, problems=["damaged"], resolution="partial_refund",
                    refund_amount="5", description="fine")
        args[field] = value
        before = counts(engine)
        with pytest.raises(InvalidInput):
            service.open_dispute(anna, args.pop("order_number"), **args)
        assert counts(engine) == before

    def test_sql_looking_description_is_stored_verbatim(self, service, world, anna, engine):
        text = "Robert'); DROP TABLE disputes;-- and \"quotes\" % _"
        d = open_basic(service, anna, world.order(anna), description=text).dispute
        assert service.dispute_status(anna, d.number).dispute.claim.description == text
        assert counts(engine)["disputes"] == 1

    def test_bad_evidence_refuses_the_whole_submission(self, service, world, anna, engine):
        with pytest.raises(EvidenceRejected):
            open_basic(service, anna, world.order(anna), evidence=[Upload(JPEG, "ok.jpg"), Upload(b"MZ\x90", "x.exe")])
        assert counts(engine)["disputes"] == 0


class TestChanges:
    def test_modify_while_open(self, service, world, anna, clock):
        d = open_basic(service, anna, world.order(anna, price="40.00")).dispute
        clock.advance(days=3)
        changed = service.modify_dispute(anna, d.number, problems=["wrong_item", "missing_parts"],
                                         resolution="partial_refund", refund_amount="10",
                                         description="Also missing the charger", evidence=[Upload(PNG, "box.png")])
        c = changed.dispute
        assert [p.value for p in c.claim.problems] == ["wrong_item", "missing_parts"]
        assert c.claim.refund_amount == Decimal("10.00") and c.claim.description == "Also missing the charger"
        assert c.seller_deadline == clock.now() + timedelta(days=15)
        assert c.version == d.version + 1
        assert len(changed.evidence) == 1

    def test_modify_keeps_not_received_rules(self, service, world, anna):
        d = service.open_dispute(anna, world.order(anna), received=False).dispute
        with pytest.raises(InvalidInput):
            service.modify_dispute(anna, d.number, resolution="partial_refund", refund_amount="3")
        with pytest.raises(InvalidInput):
            service.modify_dispute(anna, d.number, problems=["damaged"])

    def test_modify_with_nothing_new(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna)).dispute
        with pytest.raises(InvalidInput, match="nothing to change"):
            service.modify_dispute(anna, d.number, description=d.claim.description)

    def test_stale_version_is_a_conflict_and_writes_nothing(self, service, world, anna, engine):
        d = open_basic(service, anna, world.order(anna)).dispute
        service.modify_dispute(anna, d.number, description="first edit", expected_version=d.version)
        before = counts(engine)
        with pytest.raises(ConcurrentUpdate):
            service.modify_dispute(anna, d.number, description="second edit", expected_version=d.version)
        assert counts(engine) == before
        assert service.dispute_status(anna, d.number).dispute.claim.description == "first edit"

    def test_evidence_limits_and_duplicates(self, service, world, anna, storage):
        d = open_basic(service, anna, world.order(anna), evidence=[Upload(JPEG, "a.jpg")]).dispute
        again = service.add_evidence(anna, d.number, [Upload(JPEG, "same-photo-again.jpg"), Upload(PDF, "r.pdf")])
        assert [e.media_type for e in again] == ["application/pdf"]
        files = service.dispute_status(anna, d.number).evidence
        assert len(files) == 2
        item, data = service.evidence_bytes(anna, d.number, files[0].id)
        assert data == JPEG and item.display_name == "a.jpg"
        stored = sorted(p.name for p in storage.root.rglob("*") if p.is_file())
        assert len(stored) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", name) for name in stored)

    def test_evidence_count_limit_is_enforced_in_the_store(self, service, world, anna, rules):
        from support.samples import image_bytes

        d = open_basic(service, anna, world.order(anna)).dispute
        photos = [Upload(image_bytes("PNG", color=(i, 0, 0)), f"{i}.png") for i in range(rules.max_evidence_files_per_dispute)]
        service.add_evidence(anna, d.number, photos)
        with pytest.raises(EvidenceRejected, match="at most"):
            service.add_evidence(anna, d.number, [Upload(image_bytes("PNG", color=(0, 0, 99)), "one-more.png")])

    def test_escalate_early(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna)).dispute
        e = service.escalate_dispute(anna, d.number)
        assert e.dispute.status is DisputeStatus.ESCALATED
        assert service.dispute_status(anna, d.number).history[-1].detail == {"early": True}
        with pytest.raises(InvalidTransition):
            service.escalate_dispute(anna, d.number)

    def test_cancel_needs_confirmation_and_is_final(self, service, world, anna, engine):
        d = open_basic(service, anna, world.order(anna)).dispute
        with pytest.raises(ConfirmationRequired, match="no longer help"):
            service.cancel_dispute(anna, d.number, confirmed=False)
        assert service.dispute_status(anna, d.number).dispute.status is DisputeStatus.AWAITING_SELLER
        service.cancel_dispute(anna, d.number, confirmed=True)
        for action in (lambda: service.escalate_dispute(anna, d.number),
                       lambda: service.modify_dispute(anna, d.number, description="x"),
                       lambda: service.add_evidence(anna, d.number, [Upload(JPEG)]),
                       lambda: service.cancel_dispute(anna, d.number, confirmed=True)):
            with pytest.raises(DisputeClosed):
                action()

    def test_other_buyers_cannot_see_or_touch_a_dispute(self, service, world, anna, ben, engine):
        d = open_basic(service, anna, world.order(anna)).dispute
        before = counts(engine)
        for action in (lambda: service.dispute_status(ben, d.number),
                       lambda: service.refund_status(ben, d.number),
                       lambda: service.modify_dispute(ben, d.number, description="mine now"),
                       lambda: service.add_evidence(ben, d.number, [Upload(JPEG)]),
                       lambda: service.escalate_dispute(ben, d.number),
                       lambda: service.cancel_dispute(ben, d.number, confirmed=True),
                       lambda: service.evidence_bytes(ben, d.number, 1)):
            with pytest.raises(DisputeNotFound):
                action()
        assert service.list_disputes(ben) == []
        assert counts(engine) == before
        with pytest.raises(DisputeNotFound):
            service.seller_accept("s-other", d.number)

    @pytest.mark.parametrize("number", ["", "abc", "1234", "1' OR '1'='1", None, 12.5, "9" * 100000])
    def test_bad_dispute_numbers(self, service, anna, number):
        with pytest.raises(InvalidInput):
            service.dispute_status(anna, number)


class TestSellerAndTeam:
    def test_seller_accepts_full_refund(self, service, world, anna, clock):
        d = open_basic(service, anna, world.order(anna, price="31.00")).dispute  # Monday
        clock.advance(days=2)
        service.seller_accept("s-1", d.number)
        refund = service.refund_status(anna, d.number).refund
        assert refund.amount == Decimal("31.00") and refund.currency == "USD"
        assert refund.method == "original payment method"
        assert (refund.expected_from.isoformat(), refund.expected_by.isoformat()) == ("2026-03-13", "2026-03-18")
        assert service.dispute_status(anna, d.number).dispute.status is DisputeStatus.RESOLVED

    def test_seller_accepts_partial(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna), resolution="partial_refund", refund_amount="4.5").dispute
        service.seller_accept("s-1", d.number)
        assert service.refund_status(anna, d.number).refund.amount == Decimal("4.50")

    def test_seller_accepts_replacement_without_refund(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna), resolution="another_item").dispute
        service.seller_accept("s-1", d.number)
        details = service.refund_status(anna, d.number)
        assert details.refund is None and details.dispute.status is DisputeStatus.RESOLVED

    def test_seller_offer_accepted_by_buyer(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna, price="50")).dispute
        with pytest.raises(InvalidInput):
            service.seller_offer("s-1", d.number, "partial_refund", "60")
        service.seller_offer("s-1", d.number, "partial_refund", "20", note="Keep it, 20 back")
        assert service.dispute_status(anna, d.number).dispute.status is DisputeStatus.SELLER_OFFERED
        service.accept_seller_offer(anna, d.number)
        assert service.refund_status(anna, d.number).refund.amount == Decimal("20.00")

    def test_seller_rejects_then_buyer_escalates_and_team_decides(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna, price="18")).dispute
        service.seller_reject("s-1", d.number, "Item left our warehouse in perfect condition")
        service.escalate_dispute(anna, d.number)
        with pytest.raises(NotAllowed):
            service.decide(Agent(8, "Sam", AgentRole.AGENT), d.number, in_buyers_favour=True)
        with pytest.raises(InvalidInput):
            service.decide(TEAM, d.number, in_buyers_favour=True, refund_amount="19")
        service.decide(TEAM, d.number, in_buyers_favour=True, refund_amount="9", note="Photos show a crack")
        details = service.dispute_status(anna, d.number)
        assert details.refund.amount == Decimal("9.00")
        decided = [e for e in details.history if e.action == "decided"][0]
        assert decided.actor.kind.value == "agent" and decided.actor.name == "Dana (Dispute Team)"

    def test_team_sides_with_seller(self, service, world, anna):
        d = open_basic(service, anna, world.order(anna)).dispute
        service.escalate_dispute(anna, d.number)
        service.decide(TEAM, d.number, in_buyers_favour=False, note="Tracking shows delivery")
        details = service.dispute_status(anna, d.number)
        assert details.dispute.status is DisputeStatus.CLOSED_FOR_SELLER and details.refund is None


class TestClock:
    def test_sweep_escalates_only_after_the_seller_window(self, service, world, anna, clock):
        d = open_basic(service, anna, world.order(anna)).dispute
        answered = open_basic(service, anna, world.order(anna)).dispute
        service.seller_reject("s-1", answered.number, "no")
        clock.advance(days=14, hours=23, minutes=59)
        assert service.escalate_overdue() == []
        clock.advance(minutes=1)
        assert service.escalate_overdue() == [d.number]
        assert service.escalate_overdue() == []
        details = service.dispute_status(anna, d.number)
        assert details.dispute.status is DisputeStatus.ESCALATED and details.dispute.escalated_at == clock.now()
        assert details.history[-1].actor.kind.value == "system"
        assert service.dispute_status(anna, answered.number).dispute.status is DisputeStatus.SELLER_REJECTED

    def test_modification_restarts_the_window(self, service, world, anna, clock):
        d = open_basic(service, anna, world.order(anna)).dispute
        clock.advance(days=10)
        service.modify_dispute(anna, d.number, description="More detail")
        clock.advance(days=10)
        assert service.escalate_overdue() == []
        assert service.dispute_status(anna, d.number).seller_days_left == 5
        clock.advance(days=5)
        assert service.escalate_overdue() == [d.number]
