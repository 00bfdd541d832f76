"""SQLAlchemy implementations of the domain's repositories: rows in, domain objects out."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, overload

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from bot.disputes.errors import ConcurrentUpdate
from bot.disputes.evidence import CheckedUpload
from bot.disputes.model import (
    Actor,
    ActorKind,
    Agent,
    AgentRole,
    Buyer,
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
    Seller,
    SellerOffer,
)
from bot.disputes.ports import UniqueViolation
from bot.disputes.problems import ProblemCode

from . import outbox
from . import tables as t

_CENT = Decimal("0.01")


def to_minor(amount: Optional[Decimal]) -> Optional[int]:
    return None if amount is None else int((amount / _CENT).to_integral_value())


@overload
def from_minor(value: int) -> Decimal: ...
@overload
def from_minor(value: None) -> None: ...
@overload
def from_minor(value: Optional[int]) -> Optional[Decimal]: ...


def from_minor(value: Optional[int]) -> Optional[Decimal]:
    return None if value is None else (Decimal(value) * _CENT).quantize(_CENT)


class _Repo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn


class BuyerRepository(_Repo):
    def get(self, buyer_id: str) -> Optional[Buyer]:
        row = self._conn.execute(select(t.buyers).where(t.buyers.c.id == buyer_id)).first()
        return Buyer(row.id, row.name, row.email) if row else None

    def list(self) -> List[Buyer]:
        rows = self._conn.execute(select(t.buyers).order_by(t.buyers.c.id))
        return [Buyer(r.id, r.name, r.email) for r in rows]

    def upsert(self, buyer: Buyer) -> bool:
        values = {"name": buyer.name, "email": buyer.email}
        if self._conn.execute(update(t.buyers).where(t.buyers.c.id == buyer.id).values(**values)).rowcount:
            return False
        self._conn.execute(insert(t.buyers).values(id=buyer.id, **values))
        return True


class SellerRepository(_Repo):
    def get(self, seller_id: str) -> Optional[Seller]:
        row = self._conn.execute(select(t.sellers).where(t.sellers.c.id == seller_id)).first()
        return Seller(row.id, row.name) if row else None

    def upsert(self, seller: Seller) -> bool:
        if self._conn.execute(update(t.sellers).where(t.sellers.c.id == seller.id).values(name=seller.name)).rowcount:
            return False
        self._conn.execute(insert(t.sellers).values(id=seller.id, name=seller.name))
        return True


def _order(row: Row) -> Order:
    return Order(
        id=row.id, number=row.number, buyer_id=row.buyer_id, seller_id=row.seller_id, item=row.item,
        price=from_minor(row.price_minor), currency=row.currency, status=OrderStatus(row.status),
        ordered_at=row.ordered_at, shipped_at=row.shipped_at, delivered_at=row.delivered_at,
        protection_ends_at=row.protection_ends_at,
    )


# The reads every buyer turn makes (the orders list, an order by number, the disputes of a buyer's orders), built
# once with parameters: SQLAlchemy then reuses their cache keys and compiled forms instead of building and walking
# a new statement per call (py-spy: most of the action server's time in list_orders was that).
_ORDERS_OF_BUYER = select(t.orders).where(t.orders.c.buyer_id == bindparam("buyer_id")) \
    .order_by(t.orders.c.ordered_at.desc())
_ORDER_OF_BUYER = select(t.orders).where(and_(t.orders.c.number == bindparam("number"),
                                              t.orders.c.buyer_id == bindparam("buyer_id")))
_DISPUTES_OF_ORDERS = select(t.disputes).where(t.disputes.c.order_id.in_(bindparam("order_ids", expanding=True)))


class OrderRepository(_Repo):
    def get(self, order_id: int) -> Optional[Order]:
        row = self._conn.execute(select(t.orders).where(t.orders.c.id == order_id)).first()
        return _order(row) if row else None

    def get_for_buyer(self, buyer_id: str, number: str) -> Optional[Order]:
        row = self._conn.execute(_ORDER_OF_BUYER, {"number": number, "buyer_id": buyer_id}).first()
        return _order(row) if row else None

    def list_for_buyer(self, buyer_id: str) -> List[Order]:
        return [_order(r) for r in self._conn.execute(_ORDERS_OF_BUYER, {"buyer_id": buyer_id})]

    def get_by_number(self, number: str) -> Optional[Order]:
        row = self._conn.execute(select(t.orders).where(t.orders.c.number == number)).first()
        return _order(row) if row else None

    def upsert(self, order: Order) -> Order:
        values = dict(buyer_id=order.buyer_id, seller_id=order.seller_id, item=order.item,
                      price_minor=to_minor(order.price), currency=order.currency, status=order.status.value,
                      ordered_at=order.ordered_at, shipped_at=order.shipped_at, delivered_at=order.delivered_at,
                      protection_ends_at=order.protection_ends_at)
        self._conn.execute(update(t.orders).where(t.orders.c.number == order.number).values(**values))
        row = self._conn.execute(select(t.orders.c.id).where(t.orders.c.number == order.number)).first()
        if row is None:
            try:
                with self._conn.begin_nested():
                    order_id = self._conn.execute(insert(t.orders).values(number=order.number, **values)) \
                        .inserted_primary_key[0]
            except IntegrityError as exc:
                raise UniqueViolation(str(exc.orig)) from exc
        else:
            order_id = row.id
        stored = self.get(order_id)
        assert stored is not None
        return stored


def _dispute(row: Row) -> Dispute:
    offer = None
    if row.offer_resolution:
        offer = SellerOffer(Resolution(row.offer_resolution), from_minor(row.offer_amount_minor))
    return Dispute(
        id=row.id,
        number=row.number,
        order_id=row.order_id,
        buyer_id=row.buyer_id,
        seller_id=row.seller_id,
        claim=Claim(
            received=row.received,
            problems=tuple(ProblemCode(p) for p in row.problems),
            resolution=Resolution(row.resolution),
            refund_amount=from_minor(row.refund_amount_minor),
            description=row.description,
        ),
        status=DisputeStatus(row.status),
        opened_at=row.opened_at,
        seller_deadline=row.seller_deadline,
        submission_key=row.submission_key,
        escalated_at=row.escalated_at,
        closed_at=row.closed_at,
        seller_offer=offer,
        seller_note=row.seller_note,
        outcome_note=row.outcome_note,
        version=row.version,
    )


def _dispute_values(d: Dispute) -> dict:
    return {
        "status": d.status.value,
        "received": d.claim.received,
        "problems": [p.value for p in d.claim.problems],
        "resolution": d.claim.resolution.value,
        "refund_amount_minor": to_minor(d.claim.refund_amount),
        "description": d.claim.description,
        "seller_deadline": d.seller_deadline,
        "escalated_at": d.escalated_at,
        "closed_at": d.closed_at,
        "offer_resolution": d.seller_offer.resolution.value if d.seller_offer else None,
        "offer_amount_minor": to_minor(d.seller_offer.amount) if d.seller_offer else None,
        "seller_note": d.seller_note,
        "outcome_note": d.outcome_note,
    }


class DisputeRepository(_Repo):
    def add(self, dispute: Dispute) -> Dispute:
        values = _dispute_values(dispute)
        values.update(
            number=dispute.number, order_id=dispute.order_id, buyer_id=dispute.buyer_id,
            seller_id=dispute.seller_id, opened_at=dispute.opened_at, submission_key=dispute.submission_key,
            version=1,
        )
        try:
            # A savepoint keeps the surrounding transaction usable after a collision.
            with self._conn.begin_nested():
                result = self._conn.execute(insert(t.disputes).values(**values))
        except IntegrityError as exc:
            raise UniqueViolation(str(exc.orig)) from exc
        dispute.id = result.inserted_primary_key[0]
        dispute.version = 1
        return dispute

    def save(self, dispute: Dispute) -> None:
        result = self._conn.execute(
            update(t.disputes)
            .where(and_(t.disputes.c.id == dispute.id, t.disputes.c.version == dispute.version))
            .values(**_dispute_values(dispute), version=dispute.version + 1)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate()
        dispute.version += 1

    def _one(self, *conditions) -> Optional[Dispute]:
        row = self._conn.execute(select(t.disputes).where(*conditions)).first()
        return _dispute(row) if row else None

    def get_by_number(self, number: str) -> Optional[Dispute]:
        return self._one(t.disputes.c.number == number)

    def get_by_order(self, order_id: int) -> Optional[Dispute]:
        return self._one(t.disputes.c.order_id == order_id)

    def by_orders(self, order_ids: Sequence[int]) -> Dict[int, Dispute]:
        if not order_ids:
            return {}
        rows = self._conn.execute(_DISPUTES_OF_ORDERS, {"order_ids": list(order_ids)})
        return {dispute.order_id: dispute for dispute in map(_dispute, rows)}

    def get_by_submission_key(self, buyer_id: str, key: str) -> Optional[Dispute]:
        return self._one(t.disputes.c.buyer_id == buyer_id, t.disputes.c.submission_key == key)

    def list_for_buyer(self, buyer_id: str) -> List[Dispute]:
        rows = self._conn.execute(
            select(t.disputes).where(t.disputes.c.buyer_id == buyer_id).order_by(t.disputes.c.opened_at.desc())
        )
        return [_dispute(r) for r in rows]

    def awaiting_seller_past(self, now: datetime) -> List[Dispute]:
        rows = self._conn.execute(
            select(t.disputes).where(
                t.disputes.c.status == DisputeStatus.AWAITING_SELLER.value, t.disputes.c.seller_deadline <= now
            )
        )
        return [_dispute(r) for r in rows]


class EventRepository(_Repo):
    def add(self, event: DisputeEvent, dispute: Optional[Dispute] = None) -> None:
        """The history row and, for the published actions, the outbox row (bot.store.outbox), both on this unit of
        work's connection: they commit or roll back with the change. `dispute` is the dispute after the change
        (the stored row when not given)."""
        self._conn.execute(insert(t.dispute_events).values(
            dispute_id=event.dispute_id, at=event.at, actor_kind=event.actor.kind.value,
            actor_id=event.actor.id, actor_name=event.actor.name, action=event.action, detail=event.detail,
        ))
        if dispute is None:
            row = self._conn.execute(select(t.disputes).where(t.disputes.c.id == event.dispute_id)).one()
            dispute = _dispute(row)
        outbox.add_event(self._conn, event, dispute)

    def list_for_dispute(self, dispute_id: int) -> List[DisputeEvent]:
        rows = self._conn.execute(
            select(t.dispute_events).where(t.dispute_events.c.dispute_id == dispute_id)
            .order_by(t.dispute_events.c.at, t.dispute_events.c.id)
        )
        return [
            DisputeEvent(r.dispute_id, r.at, Actor(ActorKind(r.actor_kind), r.actor_id, r.actor_name), r.action,
                         r.detail)
            for r in rows
        ]


def _evidence(row: Row) -> EvidenceFile:
    return EvidenceFile(row.id, row.dispute_id, row.sha256, row.media_type, row.size, row.display_name,
                        ActorKind(row.uploaded_by), row.uploaded_at)


class EvidenceRepository(_Repo):
    def add(self, dispute_id: int, upload: CheckedUpload, sha256: str, actor: Actor, at: datetime) -> EvidenceFile:
        values = dict(dispute_id=dispute_id, sha256=sha256, media_type=upload.media_type, size=upload.size,
                      display_name=upload.display_name, uploaded_by=actor.kind.value, uploaded_at=at)
        result = self._conn.execute(insert(t.evidence_files).values(**values))
        return EvidenceFile(id=result.inserted_primary_key[0], dispute_id=dispute_id, sha256=sha256,
                            media_type=upload.media_type, size=upload.size, display_name=upload.display_name,
                            uploaded_by=actor.kind, uploaded_at=at)

    def list_for_dispute(self, dispute_id: int) -> List[EvidenceFile]:
        rows = self._conn.execute(
            select(t.evidence_files).where(t.evidence_files.c.dispute_id == dispute_id)
            .order_by(t.evidence_files.c.id)
        )
        return [_evidence(r) for r in rows]


class RefundRepository(_Repo):
    def add(self, refund: Refund) -> Refund:
        result = self._conn.execute(insert(t.refunds).values(
            dispute_id=refund.dispute_id, amount_minor=to_minor(refund.amount), currency=refund.currency,
            method=refund.method,
            issued_at=refund.issued_at, expected_from=refund.expected_from, expected_by=refund.expected_by,
        ))
        return Refund(result.inserted_primary_key[0], refund.dispute_id, refund.amount, refund.currency,
                      refund.method, refund.issued_at, refund.expected_from, refund.expected_by)

    def get_for_dispute(self, dispute_id: int) -> Optional[Refund]:
        r = self._conn.execute(select(t.refunds).where(t.refunds.c.dispute_id == dispute_id)).first()
        if r is None:
            return None
        return Refund(r.id, r.dispute_id, from_minor(r.amount_minor), r.currency, r.method, r.issued_at,
                      r.expected_from, r.expected_by)


class IdentityRepository(_Repo):
    def buyer_for(self, channel: str, external_id: str) -> Optional[str]:
        return self._conn.execute(
            select(t.channel_identities.c.buyer_id).where(
                t.channel_identities.c.channel == channel, t.channel_identities.c.external_id == external_id
            )
        ).scalar()

    def link(self, channel: str, external_id: str, buyer_id: str, at: datetime) -> None:
        # Re-linking moves the channel user to the new buyer (e.g. a shared phone changes hands).
        updated = self._conn.execute(
            update(t.channel_identities)
            .where(t.channel_identities.c.channel == channel, t.channel_identities.c.external_id == external_id)
            .values(buyer_id=buyer_id, linked_at=at)
        )
        if updated.rowcount == 0:
            self._conn.execute(insert(t.channel_identities).values(
                channel=channel, external_id=external_id, buyer_id=buyer_id, linked_at=at))


class LinkCodeRepository(_Repo):
    def add(self, code_hash: str, buyer_id: str, expires_at: datetime) -> None:
        self._conn.execute(insert(t.link_codes).values(code_hash=code_hash, buyer_id=buyer_id, expires_at=expires_at))

    def take(self, code_hash: str, now: datetime) -> Optional[str]:
        # One conditional UPDATE: of two simultaneous redemptions only one can flip used_at.
        result = self._conn.execute(
            update(t.link_codes)
            .where(t.link_codes.c.code_hash == code_hash, t.link_codes.c.used_at.is_(None),
                   t.link_codes.c.expires_at > now)
            .values(used_at=now)
        )
        if result.rowcount != 1:
            return None
        return self._conn.execute(
            select(t.link_codes.c.buyer_id).where(t.link_codes.c.code_hash == code_hash)
        ).scalar()


class AgentRepository(_Repo):
    def add(self, name: str, role: AgentRole, token_hash: str) -> Agent:
        result = self._conn.execute(insert(t.agents).values(name=name, role=role.value, token_hash=token_hash))
        return Agent(result.inserted_primary_key[0], name, role)

    def by_token_hash(self, token_hash: str) -> Optional[Agent]:
        row = self._conn.execute(select(t.agents).where(t.agents.c.token_hash == token_hash)).first()
        return Agent(row.id, row.name, AgentRole(row.role)) if row else None



class DraftRepository(_Repo):
    def save(self, draft: DisputeDraft) -> None:
        # Delete then insert: one portable upsert for SQLite and PostgreSQL inside the unit of work.
        self.delete(draft.buyer_id, draft.order_number)
        self._conn.execute(insert(t.dispute_drafts).values(
            buyer_id=draft.buyer_id, order_number=draft.order_number, fields=draft.fields,
            updated_at=draft.updated_at))

    def list_for_buyer(self, buyer_id: str) -> List[DisputeDraft]:
        rows = self._conn.execute(select(t.dispute_drafts).where(t.dispute_drafts.c.buyer_id == buyer_id)
                                  .order_by(t.dispute_drafts.c.updated_at.desc())).all()
        return [DisputeDraft(r.buyer_id, r.order_number, dict(r.fields or {}), r.updated_at) for r in rows]

    def delete(self, buyer_id: str, order_number: str) -> None:
        self._conn.execute(delete(t.dispute_drafts).where(t.dispute_drafts.c.buyer_id == buyer_id,
                                                          t.dispute_drafts.c.order_number == order_number))
