"""A fake Telegram Bot API server on loopback, for tests: python-telegram-bot talks to it through
TELEGRAM_BASE_URL exactly as it would to api.telegram.org. No test touches the real Telegram.

It queues updates for getUpdates (long polling), records the calls it answered (`calls`) apart from those it
refused (`refused`), serves files for getFile/download, can answer a method with 429 (flood control) a given
number of times, and can deliver an already-confirmed update again (`redeliver`), as Telegram does.
"""
from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from typing import Any, Dict, List, Optional

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from support.waiting import wait_until

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "Dispute assistant", "username": "dispute_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
MAX_POLL_WAIT = 1.0  # seconds a getUpdates call waits for an update (keeps shutdown quick)
FILE_CHUNK = 64 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeTelegram:
    def __init__(self) -> None:
        # Only calls answered with ok: a refused call must not count as done, or a test of a retry passes
        # without one.
        self.calls: List[Dict[str, Any]] = []  # {"token", "method", "params"}
        self.refused: List[Dict[str, Any]] = []  # calls answered 429, same shape
        self.files: Dict[str, bytes] = {}
        self.large_files: Dict[str, int] = {}  # file id -> size of a body made on the fly, never held whole
        self.sizes_untold: set = set()  # file ids whose getFile answer has no file_size (Telegram may omit it)
        self.file_bytes_served: Dict[str, int] = {}  # file id -> bytes of its body written so far
        self.fail_with_429: Dict[str, int] = {}  # method -> how many more calls answer 429
        self.served_update_ids: List[int] = []  # every update id getUpdates returned, repeats included
        self._updates: List[Dict[str, Any]] = []
        self._redeliveries: List[Dict[str, Any]] = []  # {"update", "served"}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server: Optional[uvicorn.Server] = None
        self.url = ""

    # ---- test side ------------------------------------------------------------------------------

    def start(self, port: int) -> "FakeTelegram":
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                                                     lifespan="off"))
        threading.Thread(target=self._server.run, daemon=True).start()
        wait_until(lambda: self._server.started, 10, "the fake Telegram to start")
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True

    def push_update(self, update: Dict[str, Any]) -> Dict[str, Any]:
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def redeliver(self, update: Dict[str, Any]) -> Dict[str, Any]:
        """Serves an update again although its id is below the confirmed offset, as Telegram does after a
        webhook timeout or when a restarted poller's confirmation was lost. It is served until a getUpdates
        call confirms it (an offset above its id) after it was served."""
        with self._cond:
            self._redeliveries.append({"update": json.loads(json.dumps(update)), "served": False})
            self._cond.notify_all()
        return update

    def served(self, update_id: int) -> int:
        """How many times getUpdates returned this update id."""
        return self.served_update_ids.count(update_id)

    def next_update_id(self) -> int:
        return next(self._ids) + 500_000

    def add_file(self, file_id: str, data: bytes, tell_size: bool = True) -> None:
        self.files[file_id] = data
        if not tell_size:
            self.sizes_untold.add(file_id)

    def add_large_file(self, file_id: str, size: int, tell_size: bool = True) -> None:
        """A file of `size` bytes served in chunks as they are read; `file_bytes_served` tells how far a
        download got before it stopped."""
        self.large_files[file_id] = size
        if not tell_size:
            self.sizes_untold.add(file_id)

    def sent(self, chat_id: Optional[int] = None, method: str = "sendMessage") -> List[Dict[str, Any]]:
        return [c["params"] for c in list(self.calls) if c["method"] == method
                and (chat_id is None or str(c["params"].get("chat_id")) == str(chat_id))]

    def texts(self, chat_id: int) -> List[str]:
        return [p.get("text", "") for p in self.sent(chat_id)]

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "a call") -> Any:
        """`waiting.wait_until`, telling the latest calls when it times out."""
        return wait_until(predicate, timeout, what, interval=0.1,
                          describe=lambda: f"calls: {json.dumps(self.calls[-15:], default=str)}")

    def wait_for_text(self, chat_id: int, part: str, after: int = 0, timeout: float = 60.0) -> str:
        def find():
            return next((t for t in self.texts(chat_id)[after:] if part.lower() in t.lower()), None)
        return self.wait_for(find, timeout, f"a message to {chat_id} containing {part!r}")

    # ---- Bot API side ---------------------------------------------------------------------------

    @staticmethod
    async def _params(request: Request) -> Dict[str, Any]:
        params: Dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            if request.headers.get("content-type", "").startswith("application/json"):
                params.update(await request.json() or {})
            else:
                form = await request.form()
                for key, value in form.items():
                    if isinstance(value, str):
                        try:
                            params[key] = json.loads(value) if value[:1] in "[{" else value
                        except ValueError:
                            params[key] = value
                    else:
                        params[key] = {"filename": value.filename, "size": len(await value.read())}
        return params

    async def _method(self, request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        params = await self._params(request)
        call = {"token": token, "method": method, "params": params}
        if self.fail_with_429.get(method, 0) > 0:
            self.fail_with_429[method] -= 1
            self.refused.append(call)
            return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                 "parameters": {"retry_after": 1}}, status_code=429)
        if method == "getUpdates":
            return JSONResponse({"ok": True, "result": await _to_thread(self._get_updates, params)})
        handler = getattr(self, f"_api_{method}", None)
        result = handler(params) if handler else True
        self.calls.append(call)
        return JSONResponse({"ok": True, "result": result})

    async def _file(self, request: Request) -> Response:
        file_id = request.path_params["path"].rsplit("/", 1)[-1]
        if file_id in self.large_files:
            return StreamingResponse(self._chunks(request, file_id, self.large_files[file_id]),
                                     media_type="application/octet-stream")
        data = self.files.get(file_id)
        return Response(data, media_type="application/octet-stream") if data is not None else Response(status_code=404)

    async def _chunks(self, request: Request, file_id: str, size: int):
        chunk = b"\0" * FILE_CHUNK
        self.file_bytes_served[file_id] = 0
        while self.file_bytes_served[file_id] < size:
            if await request.is_disconnected():  # the reader hung up: stop writing, as a server does
                return
            part = chunk[:size - self.file_bytes_served[file_id]]
            self.file_bytes_served[file_id] += len(part)
            yield part

    def _get_updates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        with self._cond:
            # Confirmed updates (below the offset) are gone, as on Telegram; so is a redelivered one once it
            # was served and then confirmed.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._redeliveries = [r for r in self._redeliveries
                                  if not (r["served"] and r["update"]["update_id"] < offset)]
            if not self._updates and not self._redeliveries and wait > 0:
                self._cond.wait(wait)
            for redelivery in self._redeliveries:
                redelivery["served"] = True
            batch = sorted([r["update"] for r in self._redeliveries] + self._updates[:100],
                           key=lambda u: u["update_id"])[:100]
            self.served_update_ids.extend(u["update_id"] for u in batch)
            return batch

    def _message(self, params: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"}, **extra}

    def _api_getMe(self, params):  # noqa: N802
        return BOT_USER

    def _api_sendMessage(self, params):  # noqa: N802
        return self._message(params, text=params.get("text", ""))

    def _api_sendPhoto(self, params):  # noqa: N802
        return self._message(params, photo=[{"file_id": "sent", "file_unique_id": "sent", "width": 1, "height": 1}])

    def _api_editMessageReplyMarkup(self, params):  # noqa: N802
        return self._message(params, text="")

    def _api_getFile(self, params):  # noqa: N802
        file_id = params.get("file_id")
        size = self.large_files.get(file_id, len(self.files.get(file_id, b"")))
        answer = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_path": f"documents/{file_id}"}
        if file_id not in self.sizes_untold:
            answer["file_size"] = size
        return answer


async def _to_thread(fn, *args):
    import anyio

    return await anyio.to_thread.run_sync(fn, *args)


# ---- updates as Telegram sends them ---------------------------------------------------------------

# The language of a test user's Telegram app (User.language_code), English unless a test sets another.
LANGUAGE_CODES: Dict[int, str] = {}


def user(user_id: int, first_name: str = "Buyer") -> Dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name,
            "language_code": LANGUAGE_CODES.get(user_id, "en")}


