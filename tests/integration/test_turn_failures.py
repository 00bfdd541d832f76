"""Issue 13, findings 2 and 3: every failure a buyer can hit is answered, in JSON on REST and as a message in
the widget; never `[]`, a plain-text 500 or endless typing dots. Rasa is a stand-in (tests/support/stand_in_rasa.py);
the store failures are real (an unreachable PostgreSQL) or the errors SQLAlchemy raises when a connection is
dropped under a statement."""
from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from bot.channels.relay import NO_ANSWER, NOT_RECEIVED, UNAVAILABLE
from bot.composition import build_services, signing_secret
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store import migrate
from bot.store.seed import seed
from bot.disputes.clock import SystemClock
from bot.tokens import RASA_CHANNEL_TOKEN, internal_token
from support.socket_client import Browser
from support.stand_in_rasa import StandInRasa


def dropped_connection() -> OperationalError:
    """What psycopg2 raises through SQLAlchemy when the server ends a connection under a statement."""
    return OperationalError("INSERT INTO transcript_messages ...", {},
                            Exception("server closed the connection unexpectedly"), connection_invalidated=True)


@pytest.fixture
def stand_in_rasa():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInRasa)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _services(tmp_path, rasa, **env):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SWEEP_INTERVAL_SECONDS": "0",
                                  "RASA_URL": f"http://127.0.0.1:{rasa.server_address[1]}", **env})
    rasa.token = internal_token(signing_secret(settings), RASA_CHANNEL_TOKEN)
    return build_services(settings)


@pytest.fixture
def chat(tmp_path, stand_in_rasa):
    services = _services(tmp_path, stand_in_rasa)
    migrate.upgrade(services.engine)
    seed(services.engine, SystemClock(), services.settings.rules, services.evidence)
    with TestClient(create_app(services=services), raise_server_exceptions=False) as client:
        client.services = services
        yield client
    services.close()


def say(chat, text, buyer="anna"):
    return chat.post("/webhooks/rest/webhook", json={"sender": "tab-1", "message": text},
                     headers={"Authorization": f"Bearer {chat.services.buyer_tokens.issue(buyer)}"})


def test_database_unreachable_answers_json_not_a_bare_500(tmp_path, stand_in_rasa):
    """Nothing listens on port 1: every connection is refused, as with a database that is down."""
    services = _services(tmp_path, stand_in_rasa, DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:1/none")
    with TestClient(create_app(services=services), raise_server_exceptions=False) as client:
        client.services = services
        response = say(client, "where is my refund")
    services.close()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": NOT_RECEIVED}
    assert stand_in_rasa.received == []


def drop_the_connection_storing_bot_replies(transcripts, monkeypatch) -> None:
    """The buyer's turn is stored; storing the bot's reply meets a dropped connection."""
    append = transcripts.append

    def bot_reply_fails(conversation_id, sender, bodies):
        if sender == "bot":
            raise dropped_connection()
        return append(conversation_id, sender, bodies)

    monkeypatch.setattr(transcripts, "append", bot_reply_fails)


def test_connection_dropped_after_the_buyers_turn_was_kept(chat, monkeypatch):
    drop_the_connection_storing_bot_replies(chat.services.transcripts, monkeypatch)
    response = say(chat, "hello")
    assert response.status_code == 503 and response.json() == {"error": UNAVAILABLE}
    kept = chat.services.transcripts.messages("rest:anna:tab-1", 0, 10)
    assert [(m["sender"], m["text"]) for m in kept] == [("buyer", "hello")]


def test_a_read_whose_connection_dropped_is_retried_once(chat, monkeypatch):
    open_for = chat.services.handoffs.open_for
    failures = []

    def first_read_fails(conversation_id):
        if not failures:
            failures.append(conversation_id)
            raise dropped_connection()
        return open_for(conversation_id)

    monkeypatch.setattr(chat.services.handoffs, "open_for", first_read_fails)
    response = say(chat, "hello")
    assert failures and response.status_code == 200
    assert response.json()[0]["text"] == "you said hello"


def test_an_unexpected_error_answers_json(chat, monkeypatch):
    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(chat.services.offered_buttons, "prune", broken)  # not on the turn's path: unaffected
    monkeypatch.setattr(chat.services.handoffs, "open_for", broken)
    response = say(chat, "hello")
    assert response.status_code == 500 and response.json() == {"error": NOT_RECEIVED}


def test_a_turn_rasa_answers_with_nothing_still_gets_an_answer(chat):
    """What Rasa answers while the action server is down: no message at all (finding 2)."""
    response = say(chat, "silent")
    assert response.status_code == 200 and [m["text"] for m in response.json()] == [NO_ANSWER]


async def test_the_widget_gets_a_message_and_the_typing_dots_stop(tmp_path, monkeypatch):
    from support.served_gateway import served_gateway

    with served_gateway(tmp_path) as gateway:
        drop_the_connection_storing_bot_replies(gateway.services.transcripts, monkeypatch)
        guest = Browser(gateway.url)
        session = await guest.connect()
        await guest.wait("history")
        reply = await guest.say("hello", session, 1)
        assert reply["text"] == UNAVAILABLE
        typing = await guest.wait("bot_typing", 2)
        assert typing == {"typing": False}
        await guest.close()
