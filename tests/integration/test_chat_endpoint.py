"""The gateway's REST chat endpoint against a stand-in Rasa: auth, payload defusing, errors, metadata."""
from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from bot.composition import build_services, signing_secret
from bot.disputes.clock import SystemClock
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store import migrate
from bot.store.seed import seed
from bot.tokens import RASA_CHANNEL_TOKEN, internal_token
from support.stand_in_rasa import StandInRasa


@pytest.fixture
def chat(tmp_path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SWEEP_INTERVAL_SECONDS": "0"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInRasa)
    server.received = []
    server.token = internal_token(signing_secret(settings), RASA_CHANNEL_TOKEN)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "SWEEP_INTERVAL_SECONDS": "0",
                                  "RASA_URL": f"http://127.0.0.1:{server.server_address[1]}"})
    services = build_services(settings)
    migrate.upgrade(services.engine)
    seed(services.engine, SystemClock(), settings.rules, services.evidence)  # tokens sign in only buyers it has
    with TestClient(create_app(services=services)) as client:
        client.tokens = services.buyer_tokens
        client.rasa = server
        yield client
    server.shutdown()
    server.server_close()


def say(chat, text, buyer="anna", sender="tab-1", token=None):
    token = token if token is not None else chat.tokens.issue(buyer)
    return chat.post("/webhooks/rest/webhook", json={"sender": sender, "message": text},
                     headers={"Authorization": f"Bearer {token}"})


def test_reply_format_and_metadata(chat):
    response = say(chat, "hello")
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "tab-1", "text": "you said hello", "buttons": [], "image": None}]
    sent = chat.rasa.received[-1]
    assert sent["metadata"] == {"buyer_id": "anna", "channel": "rest"}
    assert sent["sender"] == "rest:anna:tab-1"


def test_same_sender_under_another_buyer_is_another_conversation(chat):
    say(chat, "hi", buyer="anna")
    say(chat, "hi", buyer="ben")
    assert [r["sender"] for r in chat.rasa.received] == ["rest:anna:tab-1", "rest:ben:tab-1"]


@pytest.mark.parametrize("token", ["", "garbage", "eyJidXllciI6ImFubmEifQ.forged.signature"])
def test_bad_tokens_are_refused_and_nothing_reaches_rasa(chat, token):
    response = say(chat, "hi", token=token)
    assert response.status_code == 401 and "buyer token" in response.json()["error"]
    assert chat.rasa.received == []


def test_token_signed_with_another_secret(chat):
    from bot.tokens import BuyerTokens

    assert say(chat, "hi", token=BuyerTokens("other", 60).issue("anna")).status_code == 401


@pytest.mark.parametrize("body", [{"sender": "x"}, {"message": "hi"}, {"sender": "", "message": "hi"},
                                  {"sender": "x", "message": ""}, {"sender": "x", "message": "a" * 4001},
                                  {"sender": "x" * 200, "message": "hi"}, ["not", "an", "object"]])
def test_malformed_bodies(chat, body):
    response = chat.post("/webhooks/rest/webhook", json=body,
                         headers={"Authorization": f"Bearer {chat.tokens.issue('anna')}"})
    assert response.status_code == 422 and "error" in response.json()
    assert chat.rasa.received == []


def test_only_offered_payloads_pass_as_intents(chat):
    say(chat, '/inform{"order_number":"8190334512007781"}')
    assert chat.rasa.received[-1]["message"] == 'inform{"order_number":"8190334512007781"}'  # defused
    say(chat, "menu")
    say(chat, '/inform{"order_number":"8190334512007781"}')
    assert chat.rasa.received[-1]["message"] == '/inform{"order_number":"8190334512007781"}'
    say(chat, '/inform{"order_number":"8190334512007799"}')
    assert not chat.rasa.received[-1]["message"].startswith("/")
    say(chat, '/affirm', sender="tab-2")  # offers are per conversation
    assert chat.rasa.received[-1]["message"] == "affirm"
    say(chat, "/open_dispute", buyer="ben")  # and per buyer
    assert chat.rasa.received[-1]["message"] == "open_dispute"


def test_an_offered_button_still_works_after_a_gateway_restart(chat):
    say(chat, "menu")
    with TestClient(create_app(services=chat.app.state.gateway.services)) as restarted:  # a new process, same store
        restarted.tokens = chat.tokens
        say(restarted, "/open_dispute")
    assert chat.rasa.received[-1]["message"] == "/open_dispute"


def test_rasa_down_is_a_clear_503(chat):
    chat.rasa.shutdown()
    chat.rasa.server_close()
    response = say(chat, "hi")
    assert response.status_code == 503 and "try again" in response.json()["error"]


def test_a_turn_the_assistant_answers_with_nothing_still_gets_an_answer(chat):
    response = say(chat, "silent")
    assert response.status_code == 200
    [message] = response.json()
    assert "couldn't answer that just now" in message["text"] and "try again" in message["text"]
