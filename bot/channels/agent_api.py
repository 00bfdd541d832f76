"""The help desk's HTTP API (OpenAPI at /api/agent/openapi.json), the agents' live socket.io namespace
(`/agent`), and the outgoing webhook (HMAC-signed) on new hand-offs and buyer messages.

Codes come with plain words next to them (bot/helpdesk/labels.py): `status` and `status_label`, `reason` and
`reason_label`, `problems` and `problem_labels`, `resolution` and `resolution_label`, a history event's `action`
and `action_label`, the half-filled form's coded values in `form_labels`. Times are ISO 8601 in UTC.

Agents sign in with the token `python -m bot agent-create` printed: no token or a wrong one -> 401, a role
without the right -> 403, a conversation another agent holds -> 409. Every agent action is audited.

Admins also review the inbox of buyer messages the bot was unsure about (`/review`, docs/adr/0010-review-inbox.md):
each gets an intent of the assistant and optional problem codes, or is discarded.
Admins also see the dispute events not yet delivered to the marketplace's webhook (`/deliveries`, failed and
pending, with the last error) and send them again (`/deliveries/{event_id}/replay`, `/deliveries/replay-failed`).

Every refusal is JSON with an `error` a person can read: a body that is not a JSON object, a field of the wrong
type (no coercion: 123 is not a text, "yes" not a boolean), missing or too long -> 422 naming the fields; a body
over MAX_BODY_BYTES -> 413 before it is read; ids out of range -> 422. Never a 500 for what a client sent.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any, Dict, List, Optional

import anyio
import httpx
import socketio
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StrictBool, StrictStr, conlist, constr
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.disputes.errors import DisputeNotFound, DomainError, NotAllowed
from bot.disputes.evidence import sniff_media_type
from bot.disputes.model import Agent, AgentRole
from bot.disputes.problems import PROBLEM_LABELS, ProblemCode
from bot.helpdesk.labels import handoff_status_label
from bot.helpdesk.model import HandoffNotFound, HandoffTaken, NotYourHandoff
from bot.helpdesk.queue import HandoffQueue
from bot.helpdesk.views import CaseSummary, DisputeActed, QueueItem
from bot.review.model import ReviewItem, ReviewItemClosed, ReviewItemNotFound

log = logging.getLogger(__name__)

NAMESPACE = "/agent"
ROOM = "agents"
SIGNATURE_HEADER = "X-Dispute-Signature"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_BODY_BYTES = 64 * 1024  # the largest valid body (a 2000-character description) is a few KB
# Handoff ids are database integers (PostgreSQL's INTEGER is 32-bit): a larger one is no id, not a 500.
HandoffId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReviewItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DisputeNumber = Annotated[str, Path(min_length=1, max_length=32)]
EventId = Annotated[str, Path(min_length=1, max_length=36)]  # a dispute event's UUID (the outbox)
# Strict types (pydantic would otherwise take 123 as "123" and "yes" as true) and lengths a bit over the
# domain's own limits: the domain says what is wrong in words; these only stop absurd payloads early.
if TYPE_CHECKING:  # what the constrained types hold, for the type checker
    Text = str
    Code = str
    Problems = List[str]
else:
    Text = constr(strict=True, max_length=4000)
    Code = constr(strict=True, max_length=32)
    Problems = conlist(StrictStr, max_items=20)  # 14 problem codes exist


class Reply(BaseModel):
    text: StrictStr = Field(..., min_length=1, max_length=4000)


class Release(BaseModel):
    note: StrictStr = Field("", max_length=1000)


class NewDispute(BaseModel):
    order_number: Code
    received: StrictBool
    problems: Problems = []
    resolution: Code = "full_refund"
    refund_amount: Optional[Code] = None
    description: Text = ""


class DisputeChange(BaseModel):
    problems: Optional[Problems] = None
    resolution: Optional[Code] = None
    refund_amount: Optional[Code] = None
    description: Optional[Text] = None


class Decision(BaseModel):
    in_buyers_favour: StrictBool
    refund_amount: Optional[Code] = Field(None, description="Partial refund; empty means the full price")
    note: Text = ""


class Label(BaseModel):
    intent: StrictStr = Field(..., min_length=1, max_length=64, description="One of the assistant's intents "
                              "(GET /review lists them)")
    problems: Problems = Field([], description="Problem codes the message reports")


class Guess(BaseModel):
    intent: str
    confidence: float


class ProblemGuess(BaseModel):
    code: str
    confidence: Optional[float]
    found: bool = Field(..., description="Whether the parse reported it as a `problem` entity")


class ReviewItemOut(BaseModel):
    id: int
    text: str
    conversation_id: str
    buyer_id: Optional[str]
    reasons: List[str] = Field(..., description="fallback, low_confidence, ambiguous, correction, "
                               "handoff_after_miss")
    intent: Optional[str] = Field(..., description="The intent the bot predicted")
    confidence: Optional[float]
    alternatives: List[Guess] = Field(..., description="The next best intents")
    problems: List[ProblemGuess] = Field(..., description="Problem codes predicted for the message")
    repeats: int = Field(..., description="How many times this text (normalised) came while pending")
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    label_intent: Optional[str]
    label_problems: List[str]
    reviewed_by: Optional[str]
    reviewed_at: Optional[datetime]


class ProblemChoice(BaseModel):
    code: str
    label: str


class ReviewPage(BaseModel):
    items: List[ReviewItemOut]
    pending: int = Field(..., description="Pending messages in all (items lists at most `limit`)")
    intents: List[str] = Field(..., description="The labels an item may get")
    problems: List[ProblemChoice]


class Delivery(BaseModel):
    event_id: str
    dispute_number: str
    type: str = Field(..., description="dispute.opened, dispute.refunded, ... (docs/integration.md)")
    state: str = Field(..., description="pending or failed")
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    failed_at: Optional[datetime]
    last_error: str
    replayed_at: Optional[datetime] = Field(None, description="When an operator last sent it again, if ever")


class DeliveryPage(BaseModel):
    counts: Dict[str, int] = Field(..., description="pending, failed and delivered events in all")
    events: List[Delivery]


class Replayed(BaseModel):
    replayed: int = Field(..., description="How many events went back to pending")


class Me(BaseModel):
    id: int
    name: str
    role: str


def _review_item(item: ReviewItem) -> ReviewItemOut:
    return ReviewItemOut(
        id=item.id, text=item.text, conversation_id=item.conversation_id, buyer_id=item.buyer_id,
        reasons=item.reasons, intent=item.intent, confidence=item.confidence,
        alternatives=[Guess(intent=g.intent, confidence=g.confidence) for g in item.alternatives],
        problems=[ProblemGuess(code=p.code, confidence=p.confidence, found=p.found) for p in item.problems],
        repeats=item.repeats, first_seen_at=item.first_seen_at, last_seen_at=item.last_seen_at,
        status=item.status.value, label_intent=item.label_intent, label_problems=item.label_problems,
        reviewed_by=item.reviewed_by, reviewed_at=item.reviewed_at)


def _field(location: Any) -> str:
    parts = [str(part) for part in location if part != "body"] if isinstance(location, (list, tuple)) else []
    return ".".join(parts) or "body"


def _issue(error: Dict[str, Any]) -> str:
    if error.get("type") == "json_invalid" or error.get("msg") == "JSON decode error":
        return f"not valid JSON ({(error.get('ctx') or {}).get('error', 'unreadable')})"
    if _field(error.get("loc")) == "body" and "dict" in str(error.get("type")):
        return "must be a JSON object"
    return str(error.get("msg", "invalid"))[:200]


class BodySizeLimit:
    """ASGI middleware: a body over `max_bytes` is answered 413 (JSON) before the API reads it into memory;
    a chunked body (no Content-Length) is counted as it arrives."""

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self._max:
            await self._too_large(receive, send)
            return
        received = 0

        async def counted() -> Dict[str, Any]:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self._max:
                # Inside the API's own handling: its HTTPException handler answers.
                raise HTTPException(413, self._message())
            return message

        await self._app(scope, counted, send)

    def _message(self) -> str:
        return f"The request body is too large: at most {self._max} bytes."

    async def _too_large(self, receive: Any, send: Any) -> None:
        # Read and drop a little of the body first: closing on unread data resets the connection, and the
        # client would not see the answer.
        with anyio.move_on_after(1.0):
            dropped = 0
            while dropped < 16 * 1024 * 1024:
                message = await receive()
                dropped += len(message.get("body", b""))
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
        body = json.dumps({"error": self._message()}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class AgentNotifier:
    """Tells signed-in agent consoles (socket.io) and the help desk's webhook what happened."""

    def __init__(self, sio: socketio.AsyncServer, webhook_url: Optional[str], webhook_secret: Optional[str],
                 http: httpx.AsyncClient, queue: HandoffQueue) -> None:
        self._sio = sio
        self._url = webhook_url
        self._secret = webhook_secret
        self._http = http
        self._queue = queue

    async def __call__(self, event: str, data: Dict[str, Any]) -> None:
        await self._sio.emit(event.replace(".", "_"), data, room=ROOM, namespace=NAMESPACE)
        if event.startswith("handoff."):
            await self._sio.emit("queue", _queue_json(await self._queue.items()), room=ROOM, namespace=NAMESPACE)
        if self._url and event in ("handoff.created", "buyer.message"):
            await self._post(event, data)

    async def _post(self, event: str, data: Dict[str, Any]) -> None:
        if self._url is None:
            return
        body = json.dumps({"event": event, "data": data}, default=str).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(self._secret or "", body)}
        for attempt in range(3):
            try:
                response = await self._http.post(self._url, content=body, headers=headers, timeout=5.0)
                if response.status_code < 500:
                    return
            except httpx.HTTPError as exc:
                log.warning("agent webhook attempt %d failed: %s", attempt + 1, type(exc).__name__)
            await anyio.sleep(0.5 * (attempt + 1))
        log.error("agent webhook gave up on %s", event)


