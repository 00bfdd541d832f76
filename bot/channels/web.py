"""Web chat channel: socket.io at /socket.io/, compatible with Rasa's socketio channel (session_request /
session_confirm, user_uttered / bot_uttered, customData), plus the widget's extras: `bot_message` (the same
message with its transcript id and sender), `history` after each session_request (shown again after a reload,
replayed after a reconnect), `user_stored`, `bot_typing`, and an upload endpoint for evidence.

The buyer comes only from a buyer token checked at connect (`auth.token`, or `?token=` for clients such as
rasa-webchat that cannot send auth) by services.buyer_sign_in (signature, expiry, a buyer the store has); without
one the visitor is a guest who gets general answers. Once the token expires, the socket's next event gets an
`error_message` and the socket is disconnected. A session id
belongs to the first buyer who used it: presented under another token it is replaced by a new one, so nobody can
take over somebody else's conversation or read its history. A guest has no token to be bound by, so a guest's
session is bound to a secret: the server issues it with the new session (`session_secret` in the first
`history`), keeps only its hash, and resumes the session only for a `session_request` that presents it beside the
session id; anyone else (an id read over a shoulder, in a log or in the agent console) gets a new, empty session.
A secret beside the id rather than an HMAC-signed id, because the id travels everywhere (conversation ids in Rasa's
tracker store, transcripts, logs, the agent console, the upload form) while the secret is only ever in the
guest's browser and this exchange. rasa-webchat and other Rasa-protocol clients send only `session_id`: signed in,
they resume as before; as guests they get a fresh session (no history) at every page load.

A socket.io frame or polling POST over MAX_FRAME_BYTES ends its connection: HTTP 413 or websocket close 1009.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import parse_qs

import anyio
import socketio
from babel.messages.extract import extract
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from bot.channels.auth import current_buyer
from bot.channels.relay import Relay, agent_says
from bot.disputes.accounts import secret_hash
from bot.disputes.errors import DomainError, EvidenceRejected
from bot.disputes.evidence import Upload, check_upload
from bot.i18n import DEFAULT, N_, supported, translator
from bot.i18n.catalogue import Translator
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "web"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_MESSAGE_CHARS = 4000
MAX_FRAME_BYTES = 64 * 1024  # one socket.io frame or polling POST
DRAIN_SECONDS, DRAIN_BYTES = 1.0, 16 * 1024 * 1024  # what is read and dropped of a POST refused as too large
HISTORY_LIMIT = 200
# Buyer-facing texts in English, translated where they are sent (the conversation's language, else the page's).
SIGNED_OUT = N_("Your sign-in has expired; reload the page.")
NOT_RECOGNISED = N_("Your chat session was not recognised; reload the page.")
MESSAGE_LENGTH = N_("Messages are 1 to {limit} characters.")
SIGN_IN_TO_ATTACH = N_("Sign in to attach files to a dispute.")
NOT_YOUR_SESSION = N_("This chat session is not yours; reload the page.")
WIDGET_JS = Path(__file__).resolve().parents[1] / "web" / "widget.js"
EVIDENCE_INTENT = "/send_evidence"


def conversation_id(session_id: str, buyer: Optional[str]) -> str:
    return f"{CHANNEL}:{buyer or 'guest'}:{session_id}"


def session_of(conversation: str) -> Optional[str]:
    """The chat session a web conversation id names (see conversation_id), or None for another channel's id."""
    channel, _, rest = conversation.partition(":")
    session_id = rest.rpartition(":")[2]
    return session_id if channel == CHANNEL and SESSION_ID.fullmatch(session_id) else None


def socket_server(settings: Settings) -> socketio.AsyncServer:
    """The socket.io server of the widget (default namespace) and of the agent consoles (/agent). No cookies are
    involved (the token travels in auth), so any embedding origin may connect. With REDIS_URL set, emits to a room
    reach the sockets held by every gateway process (python-socketio's Redis manager)."""
    manager = None
    redis = settings.redis
    if redis is not None:
        # Redis pub/sub ignores database numbers; naming the channel after it keeps deployments that share
        # one Redis server under different numbers from hearing each other's emits.
        manager = socketio.AsyncRedisManager(settings.redis_url, channel=f"dispute-assistant-socketio-db{redis.db}")
    return socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", max_http_buffer_size=MAX_FRAME_BYTES,
                                client_manager=manager)


