"""What the gateway itself tells a buyer (Telegram's and the web channel's own texts, upload errors, the help
desk's messages, the widget's labels) is in the buyer's language: pseudo-translated, nothing of it is left in
English. Channels are driven through their handlers with small fakes (no Telegram, socket or Rasa)."""
from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime
from types import SimpleNamespace
from typing import Any, List, Optional

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.channels import telegram as tg
from bot.channels import web
from bot.channels.auth import current_buyer
from bot.disputes.errors import LinkCodeInvalid
from bot.disputes.model import Agent, AgentRole, DisputeStatus
from bot.disputes.policy import Rules
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.intake import HandoffIntake
from bot.helpdesk.model import Handoff, HandoffReason, HandoffStatus
from bot.i18n import DEFAULT, supported
from tests.support.pseudo_locale import pseudo_translated, untranslated

USER = 5550001


class Languages:
    """ConversationLanguages.current: a stored language, else the channel's hint."""

    def __init__(self, stored: Optional[str]) -> None:
        self.stored = stored

    async def current(self, conversation_id: str, buyer_id: Optional[str], fallback: Optional[str] = None) -> str:
        return self.stored or supported(fallback) or DEFAULT


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _all_translated(texts: List[str], allowed=()) -> None:
    assert texts
    for text in texts:
        assert untranslated(text, allowed) == [], text


# ---- Telegram ------------------------------------------------------------------------------------------------


def _telegram(stored: Optional[str] = "es", buyer: Optional[str] = "anna", redeem=None):
    def redeem_link_code(code, channel, user):
        raise LinkCodeInvalid()

    accounts = SimpleNamespace(buyer_for_channel_user=lambda channel, user: buyer,
                               redeem_link_code=redeem or redeem_link_code)
    settings = SimpleNamespace(telegram_webhook_url=None, rules=Rules())
    services = SimpleNamespace(settings=settings, accounts=accounts, evidence=None)
    relay = SimpleNamespace(offered=SimpleNamespace(payload_for_key=lambda conversation, key: None),
                            languages=Languages(stored))
    channel = tg.TelegramChannel(services, relay, "secret")
    sent: List[str] = []

    async def send_text(chat_id, text, buttons=(), language=DEFAULT):
        sent.append(text)

    async def converse(*args, **kwargs):
        pass

    async def download(item, name, limit):
        return b"plain text, not a photo"

    @contextlib.asynccontextmanager
    async def typing(chat_id):
        yield

    channel.send_text = send_text  # type: ignore[method-assign]
    channel._converse = converse  # type: ignore[method-assign]
    channel._download = download  # type: ignore[method-assign]
    channel._typing = typing  # type: ignore[method-assign]
    return channel, sent


def _update(text: str = "hello", language_code: Optional[str] = "es", chat_type: str = "private", **message: Any):
    user = SimpleNamespace(id=USER, language_code=language_code)
    chat = SimpleNamespace(id=USER, type=chat_type)
    msg = SimpleNamespace(**{"text": text, "message_id": 9, "photo": None, "video": None, "document": None,
                             "chat": chat, **message})
    return SimpleNamespace(effective_user=user, effective_chat=chat, effective_message=msg, update_id=1,
                           callback_query=None)


CONTEXT = SimpleNamespace(args=[], error=RuntimeError("boom"))


@pytest.mark.parametrize("handler", ["_on_unknown_command", "_on_edited", "_on_unsupported", "_on_group"])
def test_telegram_texts_of_the_channel_are_in_the_conversations_language(handler):
    channel, sent = _telegram()
    with pseudo_translated():
        _run(getattr(channel, handler)(_update(), CONTEXT))
    _all_translated(sent)


def test_telegram_apology_after_an_error_is_translated(monkeypatch):
    channel, sent = _telegram()
    monkeypatch.setattr(tg, "Update", SimpleNamespace)  # the error handler checks isinstance(update, Update)
    with pseudo_translated():
        _run(channel._on_error(_update(), CONTEXT))
    _all_translated(sent)


