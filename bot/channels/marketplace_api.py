"""The inbound integration API for the marketplace's systems (issue 16), mounted at /api/marketplace (OpenAPI at
/api/marketplace/openapi.json; docs/integration.md).

Buyers and orders are upserted; sellers act on disputes, the payment system reports refunds sent, the Dispute Team
sends its decisions. Every call carries a service token (`python -m bot service-token create`) with the
endpoint's scope (401 without a valid one, 403 without the scope) and every write an Idempotency-Key (400
without): the same key and body get the first answer again, another body with that key is refused (422), and of
concurrent requests with one key exactly one does the work while the others wait for its answer. The change is
committed together with the key's mark (bot.store.service_tokens), so a gateway dying mid-request never makes it
twice: a retry takes over a claim abandoned before the commit, and rebuilds the answer of one lost after it.

Every refusal is JSON `{"error": ..., "code": ...}`; validation errors also list `problems` (field and why).
The Dispute Team's decisions are made by a service account: an Agent with id 0 and the Dispute Team's role,
named after the token ("Dispute Team (<token name>)"), so the dispute's history says which system decided.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Annotated, Any, Callable, Dict, List, Literal, Optional, Tuple

import anyio
from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StrictBool, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels.agent_api import MAX_BODY_BYTES, BodySizeLimit, _field, _issue
from bot.disputes.catalog import FieldInvalid, Upserted
from bot.disputes.errors import (
    BuyerNotFound,
    ConcurrentUpdate,
    DisputeNotFound,
    DomainError,
    NotAllowed,
    NotFound,
    RuleViolation,
)
from bot.disputes.model import Actor, ActorKind, Agent, AgentRole, Buyer, Order, OrderStatus
from bot.disputes.services import DisputeDetails
from bot.store.service_tokens import ClaimTakenOver, ServiceToken

PREFIX = "/api/marketplace"
KEY_WAIT_SECONDS = 10.0  # how long a request waits for the answer of another with the same Idempotency-Key

BuyerId = Annotated[str, Path(min_length=1, max_length=64, regex=r"^[A-Za-z0-9_.:-]+$",
                              description="The marketplace's buyer id: letters, digits, _ . : -")]
OrderNumber = Annotated[str, Path(min_length=1, max_length=32, regex=r"^[0-9 -]+$",
                                  description="The order's 16 digits")]
DisputeNumber = Annotated[str, Path(min_length=1, max_length=32, regex=r"^[0-9]+$",
                                    description="The dispute's 12 digits")]
IdempotencyKey = Annotated[Optional[str], Header(
    alias="Idempotency-Key", max_length=200,
    description="Required on every write: a unique key per change (e.g. a UUID). The same key and body get the "
                "first answer again; another body with the same key is refused.")]

if TYPE_CHECKING:
    Name = str
    Short = str
    Text = str
    When = str
else:
    from pydantic import constr

    Name = constr(strict=True, min_length=1, max_length=120)
    Short = constr(strict=True, min_length=1, max_length=64)
    Text = constr(strict=True, max_length=2000)
    When = constr(strict=True, min_length=1, max_length=40)


class _Strict(BaseModel):
    class Config:
        extra = "forbid"


class ErrorOut(BaseModel):
    error: str = Field(..., description="What is wrong, in words")
    code: Optional[str] = Field(None, description="Stable code, e.g. unauthorized, missing_scope, "
                                "invalid_request, dispute_not_found, dispute_closed, idempotency_key_reused "
                                "(on every refusal but 413, which the shared body-size limit answers)")
    problems: Optional[List[Dict[str, str]]] = Field(None, description="Validation: each field and why")


ERRORS: Dict[int | str, Dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Idempotency-Key missing, or a body that is not UTF-8"},
    401: {"model": ErrorOut, "description": "No service token, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "The token lacks this endpoint's scope"},
    404: {"model": ErrorOut, "description": "Unknown buyer or dispute (or not this seller's)"},
    409: {"model": ErrorOut, "description": "The dispute's state does not allow it, or the key is still in use"},
    413: {"model": ErrorOut, "description": "Body too large"},
    422: {"model": ErrorOut, "description": "A field is missing, of the wrong type or not valid; or the "
                                            "Idempotency-Key was used with another body"},
}


class BuyerIn(_Strict):
    name: Name
    email: StrictStr = Field("", max_length=200)


class BuyerOut(BaseModel):
    buyer_id: str
    name: str
    email: str
    created: bool = Field(..., description="True if the buyer was new")


class OrderIn(_Strict):
    buyer_id: Short = Field(..., description="An existing buyer (PUT /buyers first)")
    seller_id: Short
    seller_name: Optional[Name] = Field(None, description="Upserts the seller; required for a new seller")
    item: StrictStr = Field(..., min_length=1, max_length=300)
    price: StrictStr = Field(..., min_length=1, max_length=20, description="Decimal string, e.g. \"24.90\"")
    currency: StrictStr = Field(..., min_length=3, max_length=3, description="ISO 4217, e.g. USD")
    status: OrderStatus
    ordered_at: When = Field(..., description="ISO 8601 with time zone")
    shipped_at: Optional[When] = Field(None, description="ISO 8601 with time zone")
    delivered_at: Optional[When] = Field(None, description="ISO 8601 with time zone; with status delivered")
    protection_ends_at: Optional[When] = Field(None, description="ISO 8601 with time zone; once shipped")


class OrderOut(BaseModel):
    order_number: str
    buyer_id: str
    seller_id: str
    item: str
    price: str
    currency: str
    status: str
    ordered_at: str
    shipped_at: Optional[str]
    delivered_at: Optional[str]
    protection_ends_at: Optional[str]
    created: bool


class SellerActionIn(_Strict):
    seller_id: Short = Field(..., description="The seller of the dispute's order")
    action: Literal["accept", "reject", "offer"]
    note: Text = ""
    resolution: Optional[StrictStr] = Field(None, max_length=32, description="For offer: partial_refund or "
                                            "another_item")
    amount: Optional[StrictStr] = Field(None, max_length=20, description="For a partial refund offer")


class RefundIn(_Strict):
    amount: StrictStr = Field(..., min_length=1, max_length=20, description="Decimal string: the refund due")
    currency: StrictStr = Field(..., min_length=3, max_length=3)
    reference: StrictStr = Field(..., min_length=1, max_length=120, description="The payment system's reference")


class DecisionIn(_Strict):
    in_buyers_favour: StrictBool
    refund_amount: Optional[StrictStr] = Field(None, max_length=20, description="Partial refund; none = full price")
    note: Text = ""


class OfferOut(BaseModel):
    resolution: str
    amount: Optional[str]


class RefundOut(BaseModel):
    amount: str
    currency: str
    expected_by: str


class DisputeOut(BaseModel):
    number: str
    status: str
    order_number: str
    seller_id: str
    seller_offer: Optional[OfferOut]
    refund: Optional[RefundOut]
    outcome_note: str


class RefundSentOut(BaseModel):
    dispute_number: str
    amount: str
    currency: str
    reference: str
    expected_by: str


def _iso(value: Any) -> Optional[str]:
    return None if value is None else value.isoformat()


def _buyer_out(result: Upserted) -> Dict[str, Any]:
    buyer: Buyer = result.value
    return BuyerOut(buyer_id=buyer.id, name=buyer.name, email=buyer.email, created=result.created).dict()


def _order_out(result: Upserted) -> Dict[str, Any]:
    o: Order = result.value
    return OrderOut(order_number=o.number, buyer_id=o.buyer_id, seller_id=o.seller_id, item=o.item,
                    price=f"{o.price:.2f}", currency=o.currency, status=o.status.value,
                    ordered_at=o.ordered_at.isoformat(), shipped_at=_iso(o.shipped_at),
                    delivered_at=_iso(o.delivered_at), protection_ends_at=_iso(o.protection_ends_at),
                    created=result.created).dict()


def _dispute_out(details: DisputeDetails) -> Dict[str, Any]:
    d = details.dispute
    offer = d.seller_offer
    refund = details.refund
    return DisputeOut(
        number=d.number, status=d.status.value, order_number=details.order.number, seller_id=d.seller_id,
        seller_offer=OfferOut(resolution=offer.resolution.value,
                              amount=None if offer.amount is None else f"{offer.amount:.2f}") if offer else None,
        refund=RefundOut(amount=f"{refund.amount:.2f}", currency=refund.currency,
                         expected_by=refund.expected_by.isoformat()) if refund else None,
        outcome_note=d.outcome_note).dict()


def domain_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, (RuleViolation, ConcurrentUpdate)):
        return 409
    if isinstance(exc, NotAllowed):
        return 403
    return 422


def domain_answer(exc: DomainError) -> Tuple[int, Dict[str, Any]]:
    body: Dict[str, Any] = {"error": exc.message, "code": exc.code}
    if isinstance(exc, FieldInvalid):
        body["problems"] = [{"field": exc.field, "issue": exc.why}]
    return domain_status(exc), body


def request_hash(method: str, path: str, body: BaseModel) -> str:
    canonical = json.dumps([method, path, body.dict()], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def create_marketplace_api(parent: FastAPI) -> FastAPI:
    api = FastAPI(
        title="Dispute assistant: marketplace integration API", version="1", openapi_url="/openapi.json",
        docs_url="/docs",
        description="For the marketplace's own systems: buyers and orders in (upserts), sellers' answers to "
                    "disputes, refunds sent, the Dispute Team's decisions. `Authorization: Bearer <service token>` "
                    "with the endpoint's scope; an `Idempotency-Key` header on every write. Errors are JSON "
                    "`{\"error\", \"code\"}`. See docs/integration.md.",
        openapi_tags=[
            {"name": "buyers", "description": "Scope buyers:write"},
            {"name": "orders", "description": "Scope orders:write (upserts the order's seller too)"},
            {"name": "disputes", "description": "Scope disputes:write: seller actions and refunds sent"},
            {"name": "decisions", "description": "Scope decisions:write: the Dispute Team's decisions"},
        ])
    api.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    bearer = HTTPBearer(auto_error=False)

    def services():
        return parent.state.gateway.services

    def require(scope: str) -> Callable[..., Any]:
        async def token_with_scope(
                credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> ServiceToken:
            secret = credentials.credentials if credentials else None
            token = await anyio.to_thread.run_sync(services().service_tokens.for_token, secret) if secret else None
            if token is None:
                raise _Refusal(401, "unauthorized", "Send a valid service token as 'Authorization: Bearer <token>'.")
            if scope not in token.scopes:
                raise _Refusal(403, "missing_scope", f"This service token lacks the scope {scope}.")
            return token

        return token_with_scope

    buyers_write, orders_write = require("buyers:write"), require("orders:write")
    disputes_write, decisions_write = require("disputes:write"), require("decisions:write")

    @api.exception_handler(_Refusal)
    async def refused(request: Request, exc: _Refusal) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.status, headers=headers)

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": _field(e.get("loc")), "issue": _issue(e)} for e in exc.errors()[:10]]
        summary = "; ".join(f"{p['field']}: {p['issue']}" for p in problems)
        return JSONResponse({"error": f"The request is not valid: {summary}.", "code": "invalid_request",
                             "problems": problems}, status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "The request could not be read."
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "The body could not be read: send a JSON object in UTF-8."
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "bad_request")
        return JSONResponse({"error": detail, "code": code}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    def in_progress() -> _Refusal:
        return _Refusal(409, "idempotency_key_in_progress", "A request with this Idempotency-Key is still being "
                        "answered; retry in a moment.")

    async def idempotent(token: ServiceToken, key: Optional[str], request: Request, body: BaseModel,
                         work: Callable[[], Tuple[int, Dict[str, Any]]],
                         current: Callable[[], Tuple[int, Dict[str, Any]]]) -> JSONResponse:
        """Claims the key (inserting its row), does the work once, stores the answer; a repeat replays it. `current`
        reads the answer from the state as it is now, for a key whose change was committed but whose answer was
        lost (the process died in between)."""
        if not key or not key.strip():
            raise _Refusal(400, "idempotency_key_missing", "Send an Idempotency-Key header with every write.")
        keys = services().idempotency_keys
        fingerprint = request_hash(request.method, request.url.path, body)
        claim = await anyio.to_thread.run_sync(keys.claim, token.id, key, fingerprint)
        deadline = time.monotonic() + KEY_WAIT_SECONDS
        while not (claim.mine or claim.other_body or claim.committed or claim.status_code is not None):
            if time.monotonic() > deadline:
                raise in_progress()
            await anyio.sleep(0.05)
            claim = await anyio.to_thread.run_sync(keys.look, token.id, key, fingerprint)
        if claim.other_body:
            raise _Refusal(422, "idempotency_key_reused", "This Idempotency-Key was used with another request "
                           "(method, path or body); use a new key for a new change.")
        if claim.committed:
            return await rebuilt(token, key, fingerprint, current)
        if not claim.mine:
            return JSONResponse(claim.response, status_code=claim.status_code or 200,
                                headers={"Idempotent-Replayed": "true"})
        claim_id = claim.claim_id
        assert claim_id is not None

        def bound_work() -> Tuple[int, Dict[str, Any]]:
            # Bound in the worker thread that runs the work, where its units of work commit.
            with keys.bound(token.id, key, claim_id):
                return work()

        try:
            try:
                status, answer = await anyio.to_thread.run_sync(bound_work)
            except DomainError as exc:
                status, answer = domain_answer(exc)
            await anyio.to_thread.run_sync(keys.answer, token.id, key, status, answer, claim_id)
        except ClaimTakenOver:
            # This request outlived its lease and a retry took the key: the change was rolled back, the retry makes it.
            raise in_progress() from None
        except BaseException:
            # Lets a retry take the key, unless the change was committed (then a retry rebuilds the answer).
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(keys.release, token.id, key, claim_id)
            raise
        return JSONResponse(answer, status_code=status)

    async def rebuilt(token: ServiceToken, key: str, fingerprint: str,
                      current: Callable[[], Tuple[int, Dict[str, Any]]]) -> JSONResponse:
        """The answer of a change committed with its key but never answered, read from the current state and stored,
        so later repeats get the same."""
        keys = services().idempotency_keys
        try:
            status, answer = await anyio.to_thread.run_sync(current)
        except DomainError as exc:  # the record is gone since: say so, but store nothing
            status, answer = domain_answer(exc)
            return JSONResponse(answer, status_code=status, headers={"Idempotent-Replayed": "true"})
        if not await anyio.to_thread.run_sync(keys.answer, token.id, key, status, answer):
            stored = await anyio.to_thread.run_sync(keys.look, token.id, key, fingerprint)  # another was first
            if stored.status_code is not None:
                status, answer = stored.status_code, stored.response
        return JSONResponse(answer, status_code=status, headers={"Idempotent-Replayed": "true"})

    def dispute_now(number: str) -> Tuple[int, Dict[str, Any]]:
        """The dispute as the seller-action and decision answers show it, read now."""
        with services().uow_factory.reading() as uow:
            dispute = uow.disputes.get_by_number(number)
        if dispute is None:
            raise DisputeNotFound(number)
        return 200, _dispute_out(services().disputes.dispute_status(dispute.buyer_id, number))

    def upserted(out: Callable[[Upserted], Dict[str, Any]], call: Callable[[], Upserted]) \
            -> Callable[[], Tuple[int, Dict[str, Any]]]:
        def work() -> Tuple[int, Dict[str, Any]]:
            result = call()
            return (201 if result.created else 200), out(result)
        return work

    @api.put("/buyers/{buyer_id}", tags=["buyers"], response_model=BuyerOut, responses={**ERRORS, 201: {
        "model": BuyerOut, "description": "Created"}}, summary="Create or update a buyer (200 updated, 201 created)")
    async def put_buyer(buyer_id: BuyerId, body: BuyerIn, request: Request, key: IdempotencyKey = None,
                        token: ServiceToken = Depends(buyers_write)):
        def now() -> Tuple[int, Dict[str, Any]]:
            buyer = services().accounts.buyer(buyer_id)
            if buyer is None:
                raise BuyerNotFound(buyer_id)
            return 200, _buyer_out(Upserted(False, buyer))  # whether it was new then is not recorded

        return await idempotent(token, key, request, body, upserted(
            _buyer_out, lambda: services().catalog.put_buyer(buyer_id, body.dict())), now)

    @api.put("/orders/{order_number}", tags=["orders"], response_model=OrderOut, responses={**ERRORS, 201: {
        "model": OrderOut, "description": "Created"}},
        summary="Create or update an order and its seller (200 updated, 201 created)")
    async def put_order(order_number: OrderNumber, body: OrderIn, request: Request, key: IdempotencyKey = None,
                        token: ServiceToken = Depends(orders_write)):
        record = body.dict()
        record["status"] = body.status.value
        def now() -> Tuple[int, Dict[str, Any]]:
            summary = services().disputes.order_summary(body.buyer_id, order_number)
            return 200, _order_out(Upserted(False, summary.order))  # whether it was new then is not recorded

        return await idempotent(token, key, request, body, upserted(
            _order_out, lambda: services().catalog.put_order(order_number, record)), now)

    @api.post("/disputes/{number}/seller-actions", tags=["disputes"], response_model=DisputeOut, responses=ERRORS,
              summary="The seller accepts, rejects or makes an offer")
    async def seller_action(number: DisputeNumber, body: SellerActionIn, request: Request,
                            key: IdempotencyKey = None, token: ServiceToken = Depends(disputes_write)):
        disputes = services().disputes

        def work() -> Tuple[int, Dict[str, Any]]:
            if body.action == "accept":
                details = disputes.seller_accept(body.seller_id, number)
            elif body.action == "reject":
                details = disputes.seller_reject(body.seller_id, number, body.note)
            else:
                details = disputes.seller_offer(body.seller_id, number, body.resolution, body.amount, body.note)
            return 200, _dispute_out(details)

        return await idempotent(token, key, request, body, work, lambda: dispute_now(number))

    @api.post("/disputes/{number}/refunds", tags=["disputes"], response_model=RefundSentOut, responses=ERRORS,
              summary="The refund of a resolved dispute was sent")
    async def refund_sent(number: DisputeNumber, body: RefundIn, request: Request, key: IdempotencyKey = None,
                          token: ServiceToken = Depends(disputes_write)):
        actor = Actor(ActorKind.SYSTEM, f"service:{token.name}", "Marketplace payments")

        def work() -> Tuple[int, Dict[str, Any]]:
            return 200, services().catalog.record_refund(number, body.amount, body.currency, body.reference, actor)

        def now() -> Tuple[int, Dict[str, Any]]:
            # The refund_sent event this request recorded (its reference) and the dispute's refund.
            with services().uow_factory.reading() as uow:
                dispute = uow.disputes.get_by_number(number)
                if dispute is None or dispute.id is None:
                    raise DisputeNotFound(number)
                refund = uow.refunds.get_for_dispute(dispute.id)
                sent = [e for e in uow.events.list_for_dispute(dispute.id)
                        if e.action == "refund_sent" and e.detail.get("reference") == body.reference.strip()]
            if refund is None or not sent:
                raise DisputeNotFound(number)
            detail = sent[-1].detail
            return 200, RefundSentOut(dispute_number=number, amount=detail["amount"], currency=detail["currency"],
                                      reference=detail["reference"], expected_by=refund.expected_by.isoformat()).dict()

        return await idempotent(token, key, request, body, work, now)

    @api.post("/disputes/{number}/decisions", tags=["decisions"], response_model=DisputeOut, responses=ERRORS,
              summary="The Dispute Team's decision on an escalated dispute")
    async def decision(number: DisputeNumber, body: DecisionIn, request: Request, key: IdempotencyKey = None,
                       token: ServiceToken = Depends(decisions_write)):
        team = Agent(id=0, name=f"Dispute Team ({token.name})", role=AgentRole.DISPUTE_TEAM)

        def work() -> Tuple[int, Dict[str, Any]]:
            return 200, _dispute_out(services().disputes.decide(
                team, number, in_buyers_favour=body.in_buyers_favour, refund_amount=body.refund_amount,
                note=body.note))

        return await idempotent(token, key, request, body, work, lambda: dispute_now(number))

    return api
