"""A socket.io client that behaves like the web widget, for channel and hand-off tests."""
from __future__ import annotations

import asyncio
import contextlib

import socketio

from support.waiting import wait_until_async


class Browser:
    """A socket.io client behaving like the widget: records every event it receives."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url, self.token = url, token
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list = []
        for name in ("session_confirm", "history", "bot_uttered", "bot_message", "user_stored", "bot_typing",
                     "error_message"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name):
        async def record(data=None):
            self.events.append((name, data))
        return record

    async def close(self) -> None:
        # The polling transport's disconnect waits for the pending long-poll (up to the 25 s ping interval);
        # the server has the close packet by then, which is all a test needs.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.client.disconnect(), 1)

    async def connect(self, session_id: str | None = None, last_id: int = 0) -> str:
        await self.client.connect(self.url, socketio_path="/socket.io/", auth={"token": self.token} if self.token
                                  else None, transports=["polling"])  # aiohttp 3.9 (pinned by Rasa) lacks the client websocket API
        await self.client.emit("session_request", {"session_id": session_id, "last_id": last_id})
        return await self.wait("session_confirm")

    async def wait(self, name: str, count: int = 1, timeout: float = 10.0):
        def nth():
            found = [data for event, data in self.events if event == name]
            # A list, so an event whose data is empty or None still counts as received.
            return [found[count - 1]] if len(found) >= count else None
        [data] = await wait_until_async(nth, timeout, f"{name} #{count}", interval=0.02,
                                        describe=lambda: f"got {self.events}")
        return data

    async def wait_text(self, part: str, timeout: float = 10.0) -> dict:
        def latest():
            found = [d for e, d in self.events if e == "bot_message" and part in (d.get("text") or "")]
            return found[-1] if found else None
        return await wait_until_async(latest, timeout, f"a bot_message with {part!r}", interval=0.02,
                                      describe=lambda: f"got {self.events}")

    async def wait_stored(self, client_id: str, timeout: float = 10.0) -> dict:
        """The gateway's `user_stored` for the message sent with this client_id: it comes once the gateway has
        handled the message (stored it and passed it on), so it marks the end of that turn."""
        def stored():
            return next((d for e, d in self.events if e == "user_stored" and d.get("client_id") == client_id), None)
        return await wait_until_async(stored, timeout, f"user_stored for {client_id!r}",
                                      describe=lambda: f"got {self.events[-8:]}")

    async def say(self, text: str, session_id: str, n: int) -> dict:
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id, "client_id": f"c{n}",
                                                "customData": {"buyer_id": "ben"}})
        return await self.wait("bot_message", n)

    async def tap(self, title_part: str, session_id: str) -> None:
        """Taps a button of the latest bot message that offers one with this title, as the widget does."""
        for event, data in reversed(self.events):
            if event == "bot_message":
                for reply in data.get("quick_replies") or []:
                    if title_part.lower() in reply["title"].lower():
                        await self.client.emit("user_uttered", {"message": reply["payload"], "session_id": session_id})
                        return
        raise AssertionError(f"no button with {title_part!r}")

    def count(self, name: str = "bot_message") -> int:
        return len([1 for event, _ in self.events if event == name])

    async def wait_text_after(self, part: str, after: int, timeout: float = 30.0) -> dict:
        """A bot_message containing `part` among those after the first `after` ones."""
        def latest():
            found = [d for d in [d for e, d in self.events if e == "bot_message"][after:]
                     if part.lower() in (d.get("text") or "").lower()]
            return found[-1] if found else None
        return await wait_until_async(latest, timeout, f"a bot_message with {part!r} after #{after}",
                                      describe=lambda: f"got {self.events[-8:]}")