def test_telegram_link_code_texts_before_any_conversation_follow_the_users_telegram_language():
    channel, sent = _telegram(stored=None, buyer=None)
    with pseudo_translated():
        _run(channel._on_start(_update("/start"), SimpleNamespace(args=[])))  # hello + not linked
        _run(channel._on_start(_update("/start BAD"), SimpleNamespace(args=["BAD"])))  # a wrong code
    _all_translated(sent)
    assert len(sent) == 2

    linked, said = _telegram(stored=None, buyer=None, redeem=lambda code, channel, user: "anna")
    with pseudo_translated():
        _run(linked._on_start(_update("/start OK"), SimpleNamespace(args=["OK"])))
    _all_translated(said)


def test_telegram_english_user_without_a_conversation_gets_english():
    channel, sent = _telegram(stored=None, buyer=None)
    with pseudo_translated():
        _run(channel._on_start(_update("/start", language_code="en-GB"), SimpleNamespace(args=[])))
    assert "\u27e6" not in sent[0] and sent[0].startswith("Hi! I help with orders")


def test_telegram_conversation_language_wins_over_the_interface_language():
    channel, sent = _telegram(stored="en")
    with pseudo_translated():
        _run(channel._on_edited(_update(language_code="es"), CONTEXT))
    assert sent == [tg.EDITED]


def test_telegram_long_message_and_file_texts_are_translated():
    channel, sent = _telegram()
    with pseudo_translated():
        _run(channel._on_text(_update("x" * (tg.MAX_INPUT_CHARS + 5)), CONTEXT))
        photo = [SimpleNamespace(file_size=10)]
        _run(channel._on_file(_update(photo=[photo[0]]), CONTEXT))
    assert len(sent) == 2
    _all_translated(sent, allowed=["photo-9.jpg"])
    assert sent[1].count("\u27e6") == 2  # "I couldn't attach that: ⟦the domain's reason⟧", both translated

    unlinked, told = _telegram(buyer=None)
    with pseudo_translated():
        _run(unlinked._on_file(_update(photo=[SimpleNamespace(file_size=10)]), CONTEXT))
    _all_translated(told)


def test_telegram_button_refusals_are_translated():
    channel, _ = _telegram()
    answers: List[str] = []

    async def answer(text=None):
        answers.append(text)

    def query(chat_id):
        return SimpleNamespace(message=SimpleNamespace(chat=SimpleNamespace(id=chat_id)), data="p:abc", answer=answer)

    with pseudo_translated():
        for chat_id in (USER + 1, USER):  # someone else's chat; then an expired button in one's own
            update = _update()
            update.callback_query = query(chat_id)
            _run(channel._on_button(update, CONTEXT))
    _all_translated(answers)
    assert len(answers) == 2


def test_telegram_agent_label_and_choose_are_in_the_buyers_language():
    channel, _ = _telegram()
    out: List[str] = []

    async def send_text(chat_id, text, buttons=(), language=DEFAULT):
        out.append(text)

    channel.send_text = send_text  # type: ignore[method-assign]
    with pseudo_translated():
        _run(channel.deliver_to_conversation(tg.conversation_id(USER, "anna"),
                                             [{"sender": "agent", "agent_name": "Maria", "text": "hola"}]))
    assert untranslated(out[0], ["Maria", "hola"]) == [] and "hola" in out[0]


# ---- the web channel -------------------------------------------------------------------------------------------


class FakeSio:
    def __init__(self, session):
        self.session, self.emitted = session, []
        self.manager = SimpleNamespace(eio_sid_from_sid=lambda sid, ns: "eio")
        self.eio = SimpleNamespace(sockets={})

    def on(self, *args):
        pass

    async def get_session(self, sid):
        return self.session

    async def save_session(self, sid, session):
        self.session = session

    async def emit(self, event, data=None, **kwargs):
        self.emitted.append((event, data))

    async def disconnect(self, sid):
        pass

    async def enter_room(self, sid, room):
        pass

    async def leave_room(self, sid, room):
        pass


