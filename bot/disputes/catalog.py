"""The marketplace's own records coming in (issue 16): buyers, sellers and orders upserted by the marketplace's
systems (the integration API, the first-load import), and refunds the marketplace reports as sent.

Everything is checked here, whatever the source: a field that cannot be used raises FieldInvalid naming the
field; one call is one unit of work (nothing half-written).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .clock import Clock
from .errors import BuyerNotFound, DisputeNotFound, DomainError, InvalidInput, InvalidTransition, RuleViolation
from .inputs import parse_order_number
from .model import Actor, Buyer, DisputeEvent, DisputeStatus, Order, OrderStatus, Seller
from .ports import UnitOfWork, UnitOfWorkFactory

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PRICE = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldInvalid(InvalidInput):
    """One field of a record cannot be used: `field` names it, the message says why."""

    code = "invalid_field"

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")
        self.field = field
        self.why = why


class OrderOfAnotherBuyer(RuleViolation):
    code = "order_of_another_buyer"


@dataclass(frozen=True)
class Rejected:
    line: int
    field: str
    why: str


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    buyers_created: int = 0
    rejected: List[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class Upserted:
    created: bool
    value: Any


def _text(record: Mapping[str, Any], name: str, max_chars: int, required: bool = True) -> str:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise FieldInvalid(name, "is required")
        return ""
    if not isinstance(value, str):
        raise FieldInvalid(name, "must be a text")
    value = value.strip()
    if required and not value:
        raise FieldInvalid(name, "is required")
    if len(value) > max_chars:
        raise FieldInvalid(name, f"is at most {max_chars} characters")
    return value


def _ident(record: Mapping[str, Any], name: str) -> str:
    value = _text(record, name, 64)
    if not _ID.match(value):
        raise FieldInvalid(name, "is 1 to 64 letters, digits or _ . : -")
    return value


def _when(record: Mapping[str, Any], name: str, required: bool) -> Optional[datetime]:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise FieldInvalid(name, "is required")
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FieldInvalid(name, "must be an ISO 8601 date and time, like 2026-03-02T09:30:00+00:00") from None
    if not isinstance(value, datetime):
        raise FieldInvalid(name, "must be an ISO 8601 date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise FieldInvalid(name, "needs a time zone (e.g. +00:00 or Z)")
    return value


def parse_price(value: object, name: str = "price") -> Decimal:
    if not isinstance(value, str) or not _PRICE.match(value.strip()):
        raise FieldInvalid(name, "must be a decimal string like \"12.50\" (at most 2 decimals)")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise FieldInvalid(name, "must be a decimal string") from None
    if amount <= 0:
        raise FieldInvalid(name, "must be more than zero")
    return amount


def parse_currency(value: object, name: str = "currency") -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value.strip()):
        raise FieldInvalid(name, "must be an ISO 4217 code: 3 capital letters, like USD")
    return value.strip()


def parse_buyer(buyer_id: object, record: Mapping[str, Any]) -> Buyer:
    bid = _ident({"buyer_id": buyer_id}, "buyer_id")
    name = _text(record, "name", 120)
    email = _text(record, "email", 200, required=False)
    if email and not _EMAIL.match(email):
        raise FieldInvalid("email", "is not an e-mail address")
    return Buyer(bid, name, email)


def parse_order(number: object, record: Mapping[str, Any], order_id: int = 0) -> Order:
    """An order as the marketplace sends it, checked field by field and for consistency."""
    try:
        num = parse_order_number(number)
    except InvalidInput as exc:
        raise FieldInvalid("order_number", exc.message) from None
    buyer_id = _ident(record, "buyer_id")
    seller_id = _ident(record, "seller_id")
    item = _text(record, "item", 300)
    price = parse_price(record.get("price"))
    currency = parse_currency(record.get("currency"))
    raw_status = record.get("status")
    try:
        status = OrderStatus(raw_status)
    except ValueError:
        raise FieldInvalid("status", "is one of " + ", ".join(s.value for s in OrderStatus)) from None
    ordered_at = _when(record, "ordered_at", required=True)
    assert ordered_at is not None
    shipped_at = _when(record, "shipped_at", required=False)
    delivered_at = _when(record, "delivered_at", required=False)
    protection_ends_at = _when(record, "protection_ends_at", required=False)
    if shipped_at is not None and shipped_at < ordered_at:
        raise FieldInvalid("shipped_at", "is before ordered_at")
    if delivered_at is not None:
        if delivered_at < ordered_at:
            raise FieldInvalid("delivered_at", "is before ordered_at")
        if shipped_at is not None and delivered_at < shipped_at:
            raise FieldInvalid("delivered_at", "is before shipped_at")
    if protection_ends_at is not None and protection_ends_at <= ordered_at:
        raise FieldInvalid("protection_ends_at", "must be after ordered_at")
    if status is OrderStatus.DELIVERED and delivered_at is None:
        raise FieldInvalid("delivered_at", "is required when the status is delivered")
    if status is not OrderStatus.DELIVERED and delivered_at is not None:
        raise FieldInvalid("status", "is delivered when delivered_at is given")
    if status is not OrderStatus.AWAITING_SHIPMENT and protection_ends_at is None:
        raise FieldInvalid("protection_ends_at", "is required once the order has shipped")
    return Order(id=order_id, number=num, buyer_id=buyer_id, seller_id=seller_id, item=item, price=price,
                 currency=currency, status=status, ordered_at=ordered_at, shipped_at=shipped_at,
                 delivered_at=delivered_at, protection_ends_at=protection_ends_at)


class CatalogService:
    """Upserts of the marketplace's buyers, sellers and orders, and refunds it reports as sent."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def put_buyer(self, buyer_id: object, record: Mapping[str, Any]) -> Upserted:
        buyer = parse_buyer(buyer_id, record)
        with self._uow() as uow:
            created = uow.buyers.upsert(buyer)
            uow.commit()
        return Upserted(created, buyer)

    def put_order(self, number: object, record: Mapping[str, Any]) -> Upserted:
        """Upserts the order and its seller (`seller_name`; needed for a seller not known yet)."""
        order = parse_order(number, record)
        seller_name = _text(record, "seller_name", 120, required=False)
        with self._uow() as uow:
            result = self.write_order(uow, order, seller_name)
            uow.commit()
        return result

    @staticmethod
    def write_order(uow: UnitOfWork, order: Order, seller_name: str, buyer_known: bool = False) -> Upserted:
        """The writes of one order inside the caller's unit of work (the API's and the import's): every check
        first, then the writes, so a refused order writes nothing."""
        if not buyer_known and uow.buyers.get(order.buyer_id) is None:
            raise BuyerNotFound(order.buyer_id)
        seller = uow.sellers.get(order.seller_id)
        if seller is None and not seller_name:
            raise FieldInvalid("seller_name", f"is required: seller {order.seller_id!r} is not known yet")
        existing = uow.orders.get_by_number(order.number)
        if existing is not None and existing.buyer_id != order.buyer_id:
            raise OrderOfAnotherBuyer(f"Order {order.number} belongs to another buyer; its buyer cannot change.")
        if existing is not None and existing.seller_id != order.seller_id \
                and uow.disputes.get_by_order(existing.id) is not None:
            raise OrderOfAnotherBuyer(f"Order {order.number} has a dispute; its seller cannot change.")
        if seller_name and (seller is None or seller.name != seller_name):
            uow.sellers.upsert(Seller(order.seller_id, seller_name))
        stored = uow.orders.upsert(order)
        return Upserted(existing is None, stored)

    def load(self, records: Iterable[Tuple[int, Mapping[str, Any]]], dry_run: bool) -> LoadReport:
        """The first load: each (line, record) upserts its buyer (when it has buyer_name), seller and order. A
        refused record writes nothing and is reported; the others are written together at the end (all in one
        unit of work), or not at all with dry_run."""
        report = LoadReport()
        with self._uow() as uow:
            for line, record in records:
                try:
                    order = parse_order(record.get("order_number"), record)
                    seller_name = _text(record, "seller_name", 120, required=False)
                    buyer = None
                    if record.get("buyer_name") not in (None, ""):
                        buyer = parse_buyer(order.buyer_id, {"name": record.get("buyer_name"),
                                                             "email": record.get("buyer_email") or ""})
                    known = buyer is not None or uow.buyers.get(order.buyer_id) is not None
                    if not known:
                        raise FieldInvalid("buyer_id", f"there is no buyer {order.buyer_id!r} (add buyer_name)")
                    # Checked before any write of this record: write_order checks all before it writes.
                    if buyer is not None:
                        report.buyers_created += uow.buyers.upsert(buyer)
                    result = self.write_order(uow, order, seller_name, buyer_known=True)
                except DomainError as exc:
                    field = exc.field if isinstance(exc, FieldInvalid) else ""
                    report.rejected.append(Rejected(line, field, exc.why if isinstance(exc, FieldInvalid)
                                                    else exc.message))
                    continue
                if result.created:
                    report.created += 1
                else:
                    report.updated += 1
            if not dry_run:
                uow.commit()
        return report

    def record_refund(self, dispute_number: object, amount: object, currency: object, reference: object,
                      actor: Actor) -> Dict[str, Any]:
        """The marketplace reports the refund of a resolved dispute as sent: it must match the refund the dispute
        gave (amount and currency); the reference is kept in the dispute's history."""
        value = parse_price(amount, "amount")
        code = parse_currency(currency)
        ref = _text({"reference": reference}, "reference", 120)
        number = str(dispute_number)
        now = self._clock.now()
        with self._uow() as uow:
            dispute = uow.disputes.get_by_number(number) if number.isdigit() and len(number) == 12 else None
            if dispute is None or dispute.id is None:
                raise DisputeNotFound(number)
            refund = uow.refunds.get_for_dispute(dispute.id)
            if dispute.status is not DisputeStatus.RESOLVED or refund is None:
                raise InvalidTransition(f"Dispute {number} has no refund due.")
            if refund.amount != value or refund.currency != code:
                raise FieldInvalid("amount", f"the refund due is {refund.amount:.2f} {refund.currency}")
            uow.events.add(DisputeEvent(dispute_id=dispute.id, at=now, actor=actor, action="refund_sent",
                                        detail={"amount": f"{value:.2f}", "currency": code, "reference": ref}))
            uow.commit()
        return {"dispute_number": number, "amount": f"{value:.2f}", "currency": code, "reference": ref,
                "expected_by": refund.expected_by.isoformat()}