def _queue_json(items: List[QueueItem]) -> List[Dict[str, Any]]:
    return [item.dict() for item in items]


def register_agent_socket(sio: socketio.AsyncServer, accounts: Any, queue: HandoffQueue) -> None:
    """Agents' consoles connect to the `/agent` namespace with their token and get the live queue."""

    async def connect(sid, environ, auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        agent = await anyio.to_thread.run_sync(accounts.agent_for_token, token) if token else None
        if agent is None:
            raise socketio.exceptions.ConnectionRefusedError("invalid_token")
        await sio.save_session(sid, {"agent_id": agent.id}, namespace=NAMESPACE)
        await sio.enter_room(sid, ROOM, namespace=NAMESPACE)
        await sio.emit("queue", _queue_json(await queue.items()), to=sid, namespace=NAMESPACE)

    sio.on("connect", connect, namespace=NAMESPACE)


def create_agent_api(parent: FastAPI) -> FastAPI:
    api = FastAPI(title="Dispute assistant: help-desk agent API", version="1", openapi_url="/openapi.json",
                  docs_url="/docs", description="Hand-offs from the bot to people: queue, case summary and "
                  "transcript, claim, reply, release, and acting on the buyer's disputes. Bearer agent tokens.")
    api.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    bearer = HTTPBearer(auto_error=False)

    def helpdesk():
        return parent.state.gateway.helpdesk

    async def current_agent(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> Agent:
        token = credentials.credentials if credentials else None
        agent = await anyio.to_thread.run_sync(parent.state.gateway.services.accounts.agent_for_token, token) \
            if token else None
        if agent is None:
            raise _Unauthorized()
        return agent

    async def current_admin(agent: Agent = Depends(current_agent)) -> Agent:
        if agent.role is not AgentRole.ADMIN:
            raise NotAllowed("Only admins review the bot's unsure messages.")
        return agent

    @api.exception_handler(_Unauthorized)
    async def unauthorized(request: Request, exc: _Unauthorized) -> JSONResponse:
        return JSONResponse({"error": "Send a valid agent token as 'Authorization: Bearer <token>'."},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The fields and what is wrong with them, never the input (it may be huge, or not text at all).
        problems = [{"field": _field(e.get("loc")), "issue": _issue(e)} for e in exc.errors()[:10]]
        summary = "; ".join(f"{p['field']}: {p['issue']}" for p in problems)
        return JSONResponse({"error": f"The request is not valid: {summary}.", "problems": problems},
                            status_code=422)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "The request could not be read."
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "The body could not be read: send a JSON object in UTF-8."
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @api.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status = 422
        if isinstance(exc, (HandoffTaken, NotYourHandoff, ReviewItemClosed)):
            status = 409
        elif isinstance(exc, NotAllowed):
            status = 403
        elif isinstance(exc, (HandoffNotFound, DisputeNotFound, ReviewItemNotFound)):
            status = 404
        return JSONResponse({"error": exc.message, "code": exc.code}, status_code=status)

    @api.get("/me", response_model=Me, summary="The signed-in agent: name and role")
    async def me(agent: Agent = Depends(current_agent)):
        return Me(id=agent.id, name=agent.name, role=agent.role.value)

    @api.get("/queue", response_model=List[QueueItem],
             summary="Open hand-offs: waiting ones in queue order, then those being handled")
    async def queue(agent: Agent = Depends(current_agent)):
        return await helpdesk().queue()

    @api.get("/conversations/{handoff_id}", response_model=CaseSummary, summary="Case summary and transcript")
    async def conversation(handoff_id: HandoffId, agent: Agent = Depends(current_agent)):
        return await helpdesk().summary(handoff_id)

    @api.get("/conversations/{handoff_id}/evidence/{sha256}", summary="A file of this case (photo, video, PDF)")
    async def evidence(handoff_id: HandoffId, sha256: str, agent: Agent = Depends(current_agent)):
        if not SHA256.match(sha256) or not await helpdesk().case_has_file(handoff_id, sha256):
            return JSONResponse({"error": "No such file in this case."}, status_code=404)
        try:
            data = await anyio.to_thread.run_sync(parent.state.gateway.services.evidence.get, sha256)
        except FileNotFoundError:  # sent outside any dispute and removed by the orphan sweep
            return JSONResponse({"error": "This file was not attached to a dispute and has been removed."},
                                status_code=410)
        return Response(data, media_type=sniff_media_type(data) or "application/octet-stream",
                        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})

    @api.post("/conversations/{handoff_id}/claim", summary="Take the conversation (409 if another agent has it)")
    async def claim(handoff_id: HandoffId, agent: Agent = Depends(current_agent)):
        handoff = await helpdesk().claim(agent, handoff_id)
        return {"id": handoff.id, "status": handoff.status.value,
                "status_label": handoff_status_label(handoff.status), "agent": handoff.agent_name}

    @api.post("/conversations/{handoff_id}/messages", summary="Write to the buyer on their channel")
    async def message(handoff_id: HandoffId, body: Reply, agent: Agent = Depends(current_agent)):
        return await helpdesk().reply(agent, handoff_id, body.text)

    @api.post("/conversations/{handoff_id}/release", summary="Hand the conversation back to the bot")
    async def release(handoff_id: HandoffId, body: Release, agent: Agent = Depends(current_agent)):
        handoff = await helpdesk().release(agent, handoff_id, body.note)
        return {"id": handoff.id, "status": handoff.status.value,
                "status_label": handoff_status_label(handoff.status)}

    @api.post("/conversations/{handoff_id}/disputes", response_model=DisputeActed,
              summary="File a dispute for the buyer")
    async def file_dispute(handoff_id: HandoffId, body: NewDispute, agent: Agent = Depends(current_agent)):
        return await helpdesk().file_dispute(agent, handoff_id, body.dict())

    @api.post("/conversations/{handoff_id}/disputes/{number}/modify", response_model=DisputeActed,
              summary="Change what the dispute asks")
    async def modify(handoff_id: HandoffId, number: DisputeNumber, body: DisputeChange,
                     agent: Agent = Depends(current_agent)):
        return await helpdesk().modify_dispute(agent, handoff_id, number, body.dict())

    @api.post("/conversations/{handoff_id}/disputes/{number}/escalate", response_model=DisputeActed,
              summary="Escalate to the Dispute Team")
    async def escalate(handoff_id: HandoffId, number: DisputeNumber, agent: Agent = Depends(current_agent)):
        return await helpdesk().escalate_dispute(agent, handoff_id, number)

    @api.post("/conversations/{handoff_id}/disputes/{number}/decide", response_model=DisputeActed,
              summary="Dispute Team only: refund in full or part, or side with the seller")
    async def decide(handoff_id: HandoffId, number: DisputeNumber, body: Decision,
                     agent: Agent = Depends(current_agent)):
        return await helpdesk().decide_dispute(agent, handoff_id, number, body.in_buyers_favour,
                                               body.refund_amount, body.note)

    def review():
        return parent.state.gateway.services.review

    @api.get("/review", response_model=ReviewPage, tags=["review"],
             summary="Admins: buyer messages the bot was unsure about, most repeated first")
    async def review_inbox(limit: Annotated[int, Query(ge=1, le=500)] = 100, agent: Agent = Depends(current_admin)):
        inbox = review()
        items = await anyio.to_thread.run_sync(inbox.pending, limit)
        pending = await anyio.to_thread.run_sync(inbox.pending_count)
        return ReviewPage(items=[_review_item(i) for i in items], pending=pending, intents=inbox.intents,
                           problems=[ProblemChoice(code=p.value, label=PROBLEM_LABELS[p]) for p in ProblemCode])

    @api.post("/review/{item_id}/label", response_model=ReviewItemOut, tags=["review"],
              summary="Admins: give the message its intent (and problem codes) for the training data")
    async def review_label(item_id: ReviewItemId, body: Label, agent: Agent = Depends(current_admin)):
        item = await anyio.to_thread.run_sync(review().label, item_id, body.intent, body.problems, agent.name)
        await anyio.to_thread.run_sync(lambda: parent.state.gateway.services.handoffs.audit(
            agent, "review_label", detail={"item": item_id, "intent": item.label_intent,
                                           "problems": item.label_problems}))
        return _review_item(item)

    @api.post("/review/{item_id}/discard", response_model=ReviewItemOut, tags=["review"],
              summary="Admins: leave the message out of the training data")
    async def review_discard(item_id: ReviewItemId, agent: Agent = Depends(current_admin)):
        item = await anyio.to_thread.run_sync(review().discard, item_id, agent.name)
        await anyio.to_thread.run_sync(lambda: parent.state.gateway.services.handoffs.audit(
            agent, "review_discard", detail={"item": item_id}))
        return _review_item(item)

    async def deliveries_admin(agent: Agent = Depends(current_agent)) -> Agent:
        if agent.role is not AgentRole.ADMIN:
            raise NotAllowed("Only admins see and replay the marketplace's dispute-event deliveries.")
        return agent

    def outbox():
        return parent.state.gateway.services.outbox

    @api.get("/deliveries", response_model=DeliveryPage, tags=["deliveries"],
             summary="Admins: dispute events not yet delivered to the marketplace's webhook, failed and pending")
    async def deliveries(state: Annotated[str, Query(regex="^(all|failed|pending)$")] = "all",
                         limit: Annotated[int, Query(ge=1, le=500)] = 100, agent: Agent = Depends(deliveries_admin)):
        rows = await anyio.to_thread.run_sync(outbox().undelivered, state, limit)
        counts = await anyio.to_thread.run_sync(outbox().counts)
        return DeliveryPage(counts=counts, events=[Delivery(**row.as_dict()) for row in rows])

    async def _replay(agent: Agent, event_id: Optional[str]) -> Replayed:
        now = datetime.now(timezone.utc)
        count = await anyio.to_thread.run_sync(
            lambda: outbox().replay(now, event_id=event_id, all_failed=event_id is None))
        if event_id is not None and not count:
            raise HTTPException(status_code=404, detail="There is no dispute event with this id.")
        await anyio.to_thread.run_sync(lambda: parent.state.gateway.services.handoffs.audit(
            agent, "outbox_replay", detail={"event_id": event_id, "count": count}))
        return Replayed(replayed=count)

    @api.post("/deliveries/replay-failed", response_model=Replayed, tags=["deliveries"],
              summary="Admins: send every failed dispute event again (back to pending)")
    async def replay_failed(agent: Agent = Depends(deliveries_admin)):
        return await _replay(agent, None)

    @api.post("/deliveries/{event_id}/replay", response_model=Replayed, tags=["deliveries"],
              summary="Admins: send one dispute event again (back to pending), failed or delivered")
    async def replay_one(event_id: EventId, agent: Agent = Depends(deliveries_admin)):
        return await _replay(agent, event_id)

    @api.get("/audit", summary="The latest agent actions")
    async def audit(agent: Agent = Depends(current_agent)):
        return await anyio.to_thread.run_sync(parent.state.gateway.services.handoffs.audit_log, None, 200)

    return api


class _Unauthorized(Exception):
    pass