def _web(session, stored: Optional[str] = "es"):
    sio = FakeSio(session)
    web_sessions = SimpleNamespace(bind=lambda session_id, buyer: True)
    services = SimpleNamespace(settings=SimpleNamespace(rules=Rules()), web_sessions=web_sessions)

    async def history(conversation, after, limit):
        return []

    relay = SimpleNamespace(languages=Languages(stored), history=history)
    return web.WebChannel(services, relay, sio), sio


def test_web_errors_are_in_the_conversations_language():
    channel, sio = _web({"buyer": "anna", "session_id": "s" * 16, "expires_at": None, "lang": "es"})
    with pseudo_translated():
        _run(channel._user_uttered("sid", {"message": "hi", "session_id": "t" * 16}))  # not this session
        _run(channel._user_uttered("sid", {"message": "x" * (web.MAX_MESSAGE_CHARS + 1)}))
        channel_out, sio_out = _web({"buyer": "anna", "session_id": "s" * 16, "expires_at": 1.0, "lang": "es"})
        _run(channel_out._user_uttered("sid", {"message": "hi"}))  # signed out
    texts = [data["text"] for event, data in sio.emitted + sio_out.emitted if event == "error_message"]
    assert len(texts) == 3
    _all_translated(texts)


def test_web_errors_before_a_session_use_the_pages_language():
    channel, sio = _web({"buyer": None, "session_id": None, "expires_at": None, "lang": "pt-BR"}, stored=None)
    with pseudo_translated():
        _run(channel._user_uttered("sid", {"message": "hi"}))
    _all_translated([data["text"] for _, data in sio.emitted])


def test_web_history_carries_the_widgets_strings_in_the_conversations_language():
    channel, sio = _web({"buyer": "anna", "session_id": None, "expires_at": None})
    with pseudo_translated():
        _run(channel._session_request("sid", {"session_id": "s" * 16, "lang": "es"}))
    [history] = [data for event, data in sio.emitted if event == "history"]
    assert history["language"] == "es"
    assert set(history["strings"]) == set(web.widget_msgids())
    _all_translated(list(history["strings"].values()))


def test_web_agent_label_for_rasa_clients_is_translated():
    with pseudo_translated():
        text = web.rasa_format({"sender": "agent", "agent_name": "Maria", "text": "hola"},
                               web.translator("es"))["text"]
    assert untranslated(text, ["Maria", "hola"]) == []
    assert web.rasa_format({"sender": "agent", "agent_name": "Maria", "text": "hola"})["text"] == \
        "Maria (help desk): hola"


def test_upload_errors_are_translated():
    channel, _ = _web({}, stored="es")
    owner = {"value": False}
    services = SimpleNamespace(web_sessions=SimpleNamespace(owner_is=lambda session_id, buyer: owner["value"]),
                               settings=SimpleNamespace(rules=Rules()))
    app = FastAPI()
    app.include_router(web.router)
    app.state.gateway = SimpleNamespace(web=channel, services=services)
    who = {"buyer": None}
    app.dependency_overrides[current_buyer] = lambda: who["buyer"]
    client = TestClient(app)

    def post():
        return client.post("/api/widget/uploads", data={"session_id": "s" * 16, "lang": "es"},
                           files={"file": ("notes.txt", b"plain text", "text/plain")})

    with pseudo_translated():
        refused = [post()]
        who["buyer"] = "anna"
        refused.append(post())
        owner["value"] = True
        refused.append(post())
    assert [r.status_code for r in refused] == [401, 403, 422]
    _all_translated([r.json()["error"] for r in refused], allowed=["notes.txt"])


def test_widget_texts_are_extracted_from_widget_js():
    ids = web.widget_msgids()
    for text in ("Type your message\u2026", "Send", "online", "Close chat", "Language",
                 "Upload failed; please try again.", "{name} is larger than {limit}, the limit per file.",
                 "Open chat ({count} unread)"):
        assert text in ids


