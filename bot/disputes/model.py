"""Domain entities and the dispute state machine. Plain Python: no Rasa, HTTP or SQL here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Dict, Optional, Tuple

from .errors import N_, DisputeClosed, InvalidInput, InvalidTransition
from .problems import ProblemCode


class OrderStatus(str, Enum):
    AWAITING_SHIPMENT = "awaiting_shipment"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class Resolution(str, Enum):
    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    ANOTHER_ITEM = "another_item"


class DisputeStatus(str, Enum):
    AWAITING_SELLER = "awaiting_seller"  # seller's response window is running
    SELLER_REJECTED = "seller_rejected"  # buyer may modify (seller gets a new window) or escalate
    SELLER_OFFERED = "seller_offered"  # seller proposed something else; buyer accepts or escalates
    ESCALATED = "escalated"  # with the Dispute Team
    RESOLVED = "resolved"  # buyer got a refund or a replacement
    CLOSED_FOR_SELLER = "closed_for_seller"  # Dispute Team sided with the seller
    CANCELLED = "cancelled"  # withdrawn by the buyer; final


OPEN_STATUSES = frozenset(
    {
        DisputeStatus.AWAITING_SELLER,
        DisputeStatus.SELLER_REJECTED,
        DisputeStatus.SELLER_OFFERED,
        DisputeStatus.ESCALATED,
    }
)

# One whole sentence per status a closed dispute can be in (what a buyer is told when changing it, or opening a
# second dispute on its order), so each translates as one sentence; the English reads "is resolved" etc.
_CLOSED = {
    DisputeStatus.RESOLVED: N_("Dispute {number} is resolved and can no longer be changed."),
    DisputeStatus.CLOSED_FOR_SELLER: N_("Dispute {number} is closed for seller and can no longer be changed."),
    DisputeStatus.CANCELLED: N_("Dispute {number} is cancelled and can no longer be changed."),
}
HAD_DISPUTE = {
    DisputeStatus.RESOLVED: N_("Order {order} already had a dispute ({number}), now resolved; "
                               "it can't be opened again."),
    DisputeStatus.CLOSED_FOR_SELLER: N_("Order {order} already had a dispute ({number}), now closed for seller; "
                                        "it can't be opened again."),
    DisputeStatus.CANCELLED: N_("Order {order} already had a dispute ({number}), now cancelled; "
                                "it can't be opened again."),
}


class ActorKind(str, Enum):
    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    SYSTEM = "system"


class AgentRole(str, Enum):
    AGENT = "agent"
    DISPUTE_TEAM = "dispute_team"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str
    name: str = ""

    @classmethod
    def buyer(cls, buyer_id: str) -> Actor:
        return cls(ActorKind.BUYER, buyer_id)

    @classmethod
    def seller(cls, seller_id: str) -> Actor:
        return cls(ActorKind.SELLER, seller_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM, "system", "Buyer Protection")


@dataclass(frozen=True)
class DisputeDraft:
    """A dispute form started and not filed: what the buyer had said so far, as the conversation layer keeps it.
    The domain stores it as it is and never interprets `fields`."""

    buyer_id: str
    order_number: str
    fields: Dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class Buyer:
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class Seller:
    id: str
    name: str


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    role: AgentRole

    def as_actor(self) -> Actor:
        return Actor(ActorKind.AGENT, str(self.id), self.name)


@dataclass(frozen=True)
class Order:
    id: int
    number: str  # 16 digits
    buyer_id: str
    seller_id: str
    item: str
    price: Decimal
    currency: str
    status: OrderStatus
    ordered_at: datetime
    shipped_at: Optional[datetime] = None
    delivered_at: Optional[datetime] = None
    protection_ends_at: Optional[datetime] = None


@dataclass(frozen=True)
class SellerOffer:
    resolution: Resolution  # PARTIAL_REFUND or ANOTHER_ITEM
    amount: Optional[Decimal] = None


@dataclass(frozen=True)
class Claim:
    """What the buyer asks for: the official form's fields after validation."""

    received: bool
    problems: Tuple[ProblemCode, ...]
    resolution: Resolution
    refund_amount: Optional[Decimal]
    description: str

    @staticmethod
    def build(
        *,
        received: bool,
        problems: Tuple[ProblemCode, ...],
        resolution: Resolution,
        refund_amount: Optional[Decimal],
        description: str,
        price: Decimal,
    ) -> Claim:
        problems = tuple(dict.fromkeys(problems))  # de-duplicate, keep the buyer's order
        if not received:
            if problems and problems != (ProblemCode.NOT_RECEIVED,):
                raise InvalidInput(N_(
                    "If the item never arrived, the problem is 'item not received'; "
                    "other problems need the item in hand."
                ))
            problems = (ProblemCode.NOT_RECEIVED,)
            if resolution is not Resolution.FULL_REFUND:
                raise InvalidInput(N_("When an item was not received, the only resolution is a full refund."))
        else:
            if not problems:
                raise InvalidInput(N_("Tell me at least one problem with the item you received."))
            if ProblemCode.NOT_RECEIVED in problems:
                raise InvalidInput(
                    N_("You said you received the item, so 'not received' can't be one of the problems."))
        if resolution is Resolution.PARTIAL_REFUND:
            if refund_amount is None:
                raise InvalidInput(N_("A partial refund needs an amount."))
            check_refund_amount(refund_amount, price)
        else:
            refund_amount = None
        return Claim(received, problems, resolution, refund_amount, description)