def _client_id(data: Dict[str, Any]) -> Optional[str]:
    """The widget's id for a message it sent, echoed back: only a short text, never whatever a client put there."""
    client_id = data.get("client_id")
    return client_id if isinstance(client_id, str) and len(client_id) <= 64 else None


def _quick_replies(buttons: List[Dict[str, str]]) -> List[Dict[str, str]]:
    return [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]


def error_text(_: Translator, exc: DomainError) -> str:
    """A domain error's message in the translator's language."""
    return _(exc.template, **exc.params)


@functools.cache
def widget_msgids() -> tuple:
    """The texts the widget shows, as written in its `t("...")` calls (read once per process, as `make
    translations` extracts them), so the server can send their translations without a list kept by hand."""
    with WIDGET_JS.open("rb") as js:
        found = list(extract("javascript", js, keywords={"t": None}, comment_tags=()))
    return tuple(dict.fromkeys(message for _line, message, _comments, _context in found if isinstance(message, str)))


def widget_strings(language: str) -> Dict[str, str]:
    """The widget's texts in a language: English text -> translation (English where there is none)."""
    _ = translator(language)
    return {message: _(message) for message in widget_msgids()}


def rasa_format(message: Dict[str, Any], _: Optional[Translator] = None) -> Dict[str, Any]:
    """Exactly what Rasa's socketio channel emits as `bot_uttered`: rasa-webchat recognises a message by its
    exact keys ({text}, {text, quick_replies}, {attachment}), so nothing else may be added."""
    _ = _ or translator(DEFAULT)
    text = message.get("text") or ""
    if message.get("sender") == "agent":
        # The agent's words stay as written; the label around them is in the buyer's language.
        text = agent_says(_, message, text)
    if message.get("image") and not text and not message.get("buttons"):
        return {"attachment": {"type": "image", "payload": {"src": message["image"]}}}
    if message.get("buttons"):
        return {"text": text, "quick_replies": _quick_replies(message["buttons"])}
    return {"text": text}


def widget_format(message: Dict[str, Any]) -> Dict[str, Any]:
    """The widget's `bot_message`: the same content plus transcript id, sender and agent name."""
    if message.get("sender") == "buyer":
        return {"id": message["id"], "sender": "buyer", "text": message.get("text") or "", "at": message.get("at")}
    out: Dict[str, Any] = {"id": message.get("id"), "sender": message.get("sender", "bot"),
                           "text": message.get("text") or "", "at": message.get("at")}
    if message.get("agent_name"):
        out["agent_name"] = message["agent_name"]
    if message.get("image"):
        out["attachment"] = {"type": "image", "payload": {"src": message["image"]}}
    if message.get("buttons"):
        out["quick_replies"] = _quick_replies(message["buttons"])
    return out


