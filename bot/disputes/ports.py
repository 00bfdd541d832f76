"""What the services need from storage. bot.store implements these with SQLAlchemy; the domain never sees SQL."""
from __future__ import annotations

from datetime import datetime
from typing import ContextManager, Dict, List, Optional, Protocol, Sequence

from .evidence import CheckedUpload
from .model import (
    Actor,
    Agent,
    AgentRole,
    Buyer,
    Dispute,
    DisputeDraft,
    DisputeEvent,
    EvidenceFile,
    Order,
    Refund,
    Seller,
)


class UniqueViolation(Exception):
    """Raised by a repository when an insert collides with a unique key (e.g. a second dispute on an order)."""


class ReadOnlyViolation(Exception):
    """Raised when a read-only unit of work (UnitOfWorkFactory.reading) is asked to write or to commit: a service
    used it for work that writes. A programming error, never something a buyer did."""


class BuyerRepository(Protocol):
    def get(self, buyer_id: str) -> Optional[Buyer]: ...
    def list(self) -> List[Buyer]: ...
    def upsert(self, buyer: Buyer) -> bool:
        """Adds or replaces the buyer; True if it was added."""


class SellerRepository(Protocol):
    def get(self, seller_id: str) -> Optional[Seller]: ...
    def upsert(self, seller: Seller) -> bool: ...


class OrderRepository(Protocol):
    def get(self, order_id: int) -> Optional[Order]: ...
    def get_for_buyer(self, buyer_id: str, number: str) -> Optional[Order]: ...
    def list_for_buyer(self, buyer_id: str) -> List[Order]: ...
    def get_by_number(self, number: str) -> Optional[Order]: ...
    def upsert(self, order: Order) -> Order:
        """Adds the order or replaces the one with its number; returns it with its id."""


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute) -> Dispute: ...
    def save(self, dispute: Dispute) -> None:
        """Writes the dispute if its version is unchanged since it was read, else raises ConcurrentUpdate."""

    def get_by_number(self, number: str) -> Optional[Dispute]: ...
    def get_by_order(self, order_id: int) -> Optional[Dispute]: ...
    def by_orders(self, order_ids: Sequence[int]) -> Dict[int, Dispute]:
        """The disputes of these orders (one query), by order id; orders with none are left out."""
    def get_by_submission_key(self, buyer_id: str, key: str) -> Optional[Dispute]: ...
    def list_for_buyer(self, buyer_id: str) -> List[Dispute]: ...
    def awaiting_seller_past(self, now: datetime) -> List[Dispute]: ...


class EventRepository(Protocol):
    def add(self, event: DisputeEvent, dispute: Optional[Dispute] = None) -> None: ...
    def list_for_dispute(self, dispute_id: int) -> List[DisputeEvent]: ...


class EvidenceRepository(Protocol):
    def add(
        self, dispute_id: int, upload: CheckedUpload, sha256: str, actor: Actor, at: datetime
    ) -> EvidenceFile: ...
    def list_for_dispute(self, dispute_id: int) -> List[EvidenceFile]: ...


class RefundRepository(Protocol):
    def add(self, refund: Refund) -> Refund: ...
    def get_for_dispute(self, dispute_id: int) -> Optional[Refund]: ...


class IdentityRepository(Protocol):
    def buyer_for(self, channel: str, external_id: str) -> Optional[str]: ...
    def link(self, channel: str, external_id: str, buyer_id: str, at: datetime) -> None: ...


class LinkCodeRepository(Protocol):
    def add(self, code_hash: str, buyer_id: str, expires_at: datetime) -> None: ...
    def take(self, code_hash: str, now: datetime) -> Optional[str]:
        """Marks an unused, unexpired code used and returns its buyer; None otherwise."""


class AgentRepository(Protocol):
    def add(self, name: str, role: AgentRole, token_hash: str) -> Agent: ...
    def by_token_hash(self, token_hash: str) -> Optional[Agent]: ...


class DraftRepository(Protocol):
    def save(self, draft: DisputeDraft) -> None: ...
    def list_for_buyer(self, buyer_id: str) -> List[DisputeDraft]:
        """Newest first."""

    def delete(self, buyer_id: str, order_number: str) -> None: ...


class UnitOfWork(ContextManager["UnitOfWork"], Protocol):
    buyers: BuyerRepository
    sellers: SellerRepository
    orders: OrderRepository
    disputes: DisputeRepository
    events: EventRepository
    evidence: EvidenceRepository
    refunds: RefundRepository
    identities: IdentityRepository
    link_codes: LinkCodeRepository
    agents: AgentRepository
    drafts: DraftRepository

    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork:
        """A unit of work that may write; nothing is written unless commit() is reached."""

    def reading(self) -> UnitOfWork:
        """A unit of work for pure reads: one consistent view of the store that neither waits for a writer nor
        holds one up. Any write, and commit(), raises ReadOnlyViolation (nothing is written)."""


__all__: Sequence[str] = [
    "ReadOnlyViolation",
    "UniqueViolation",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
