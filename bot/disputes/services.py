"""Use cases of the dispute journey. Every call names its actor; buyers only ever reach their own orders."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from .clock import Clock
from .errors import (
    N_,
    ConcurrentUpdate,
    DisputeAlreadyExists,
    DisputeNotFound,
    InvalidInput,
    NotAllowed,
    OrderNotFound,
    ProtectionNotStarted,
    ProtectionTooShort,
    RuleViolation,
)
from .evidence import CheckedUpload, EvidenceStorage, Upload, check_dispute_totals, check_upload
from .inputs import (
    clean_description,
    parse_amount,
    parse_order_number,
    parse_problems,
    parse_resolution,
)
from .model import (
    HAD_DISPUTE,
    Actor,
    Agent,
    AgentRole,
    Claim,
    Dispute,
    DisputeDraft,
    DisputeEvent,
    DisputeStatus,
    EvidenceFile,
    Order,
    OrderStatus,
    Refund,
    Resolution,
    SellerOffer,
    check_refund_amount,
)
from .policy import DAY, Rules, add_business_days, days_left
from .ports import UniqueViolation, UnitOfWork, UnitOfWorkFactory

REFUND_METHOD = "original payment method"


class ConfirmationRequired(RuleViolation):
    code = "confirmation_required"


@dataclass(frozen=True)
class Eligibility:
    can_open: bool
    reason: str = ""  # why not, for the buyer (English: template with params)
    code: str = ""
    template: str = ""  # the reason's catalogue text, for a channel to translate
    params: Dict[str, Any] = field(default_factory=dict)


def _refusal(code: str, template: str, **params: Any) -> Eligibility:
    return Eligibility(False, template.format(**params), code, template, params)


@dataclass(frozen=True)
class OrderSummary:
    order: Order
    protection_days_left: int
    eligibility: Eligibility
    dispute_number: Optional[str] = None
    dispute_status: Optional[DisputeStatus] = None


@dataclass(frozen=True)
class DisputeDetails:
    dispute: Dispute
    order: Order
    seller_days_left: int
    evidence: List[EvidenceFile] = field(default_factory=list)
    refund: Optional[Refund] = None
    history: List[DisputeEvent] = field(default_factory=list)


def eligibility(order: Order, existing: Optional[Dispute], now: datetime, rules: Rules) -> Eligibility:
    """Whether a buyer may open a dispute on an order now, and if not, why (the first reason that applies)."""
    if existing is not None:
        if existing.is_open:
            return _refusal(DisputeAlreadyExists.code, N_("Order {order} already has an open dispute ({number})."),
                            order=order.number, number=existing.number)
        return _refusal(DisputeAlreadyExists.code, HAD_DISPUTE[existing.status], order=order.number,
                        number=existing.number)
    if order.status is OrderStatus.AWAITING_SHIPMENT or order.protection_ends_at is None:
        return _refusal(ProtectionNotStarted.code, N_("Order {order} has not shipped yet, so Buyer Protection has not "
                                                      "started. You can cancel the order instead."), order=order.number)
    left = days_left(order.protection_ends_at, now)
    if order.protection_ends_at - now < rules.min_protection_days * DAY:
        # Whole sentences per case (not a glued "why"), so each translates as one.
        if left == 0:
            template = N_("Buyer Protection for this order has ended; a dispute needs at least {needed} days. "
                          "You can still contact the seller directly.")
        elif left == 1:
            template = N_("Only {left} day of Buyer Protection are left; a dispute needs at least {needed} days. "
                          "You can still contact the seller directly.")
        else:
            template = N_("Only {left} days of Buyer Protection are left; a dispute needs at least {needed} days. "
                          "You can still contact the seller directly.")
        params: Dict[str, Any] = {"needed": rules.min_protection_days}
        if left:
            params["left"] = left
        return _refusal(ProtectionTooShort.code, template, **params)
    return Eligibility(True)


class DisputeService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, rules: Rules, storage: EvidenceStorage) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.rules = rules
        self._storage = storage

    # ---- reading -------------------------------------------------------------------------------

    def list_orders(self, buyer_id: str) -> List[OrderSummary]:
        now = self._clock.now()
        with self._uow.reading() as uow:
            orders = uow.orders.list_for_buyer(buyer_id)
            disputes = uow.disputes.by_orders([order.id for order in orders if order.id is not None])
            return [self._summary_with(order, disputes.get(order.id) if order.id is not None else None, now)
                    for order in orders]

    def order_summary(self, buyer_id: str, order_number: object) -> OrderSummary:
        number = parse_order_number(order_number)
        now = self._clock.now()
        with self._uow.reading() as uow:
            return self._summary(uow, self._own_order(uow, buyer_id, number), now)

    def list_disputes(self, buyer_id: str) -> List[DisputeDetails]:
        now = self._clock.now()
        with self._uow.reading() as uow:
            return [self._details(uow, d, now) for d in uow.disputes.list_for_buyer(buyer_id)]

    def dispute_status(self, buyer_id: str, dispute_number: object) -> DisputeDetails:
        now = self._clock.now()
        with self._uow.reading() as uow:
            return self._details(uow, self._own_dispute(uow, buyer_id, dispute_number), now, with_history=True)

    def refund_status(self, buyer_id: str, dispute_number: object) -> DisputeDetails:
        """Same view as status; callers read .refund (None until a refund is issued)."""
        return self.dispute_status(buyer_id, dispute_number)

    def evidence_bytes(self, buyer_id: str, dispute_number: object, evidence_id: int) -> tuple[EvidenceFile, bytes]:
        with self._uow.reading() as uow:
            dispute = self._own_dispute(uow, buyer_id, dispute_number)
            for item in uow.evidence.list_for_dispute(_id(dispute)):
                if item.id == evidence_id:
                    return item, self._storage.get(item.sha256)
        raise InvalidInput(N_("That file is not part of this dispute."))

    # ---- drafts: forms started and not filed ------------------------------------------------------

    MAX_DRAFT_CHARS = 20_000

    def save_draft(self, buyer_id: str, order_number: object, fields: dict) -> None:
        """Keeps what the buyer has said so far about a dispute on one of their orders (replacing the last)."""
        number = parse_order_number(order_number)
        if not isinstance(fields, dict) or len(repr(fields)) > self.MAX_DRAFT_CHARS:
            raise InvalidInput(N_("A draft is a small set of fields."))
        with self._uow() as uow:
            self._own_order(uow, buyer_id, number)
            uow.drafts.save(DisputeDraft(buyer_id, number, fields, self._clock.now()))
            uow.commit()

    def open_drafts(self, buyer_id: str) -> List[DisputeDraft]:
        """Unfiled drafts, newest first, on orders that can still get a dispute (the others are dropped)."""
        now = self._clock.now()
        with self._uow() as uow:
            kept: List[DisputeDraft] = []
            stale: List[DisputeDraft] = []
            for draft in uow.drafts.list_for_buyer(buyer_id):
                order = uow.orders.get_for_buyer(buyer_id, draft.order_number)
                verdict = order and eligibility(order, uow.disputes.get_by_order(order.id), now, self.rules)
                (kept if verdict and verdict.can_open else stale).append(draft)
            for draft in stale:
                uow.drafts.delete(buyer_id, draft.order_number)
            if stale:
                uow.commit()
            return kept

    def discard_draft(self, buyer_id: str, order_number: object) -> None:
        number = parse_order_number(order_number)
        with self._uow() as uow:
            uow.drafts.delete(buyer_id, number)
            uow.commit()

    # ---- buyer actions -------------------------------------------------------------------------

    def open_dispute(
        self,
        buyer_id: str,
        order_number: object,
        *,
        received: bool,
        problems: Iterable[object] = (),
        resolution: object = Resolution.FULL_REFUND,
        refund_amount: object = None,
        description: object = "",
        evidence: Sequence[Upload] = (),
        submission_key: Optional[str] = None,
        actor: Optional[Actor] = None,
    ) -> DisputeDetails:
        """Files a dispute. The same submission_key from the same buyer always yields the same dispute.

        `actor` is who acts for the buyer (a help-desk agent); by default the buyer. It goes into the history."""
        number = parse_order_number(order_number)
        if not isinstance(received, bool):
            raise InvalidInput(N_("Please say whether the item arrived: yes or no."))
        parsed_problems = parse_problems(problems)
        parsed_resolution = parse_resolution(resolution)
        amount = parse_amount(refund_amount) if refund_amount not in (None, "") else None
        text = clean_description(description, self.rules.max_description_chars)
        if submission_key is not None and (not isinstance(submission_key, str) or not 0 < len(submission_key) <= 128):
            raise InvalidInput(N_("A submission key is 1 to 128 characters."))
        uploads = [check_upload(u, self.rules) for u in evidence]
        check_dispute_totals(0, 0, uploads, self.rules)

        try:
            return self._open(buyer_id, number, received, parsed_problems, parsed_resolution, amount, text,
                              uploads, submission_key, actor or Actor.buyer(buyer_id))
        except (UniqueViolation, ConcurrentUpdate, DisputeAlreadyExists):
            # Someone filed on this order at the same moment (seen as a unique violation, a lost race, or, when
            # their commit lands between our reads, as an existing dispute). If it was this very submission,
            # answer with it.
            with self._uow.reading() as uow:
                order = self._own_order(uow, buyer_id, number)
                if submission_key:
                    same = uow.disputes.get_by_submission_key(buyer_id, submission_key)
                    if same is not None and same.order_id == order.id:
                        return self._details(uow, same, self._clock.now())
                existing = uow.disputes.get_by_order(order.id)
                now = self._clock.now()
                verdict = eligibility(order, existing, now, self.rules)
                raise DisputeAlreadyExists(verdict.template, **verdict.params) from None

    def _open(self, buyer_id, number, received, problems, resolution, amount, text, uploads, submission_key, actor):
        now = self._clock.now()
        with self._uow() as uow:
            order = self._own_order(uow, buyer_id, number)
            if submission_key:
                same = uow.disputes.get_by_submission_key(buyer_id, submission_key)
                if same is not None:
                    if same.order_id != order.id:
                        raise InvalidInput(N_("This submission was already used for another order."))
                    return self._details(uow, same, now)
            verdict = eligibility(order, uow.disputes.get_by_order(order.id), now, self.rules)
            if not verdict.can_open:
                error = {DisputeAlreadyExists.code: DisputeAlreadyExists,
                         ProtectionNotStarted.code: ProtectionNotStarted}.get(verdict.code, ProtectionTooShort)
                raise error(verdict.template, **verdict.params)
            claim = Claim.build(received=received, problems=problems, resolution=resolution,
                                refund_amount=amount, description=text, price=order.price)
            dispute = uow.disputes.add(Dispute(
                number=_new_dispute_number(),
                order_id=order.id,
                buyer_id=buyer_id,
                seller_id=order.seller_id,
                claim=claim,
                status=DisputeStatus.AWAITING_SELLER,
                opened_at=now,
                seller_deadline=now + self.rules.seller_response_days * DAY,
                submission_key=submission_key,
            ))
            self._event(uow, dispute, actor, "opened", _claim_detail(claim), now)
            self._attach(uow, dispute, uploads, actor, now)
            uow.drafts.delete(buyer_id, number)  # filed: the draft is done with, in the same transaction
            uow.commit()
            return self._details(uow, dispute, now)

    def add_evidence(self, buyer_id: str, dispute_number: object, uploads: Sequence[Upload],
                     actor: Optional[Actor] = None) -> List[EvidenceFile]:
        checked = [check_upload(u, self.rules) for u in uploads]
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._own_dispute(uow, buyer_id, dispute_number)
            dispute.require_open()
            added = self._attach(uow, dispute, checked, actor or Actor.buyer(buyer_id), now)
            uow.disputes.save(dispute)  # bumps the version, so a concurrent edit notices
            uow.commit()
            return added

    def modify_dispute(
        self,
        buyer_id: str,
        dispute_number: object,
        *,
        problems: Optional[Iterable[object]] = None,
        resolution: object = None,
        refund_amount: object = None,
        description: object = None,
        evidence: Sequence[Upload] = (),
        expected_version: Optional[int] = None,
        actor: Optional[Actor] = None,
    ) -> DisputeDetails:
        """Changes what the buyer asks for. Fields left as None keep their current value."""
        checked = [check_upload(u, self.rules) for u in evidence]
        new_problems = parse_problems(problems) if problems is not None else None
        new_resolution = parse_resolution(resolution) if resolution is not None else None
        amount = parse_amount(refund_amount) if refund_amount not in (None, "") else None
        text = clean_description(description, self.rules.max_description_chars) if description is not None else None
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._own_dispute(uow, buyer_id, dispute_number)
            if expected_version is not None and expected_version != dispute.version:
                raise ConcurrentUpdate()
            dispute.require_open()
            order = _order_of(uow, dispute)
            old = dispute.claim
            claim = Claim.build(
                received=old.received,
                problems=new_problems if new_problems is not None else old.problems,
                resolution=new_resolution or old.resolution,
                refund_amount=amount if amount is not None else old.refund_amount,
                description=text if text is not None else old.description,
                price=order.price,
            )
            if claim == old and not checked:
                raise InvalidInput(N_("That is what the dispute already says; nothing to change."))
            actor = actor or Actor.buyer(buyer_id)
            if claim != old:
                dispute.modify(claim, now, self.rules.seller_response_days * DAY)
                self._event(uow, dispute, actor, "modified", _claim_detail(claim), now)
            self._attach(uow, dispute, checked, actor, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    def escalate_dispute(self, buyer_id: str, dispute_number: object, actor: Optional[Actor] = None) -> DisputeDetails:
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._own_dispute(uow, buyer_id, dispute_number)
            early = dispute.status is DisputeStatus.AWAITING_SELLER and now < dispute.seller_deadline
            dispute.escalate(now)
            self._event(uow, dispute, actor or Actor.buyer(buyer_id), "escalated", {"early": early}, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    def cancel_dispute(self, buyer_id: str, dispute_number: object, *, confirmed: bool) -> DisputeDetails:
        """Final. Without confirmed=True nothing happens and the buyer gets the warning to confirm."""
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._own_dispute(uow, buyer_id, dispute_number)
            dispute.require_open()
            if confirmed is not True:
                raise ConfirmationRequired(
                    N_("If you cancel dispute {number}, it is closed for good and the platform can no "
                       "longer help with this order, even if the seller never solves the problem. "
                       "Do you really want to cancel it?"), number=dispute.number
                )
            dispute.cancel(now)
            self._event(uow, dispute, Actor.buyer(buyer_id), "cancelled", {}, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    def accept_seller_offer(self, buyer_id: str, dispute_number: object) -> DisputeDetails:
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._own_dispute(uow, buyer_id, dispute_number)
            offer = dispute.buyer_accepts_offer(now)
            self._event(uow, dispute, Actor.buyer(buyer_id), "accepted_offer",
                        {"resolution": offer.resolution.value, "amount": _money(offer.amount)}, now)
            if offer.resolution is Resolution.PARTIAL_REFUND:
                self._refund(uow, dispute, offer.amount, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    # ---- seller side ---------------------------------------------------------------------------

    def seller_accept(self, seller_id: str, dispute_number: object) -> DisputeDetails:
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._sellers_dispute(uow, seller_id, dispute_number)
            dispute.seller_accepts(now)
            self._event(uow, dispute, Actor.seller(seller_id), "seller_accepted", {}, now)
            claim = dispute.claim
            if claim.resolution is Resolution.FULL_REFUND:
                self._refund(uow, dispute, _order_of(uow, dispute).price, now)
            elif claim.resolution is Resolution.PARTIAL_REFUND:
                self._refund(uow, dispute, claim.refund_amount, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    def seller_reject(self, seller_id: str, dispute_number: object, note: object = "") -> DisputeDetails:
        text = clean_description(note, self.rules.max_description_chars)
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._sellers_dispute(uow, seller_id, dispute_number)
            dispute.seller_rejects(text)
            self._event(uow, dispute, Actor.seller(seller_id), "seller_rejected", {"note": text}, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    def seller_offer(self, seller_id: str, dispute_number: object, resolution: object, amount: object = None,
                     note: object = "") -> DisputeDetails:
        offered = parse_resolution(resolution)
        value = parse_amount(amount) if amount not in (None, "") else None
        text = clean_description(note, self.rules.max_description_chars)
        now = self._clock.now()
        with self._uow() as uow:
            dispute = self._sellers_dispute(uow, seller_id, dispute_number)
            order = _order_of(uow, dispute)
            dispute.seller_proposes(SellerOffer(offered, value), order.price, text)
            offer = dispute.seller_offer
            assert offer is not None  # seller_proposes just set it
            self._event(uow, dispute, Actor.seller(seller_id), "seller_offered",
                        {"resolution": offer.resolution.value, "amount": _money(offer.amount), "note": text}, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    # ---- Dispute Team and system ---------------------------------------------------------------

    def decide(self, agent: Agent, dispute_number: object, *, in_buyers_favour: bool, refund_amount: object = None,
               note: object = "") -> DisputeDetails:
        """The Dispute Team's verdict on an escalated dispute. refund_amount None means a full refund."""
        if agent.role not in (AgentRole.DISPUTE_TEAM, AgentRole.ADMIN):
            raise NotAllowed(N_("Only the Dispute Team can decide a dispute."))
        amount = parse_amount(refund_amount) if refund_amount not in (None, "") else None
        text = clean_description(note, self.rules.max_description_chars)
        now = self._clock.now()
        with self._uow() as uow:
            dispute = uow.disputes.get_by_number(_dispute_number(dispute_number))
            if dispute is None:
                raise DisputeNotFound(str(dispute_number))
            order = _order_of(uow, dispute)
            if in_buyers_favour and amount is not None:
                check_refund_amount(amount, order.price)
            dispute.decide(now, in_buyers_favour, text)
            self._event(uow, dispute, agent.as_actor(), "decided",
                        {"in_buyers_favour": in_buyers_favour, "amount": _money(amount), "note": text}, now)
            if in_buyers_favour:
                self._refund(uow, dispute, amount if amount is not None else order.price, now)
            uow.disputes.save(dispute)
            uow.commit()
            return self._details(uow, dispute, now)

    def escalate_overdue(self) -> List[str]:
        """Escalates every dispute whose seller let the response window pass. Safe to run from several places."""
        now = self._clock.now()
        with self._uow.reading() as uow:
            due = [d.number for d in uow.disputes.awaiting_seller_past(now)]
        escalated = []
        for number in due:
            try:
                with self._uow() as uow:
                    dispute = uow.disputes.get_by_number(number)
                    if dispute is None or not dispute.seller_window_passed(now):
                        continue  # the seller answered in the meantime
                    dispute.escalate(now)
                    self._event(uow, dispute, Actor.system(), "escalated",
                                {"reason": "seller did not respond in time"}, now)
                    uow.disputes.save(dispute)
                    uow.commit()
                    escalated.append(number)
            except ConcurrentUpdate:
                continue  # another sweeper or the seller got there first
        return escalated

    # ---- helpers -------------------------------------------------------------------------------

    def _summary(self, uow: UnitOfWork, order: Order, now: datetime) -> OrderSummary:
        return self._summary_with(order, uow.disputes.get_by_order(order.id), now)

    def _summary_with(self, order: Order, dispute: Optional[Dispute], now: datetime) -> OrderSummary:
        return OrderSummary(
            order=order,
            protection_days_left=days_left(order.protection_ends_at, now),
            eligibility=eligibility(order, dispute, now, self.rules),
            dispute_number=dispute.number if dispute else None,
            dispute_status=dispute.status if dispute else None,
        )

    def _details(self, uow: UnitOfWork, dispute: Dispute, now: datetime, with_history: bool = False) -> DisputeDetails:
        seller_left = days_left(dispute.seller_deadline, now) if dispute.status is DisputeStatus.AWAITING_SELLER else 0
        return DisputeDetails(
            dispute=dispute,
            order=_order_of(uow, dispute),
            seller_days_left=seller_left,
            evidence=uow.evidence.list_for_dispute(_id(dispute)),
            refund=uow.refunds.get_for_dispute(_id(dispute)),
            history=uow.events.list_for_dispute(_id(dispute)) if with_history else [],
        )

    @staticmethod
    def _own_order(uow: UnitOfWork, buyer_id: str, number: str) -> Order:
        order = uow.orders.get_for_buyer(buyer_id, number)
        if order is None:
            raise OrderNotFound(number)
        return order

    @staticmethod
    def _own_dispute(uow: UnitOfWork, buyer_id: str, dispute_number: object) -> Dispute:
        return _dispute_of(uow, dispute_number, lambda d: d.buyer_id == buyer_id)

    @staticmethod
    def _sellers_dispute(uow: UnitOfWork, seller_id: str, dispute_number: object) -> Dispute:
        return _dispute_of(uow, dispute_number, lambda d: d.seller_id == seller_id)

    def _attach(self, uow: UnitOfWork, dispute: Dispute, uploads: Sequence[CheckedUpload], actor: Actor,
                now: datetime) -> List[EvidenceFile]:
        if not uploads:
            return []
        existing = uow.evidence.list_for_dispute(_id(dispute))
        known = {e.sha256 for e in existing}
        fresh = []
        for upload in uploads:
            sha = self._storage.put(upload.data)
            if sha not in known:  # the same photo twice is attached once
                known.add(sha)
                fresh.append((upload, sha))
        check_dispute_totals(len(existing), sum(e.size for e in existing), [u for u, _ in fresh], self.rules)
        added = [uow.evidence.add(_id(dispute), u, sha, actor, now) for u, sha in fresh]
        if added:
            self._event(uow, dispute, actor, "evidence_added",
                        {"files": [{"name": e.display_name, "type": e.media_type, "size": e.size} for e in added]},
                        now)
        return added

    def _refund(self, uow: UnitOfWork, dispute: Dispute, amount: Optional[Decimal], now: datetime) -> None:
        assert amount is not None, "a partial refund always has its amount (Claim and SellerOffer check it)"
        order = _order_of(uow, dispute)
        refund = uow.refunds.add(Refund(
            id=0,
            dispute_id=_id(dispute),
            amount=amount,
            currency=order.currency,
            method=REFUND_METHOD,
            issued_at=now,
            expected_from=add_business_days(now.date(), self.rules.refund_min_business_days),
            expected_by=add_business_days(now.date(), self.rules.refund_max_business_days),
        ))
        self._event(uow, dispute, Actor.system(), "refund_issued",
                    {"amount": _money(refund.amount), "currency": refund.currency,
                     "expected_by": refund.expected_by.isoformat()}, now)

    @staticmethod
    def _event(uow: UnitOfWork, dispute: Dispute, actor: Actor, action: str, detail: dict, now: datetime) -> None:
        # With the dispute as it is after the change: the store publishes it (the outbox) in this transaction.
        uow.events.add(DisputeEvent(dispute_id=_id(dispute), at=now, actor=actor, action=action, detail=detail),
                       dispute)