# Literals of widget.js that are not words a buyer reads (class names, keys, protocol words, language names).
NOT_SHOWN = {"use strict",
             "English", "Espa\\u00F1ol", "Portugu\\u00EAs", "Fran\\u00E7ais", "chat client did not load",
             "dc-icon dc-send", "/language ", "Escape", "Enter", "io server disconnect", "dc-msg dc-error", "dc-msg dc-",
             "noopener noreferrer", "dc-msg dc-buyer dc-pending", " MB", "POST", "Authorization", "Bearer "}


def test_the_widget_writes_no_visible_text_outside_t():
    source = web.WIDGET_JS.read_text()
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"//[^\n]*", "", source)
    source = re.sub(r'var CSS = \[.*?\]\.join\("\\n"\);', "", source, flags=re.S)
    source = re.sub(r"var ICONS = \{.*?\n  \};", "", source, flags=re.S)
    source = re.sub(r'\bt\("(?:[^"\\]|\\.)*"', "t(", source)
    literals = re.findall(r'"((?:[^"\\]|\\.)*)"', source)
    words = {lit for lit in literals if re.search(r"[A-Za-z]{2,}", lit) and (" " in lit or lit[:1].isupper())}
    assert words <= NOT_SHOWN, words - NOT_SHOWN


# ---- the help desk -----------------------------------------------------------------------------------------------


def _handoff():
    return Handoff(3, "web:anna:" + "s" * 16, "web", "anna", HandoffReason.ASKED, HandoffStatus.QUEUED,
                   requested_at=datetime(2026, 3, 1))


@pytest.mark.parametrize("position", [1, 4])
def test_the_buyers_place_in_the_queue_is_translated(position):
    handoff = _handoff()
    store = SimpleNamespace(open=lambda *args: (handoff, False), position=lambda h: position)

    async def notify(event, data):
        pass

    intake = HandoffIntake(store, None, notify, Languages("es").current)
    with pseudo_translated():
        body = _run(intake.request(handoff.conversation_id, "web", "anna", "asked", {}))
    _all_translated([body["text"], body["buttons"][0]["title"]])
    assert body["buttons"][0]["payload"] == "/back_to_bot"


def _desk():
    handoff = _handoff()
    delivered: List[dict] = []
    store = SimpleNamespace(claim=lambda handoff_id, agent: handoff, audit=lambda *args, **kwargs: None)
    transcripts = SimpleNamespace(append=lambda conversation, sender, bodies: [dict(b, sender=sender)
                                                                                for b in bodies])
    services = SimpleNamespace(handoffs=store, transcripts=transcripts)

    async def deliver(h, messages):
        delivered.extend(messages)

    async def notify(event, data):
        pass

    return HelpDesk(services, None, deliver, notify, None, Languages("es").current), handoff, delivered


def test_an_agent_joining_and_acting_is_told_in_the_buyers_language_and_the_agents_words_are_not():
    desk, handoff, delivered = _desk()
    agent = Agent(1, "Maria", AgentRole.AGENT)
    with pseudo_translated():
        _run(desk.claim(agent, handoff.id))
        for action, status in (("file_dispute", DisputeStatus.AWAITING_SELLER),
                               ("escalate_dispute", DisputeStatus.ESCALATED),
                               ("decide_dispute", DisputeStatus.RESOLVED),
                               ("decide_dispute", DisputeStatus.CLOSED_FOR_SELLER)):
            details = SimpleNamespace(dispute=SimpleNamespace(number="604713277435", status=status),
                                      order=SimpleNamespace(number="1" * 16))
            _run(desk._acted(agent, handoff, action, details))
        _run(desk._say_to_buyer(handoff, "hola, soy Maria", sender="agent", agent_name="Maria"))
    _all_translated([m["text"] for m in delivered[:-1]], allowed=["Maria"])
    assert delivered[-1]["text"] == "hola, soy Maria"  # an agent's own words, as written