def _message(fake: FakeTelegram, user_id: int, chat_type: str = "private", **fields: Any) -> Dict[str, Any]:
    chat = {"id": user_id, "type": chat_type, "first_name": "Buyer"} if chat_type == "private" else \
        {"id": -100 - user_id, "type": chat_type, "title": "Some group"}
    return {"message_id": next(fake._message_ids), "date": int(time.time()), "from": user(user_id), "chat": chat,
            **fields}


def text_update(fake: FakeTelegram, user_id: int, text: str, update_id: Optional[int] = None,
                chat_type: str = "private") -> Dict[str, Any]:
    fields: Dict[str, Any] = {"text": text}
    if text.startswith("/"):
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id or fake.next_update_id(),
            "message": _message(fake, user_id, chat_type, **fields)}


def photo_update(fake: FakeTelegram, user_id: int, file_id: str, size: int, caption: str = "") -> Dict[str, Any]:
    sizes = [{"file_id": f"{file_id}-thumb", "file_unique_id": f"t{file_id}", "width": 90, "height": 90,
              "file_size": 100},
             {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 800, "height": 600, "file_size": size}]
    fields: Dict[str, Any] = {"photo": sizes}
    if caption:
        fields["caption"] = caption
    return {"update_id": fake.next_update_id(), "message": _message(fake, user_id, **fields)}


def document_update(fake: FakeTelegram, user_id: int, file_id: str, size: Optional[int], name: str,
                    mime: str = "application/pdf") -> Dict[str, Any]:
    """`size` None: the document comes without file_size, as Telegram may send it."""
    document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name, "mime_type": mime}
    if size is not None:
        document["file_size"] = size
    return {"update_id": fake.next_update_id(), "message": _message(fake, user_id, document=document)}


def sticker_update(fake: FakeTelegram, user_id: int) -> Dict[str, Any]:
    return {"update_id": fake.next_update_id(), "message": _message(fake, user_id, sticker={
        "file_id": "stk", "file_unique_id": "ustk", "type": "regular", "width": 512, "height": 512,
        "is_animated": False, "is_video": False})}


def edited_update(fake: FakeTelegram, user_id: int, text: str) -> Dict[str, Any]:
    message = _message(fake, user_id, text=text, edit_date=int(time.time()))
    return {"update_id": fake.next_update_id(), "edited_message": message}


def button_update(fake: FakeTelegram, user_id: int, data: str, in_chat_of: Optional[int] = None) -> Dict[str, Any]:
    """A tap by `user_id` on a button of the bot's message in the private chat of `in_chat_of` (their own by
    default)."""
    message = _message(fake, in_chat_of or user_id, text="(bot message)")
    message["from"] = BOT_USER
    return {"update_id": fake.next_update_id(), "callback_query": {
        "id": str(fake.next_update_id()), "from": user(user_id), "chat_instance": "ci", "data": data,
        "message": message}}


def buttons_of(params: Dict[str, Any]) -> List[Dict[str, str]]:
    markup = params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]