def _id(dispute: Dispute) -> int:
    """The id of a dispute the store has (every dispute the services hold was loaded or just added)."""
    assert dispute.id is not None, dispute.number
    return dispute.id


def _order_of(uow: UnitOfWork, dispute: Dispute) -> Order:
    """The order a stored dispute is about (a foreign key: it always exists)."""
    order = uow.orders.get(dispute.order_id)
    assert order is not None, dispute.order_id
    return order


def _dispute_of(uow: UnitOfWork, dispute_number: object, may_see: Callable[[Dispute], bool]) -> Dispute:
    """A dispute the actor may see; anyone else's looks exactly like one that does not exist."""
    number = _dispute_number(dispute_number)
    dispute = uow.disputes.get_by_number(number)
    if dispute is None or not may_see(dispute):
        raise DisputeNotFound(number)
    return dispute


def _new_dispute_number() -> str:
    # Random rather than sequential, so numbers reveal nothing about volume; 12 digits leave room for uniqueness.
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def _dispute_number(value: object) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InvalidInput(N_("A dispute number has 12 digits."))
    text = "".join(str(value).split())
    if not (text.isascii() and text.isdigit() and len(text) == 12):
        raise InvalidInput(N_("A dispute number has 12 digits."))
    return text


def _money(amount: Optional[Decimal]) -> Optional[str]:
    return None if amount is None else f"{amount:.2f}"


def _claim_detail(claim: Claim) -> dict:
    return {
        "received": claim.received,
        "problems": [p.value for p in claim.problems],
        "resolution": claim.resolution.value,
        "refund_amount": _money(claim.refund_amount),
        "description": claim.description,
    }


__all__ = [
    "ConfirmationRequired",
    "DisputeDetails",
    "DisputeService",
    "Eligibility",
    "OrderSummary",
    "eligibility",
]