def check_refund_amount(amount: Decimal, price: Decimal) -> None:
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(N_("The refund amount must be more than zero."))
    if amount > price:
        raise InvalidInput(N_("The refund amount can't be more than the {price} you paid."), price=price)


@dataclass
class Dispute:
    """A buyer's dispute on one order. Methods enforce the state machine; services persist and audit."""

    number: str
    order_id: int
    buyer_id: str
    seller_id: str
    claim: Claim
    status: DisputeStatus
    opened_at: datetime
    seller_deadline: datetime
    submission_key: Optional[str] = None
    escalated_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    seller_offer: Optional[SellerOffer] = None
    seller_note: str = ""
    outcome_note: str = ""
    version: int = 1
    id: Optional[int] = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def require_open(self) -> None:
        if not self.is_open:
            raise DisputeClosed(_CLOSED[self.status], number=self.number)

    def modify(self, claim: Claim, now: datetime, seller_window: timedelta) -> None:
        self.require_open()
        self.claim = claim
        # A changed claim is a new proposal: the seller gets a fresh window to answer it,
        # unless the Dispute Team already has the case.
        if self.status is not DisputeStatus.ESCALATED:
            self.status = DisputeStatus.AWAITING_SELLER
            self.seller_offer = None
            self.seller_deadline = now + seller_window

    def escalate(self, now: datetime) -> None:
        self.require_open()
        if self.status is DisputeStatus.ESCALATED:
            raise InvalidTransition(N_("Dispute {number} is already with the Dispute Team."), number=self.number)
        self.status = DisputeStatus.ESCALATED
        self.escalated_at = now

    def seller_window_passed(self, now: datetime) -> bool:
        return self.status is DisputeStatus.AWAITING_SELLER and now >= self.seller_deadline

    def cancel(self, now: datetime) -> None:
        self.require_open()
        self.status = DisputeStatus.CANCELLED
        self.closed_at = now

    def _require_seller_turn(self) -> None:
        self.require_open()
        if self.status is not DisputeStatus.AWAITING_SELLER:
            raise InvalidTransition(N_("Dispute {number} is not waiting for the seller's answer."), number=self.number)

    def seller_accepts(self, now: datetime) -> None:
        self._require_seller_turn()
        self._resolve(now, "Seller accepted the buyer's request.")

    def seller_rejects(self, note: str) -> None:
        self._require_seller_turn()
        self.status = DisputeStatus.SELLER_REJECTED
        self.seller_note = note

    def seller_proposes(self, offer: SellerOffer, price: Decimal, note: str) -> None:
        self._require_seller_turn()
        if offer.resolution is Resolution.PARTIAL_REFUND:
            if offer.amount is None:
                raise InvalidInput(N_("A partial refund offer needs an amount."))
            check_refund_amount(offer.amount, price)
        elif offer.resolution is Resolution.ANOTHER_ITEM:
            offer = SellerOffer(Resolution.ANOTHER_ITEM, None)
        else:
            raise InvalidInput(N_("A seller can offer a partial refund or another item; to refund in full, accept."))
        self.status = DisputeStatus.SELLER_OFFERED
        self.seller_offer = offer
        self.seller_note = note

    def buyer_accepts_offer(self, now: datetime) -> SellerOffer:
        self.require_open()
        if self.status is not DisputeStatus.SELLER_OFFERED or self.seller_offer is None:
            raise InvalidTransition(N_("There is no seller offer to accept on dispute {number}."), number=self.number)
        offer = self.seller_offer
        self._resolve(now, "Buyer accepted the seller's offer.")
        return offer

    def decide(self, now: datetime, in_buyers_favour: bool, note: str) -> None:
        self.require_open()
        if self.status is not DisputeStatus.ESCALATED:
            raise InvalidTransition(N_("The Dispute Team decides only escalated disputes."))
        if in_buyers_favour:
            self._resolve(now, note)
        else:
            self.status = DisputeStatus.CLOSED_FOR_SELLER
            self.closed_at = now
            self.outcome_note = note

    def _resolve(self, now: datetime, note: str) -> None:
        self.status = DisputeStatus.RESOLVED
        self.closed_at = now
        self.outcome_note = note


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    dispute_id: int
    sha256: str
    media_type: str
    size: int
    display_name: str
    uploaded_by: ActorKind
    uploaded_at: datetime


@dataclass(frozen=True)
class Refund:
    id: int
    dispute_id: int
    amount: Decimal
    currency: str
    method: str
    issued_at: datetime
    expected_from: date
    expected_by: date


@dataclass(frozen=True)
class DisputeEvent:
    dispute_id: int
    at: datetime
    actor: Actor
    action: str
    detail: dict = field(default_factory=dict)