class FrameSizeLimit:
    """ASGI middleware in front of the socket.io app: a polling POST or a websocket frame over `max_bytes` is
    answered (HTTP 413, websocket close 1009) and its socket.io session closed here. python-engineio 4.x, left
    alone, closes such a session waiting for a poll the departed client never sends: no answer, and the socket,
    its descriptor and a graceful stop held indefinitely (issue 13, finding 4)."""

    def __init__(self, app: Any, engineio_server: Any, max_bytes: int) -> None:
        self._app = app
        self._eio = engineio_server
        self._max = max_bytes

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            await self._post(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._app(scope, self._frames_within_limit(receive, send), send)
        else:
            await self._app(scope, receive, send)

    async def _post(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self._max:
            await self._refuse(scope, receive, send)
            return
        # Read the body here (at most the limit plus one chunk): a chunked POST declares no length, and
        # engine.io reads exactly the declared length, so it gets its actual length in the headers.
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            body += message.get("body", b"")
            if len(body) > self._max:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        kept = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-length"]
        await self._app({**scope, "headers": kept + [(b"content-length", str(len(body)).encode())]}, replay, send)

    async def _refuse(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        sid = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("sid") or [None])[0]
        socket = self._eio.sockets.pop(sid, None) if sid else None
        if socket is not None:
            log.info("socket.io session %s closed: a POST over %d bytes", sid, self._max)
            # No wait: a pending poll gets the close packet, and nobody waits for a poll that may never come.
            await socket.close(wait=False, reason=self._eio.reason.TRANSPORT_ERROR)
        # The rest of the body is read and dropped (for a moment, to a bound): closing with it unread makes the
        # kernel reset the connection, and the client would see a network error instead of the 413.
        with anyio.move_on_after(DRAIN_SECONDS):
            dropped = 0
            while dropped < DRAIN_BYTES:
                message = await receive()
                dropped += len(message.get("body", b""))
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
        body = json.dumps({"error": f"A chat message over {self._max} bytes is too large; the connection is "
                                    f"closed."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    def _frames_within_limit(self, receive: Any, send: Any) -> Any:
        async def checked() -> Dict[str, Any]:
            message = await receive()
            if message["type"] == "websocket.receive":
                data = message.get("bytes")
                if data is None:
                    data = (message.get("text") or "").encode("utf-8")
                if len(data) > self._max:
                    log.info("websocket closed: a frame of %d bytes, over %d", len(data), self._max)
                    await send({"type": "websocket.close", "code": 1009, "reason": "frame too large"})
                    # Engine.IO sees the client gone and ends the session as for any dropped connection.
                    return {"type": "websocket.disconnect", "code": 1009}
            return message
        return checked


class WebChannel:
    name = CHANNEL

    def __init__(self, services: Services, relay: Relay, sio: socketio.AsyncServer) -> None:
        self._services = services
        self._relay = relay
        self.sio = sio
        self.sio.on("connect", self._connect)
        self.sio.on("session_request", self._session_request)
        self.sio.on("user_uttered", self._user_uttered)

    def asgi_app(self) -> FrameSizeLimit:
        return FrameSizeLimit(socketio.ASGIApp(self.sio, socketio_path=None), self.sio.eio, MAX_FRAME_BYTES)

    @property
    def limits(self) -> Dict[str, Any]:
        rules = self._services.settings.rules
        return {"max_file_bytes": rules.max_evidence_file_bytes, "media_types": sorted(rules.evidence_media_types)}

    # ---- socket.io events ------------------------------------------------------------------------

    async def _connect(self, sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not token:
            token = (parse_qs(environ.get("QUERY_STRING", "")).get("token") or [None])[0]
        signed_in = None
        if token:
            signed_in = await self._services.buyer_sign_in.resolve(token)
            if signed_in is None:
                raise socketio.exceptions.ConnectionRefusedError("invalid_token")
        await self.sio.save_session(sid, {"buyer": signed_in.buyer_id if signed_in else None, "session_id": None,
                                          "expires_at": signed_in.expires_at if signed_in else None})

    async def _signed_out(self, sid: str, session: Dict[str, Any]) -> bool:
        """True (and the socket told so and disconnected) once the token it connected with has expired: a
        connection must not outlive the sign-in it was opened with."""
        expires_at = session.get("expires_at")
        if expires_at is None or time.time() < expires_at:
            return False
        log.info("web socket of buyer %s disconnected: its token expired", session.get("buyer"))
        _ = translator(await self._session_language(session))
        await self.sio.emit("error_message", {"text": _(SIGNED_OUT)}, to=sid)
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, "/")
        await self.sio.disconnect(sid)
        engine_socket = self.sio.eio.sockets.get(eio_sid)
        if engine_socket is not None:
            # The connection too, not only the namespace; no wait for a next poll that may never come.
            await engine_socket.close(wait=False)
        return True

    async def _session_request(self, sid: str, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        session = await self.sio.get_session(sid)
        if await self._signed_out(sid, session):
            return
        buyer = session["buyer"]
        requested = data.get("session_id")
        session_id = requested if isinstance(requested, str) and SESSION_ID.match(requested) else None
        web_sessions = self._services.web_sessions
        if session_id and buyer is not None:
            if not await anyio.to_thread.run_sync(web_sessions.bind, session_id, buyer):
                log.info("web session id presented under another account; a new one is issued")
                session_id = None
        elif session_id:
            presented = data.get("session_secret")
            if not (isinstance(presented, str) and 0 < len(presented) <= 200 and await anyio.to_thread.run_sync(
                    web_sessions.guest_holds, session_id, secret_hash(presented))):
                log.info("guest web session id presented without its secret; a new one is issued")
                session_id = None
        issued_secret = None
        if session_id is None:
            session_id = uuid.uuid4().hex
            if buyer is None:
                issued_secret = secrets.token_urlsafe(32)
                await anyio.to_thread.run_sync(web_sessions.start_guest, session_id, secret_hash(issued_secret))
            else:
                await anyio.to_thread.run_sync(web_sessions.bind, session_id, buyer)
        if session.get("session_id") not in (None, session_id):
            await self.sio.leave_room(sid, session["session_id"])
        session["session_id"] = session_id
        # The page's or browser's language ("es-AR"), a hint for the conversation's language (bot.i18n).
        lang = data.get("lang")
        session["lang"] = lang[:35] if isinstance(lang, str) else None
        await self.sio.save_session(sid, session)
        await self.sio.enter_room(sid, session_id)
        await self.sio.emit("session_confirm", session_id, to=sid)
        last_id = data.get("last_id")
        # A transcript id: a whole number within PostgreSQL's INTEGER (True is an int to Python; 10**30 overflows).
        after = last_id if type(last_id) is int and 0 < last_id < 2**31 else 0
        history = await self._relay.history(conversation_id(session_id, buyer), after, HISTORY_LIMIT)
        language = await self._session_language(session)
        shown: Dict[str, Any] = {"session_id": session_id, "signed_in": buyer is not None, "limits": self.limits,
                                 "messages": [widget_format(m) for m in history], "language": language,
                                 "strings": widget_strings(language)}
        if issued_secret:
            shown["session_secret"] = issued_secret  # sent once; the widget keeps it beside the session id
        await self.sio.emit("history", shown, to=sid)

    async def _user_uttered(self, sid: str, data: Any = None) -> None:
        session = await self.sio.get_session(sid)
        if await self._signed_out(sid, session):
            return
        session_id = session.get("session_id")
        data = data if isinstance(data, dict) else {}
        text = data.get("message")
        if not session_id or (data.get("session_id") and data.get("session_id") != session_id):
            _ = translator(await self._session_language(session))
            await self.sio.emit("error_message", {"text": _(NOT_RECOGNISED)}, to=sid)
            return
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
            _ = translator(await self._session_language(session))
            await self.sio.emit("error_message", {
                "text": _(MESSAGE_LENGTH, limit=MAX_MESSAGE_CHARS), "client_id": _client_id(data)},
                to=sid)
            return
        await self.converse(session_id, session["buyer"], text, client_id=_client_id(data),
                            language_hint=session.get("lang"))

    async def converse(self, session_id: str, buyer: Optional[str], text: str, *, client_id: Any = None,
                       from_channel: bool = False, attachments: Optional[List[Dict[str, str]]] = None,
                       language_hint: Optional[str] = None) -> None:
        await self.sio.emit("bot_typing", {"typing": True}, room=session_id)
        conversation = conversation_id(session_id, buyer)
        before = await self.language(conversation, buyer, language_hint)
        exchange = await self._relay.turn(conversation, text, channel=CHANNEL, buyer_id=buyer,
                                          attachments=attachments or (), from_channel=from_channel,
                                          language_hint=language_hint)
        if exchange.buyer is not None:
            stored = {**widget_format(exchange.buyer), "client_id": client_id if isinstance(client_id, str) else None}
            await self.sio.emit("user_stored", stored, room=session_id)
        after = await self.language(conversation, buyer, language_hint)
        if after != before:
            # The turn changed the conversation's language ("en español", the menu): the widget relabels itself.
            await self.sio.emit("strings", {"language": after, "strings": widget_strings(after)}, room=session_id)
        await self.deliver(session_id, exchange.replies, after)

    async def push(self, external_id: str, text: str, buttons: Sequence[Dict[str, str]] = ()) -> None:
        """Sender for bot.notifications.push.Notifier: the external id is one of the buyer's chat sessions. The news
        is kept in that session's transcript (read on the next visit if no tab is open) and shown in every open
        tab; its buttons (`title`, `payload`) are remembered as offered, so a tap is admitted."""
        buyer = await anyio.to_thread.run_sync(self._services.web_sessions.owner, external_id)
        if buyer is None:
            return  # a session that is no longer a buyer's gets no news
        conversation = conversation_id(external_id, buyer)
        stored = await self._relay.news(conversation, [{"text": text, "buttons": list(buttons), "image": None}])
        await self.deliver(external_id, stored, await self.language(conversation, buyer))

    async def deliver_to_conversation(self, conversation: str, messages: List[Dict[str, Any]]) -> None:
        """Messages written outside a buyer's turn (a help-desk agent, the bot taking over again)."""
        session_id = session_of(conversation)
        if session_id is not None:
            owner = conversation.split(":")[1]
            buyer = None if owner == "guest" else owner
            await self.deliver(session_id, messages, await self.language(conversation, buyer))

    async def language(self, conversation: str, buyer: Optional[str], hint: Optional[str] = None) -> str:
        """The conversation's language (the page's or browser's `hint` while it has none); English if the store
        cannot tell, since an English message is better than none."""
        try:
            return await self._relay.languages.current(conversation, buyer, fallback=hint)
        except Exception:
            log.warning("web: could not read the language of %s", conversation, exc_info=True)
            return supported(hint) or DEFAULT

    async def _session_language(self, session: Dict[str, Any]) -> str:
        """A socket's language: its conversation's, else what the page said (`lang` of session_request)."""
        if session.get("session_id"):
            return await self.language(conversation_id(session["session_id"], session.get("buyer")),
                                       session.get("buyer"), session.get("lang"))
        return supported(session.get("lang")) or DEFAULT

    async def deliver(self, session_id: str, messages: List[Dict[str, Any]], language: str = DEFAULT) -> None:
        """To every tab of the session: `bot_uttered` for Rasa-protocol clients, `bot_message` for the widget.
        `language`: the conversation's, for the label on an agent's message (the messages are already in it)."""
        _ = translator(language)
        for message in messages:
            await self.sio.emit("bot_uttered", rasa_format(message, _), room=session_id)
            await self.sio.emit("bot_message", widget_format(message), room=session_id)
        await self.sio.emit("bot_typing", {"typing": False}, room=session_id)


router = APIRouter()


@router.post("/api/widget/uploads")
async def upload_evidence(request: Request, file: UploadFile = File(...), session_id: str = Form(...),
                          lang: Optional[str] = Form(None),
                          buyer: Optional[str] = Depends(current_buyer)) -> JSONResponse:
    """Evidence from the widget: checked again here (type from the bytes, size), stored, then sent to Rasa as
    `/send_evidence` in the buyer's conversation; the bot's answer arrives over the socket. Errors are in the
    conversation's language, else the page's (`lang`, as the widget sends it) or the browser's."""
    gateway = request.app.state.gateway
    channel: WebChannel = gateway.web
    hint = lang if supported(lang) else request.headers.get("accept-language", "").split(",")[0].split(";")[0]
    if buyer is None:
        return JSONResponse({"error": translator(hint)(SIGN_IN_TO_ATTACH)}, status_code=401)
    owned = SESSION_ID.match(session_id or "") and await anyio.to_thread.run_sync(
        gateway.services.web_sessions.owner_is, session_id, buyer)
    if not owned:
        # Not this buyer's session: its conversation's language is none of their business.
        return JSONResponse({"error": translator(hint)(NOT_YOUR_SESSION)}, status_code=403)
    rules = gateway.services.settings.rules
    data = await file.read(rules.max_evidence_file_bytes + 1)
    try:
        checked = check_upload(Upload(data, file.filename), rules)
    except EvidenceRejected as exc:
        _ = translator(await channel.language(conversation_id(session_id, buyer), buyer, hint))
        return JSONResponse({"error": error_text(_, exc)}, status_code=422)
    sha256 = await anyio.to_thread.run_sync(gateway.services.evidence.put, checked.data)
    attachment = {"sha256": sha256, "name": checked.display_name}
    await channel.converse(session_id, buyer, EVIDENCE_INTENT, from_channel=True, attachments=[attachment])
    return JSONResponse({"attached": checked.display_name, "size": checked.size, "media_type": checked.media_type})
