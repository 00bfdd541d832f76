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
    assert sent["metadata"] == {"buyer_id": "anna", "channel": "rest", "language": "en"}
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


def test_each_turn_carries_the_conversations_language_sticky_and_remembered_per_buyer(chat):
    say(chat, "mi pedido nunca llegó y el vendedor no contesta", sender="es-1")
    assert chat.rasa.received[-1]["metadata"]["language"] == "es"
    for short in ("ok", "8190334512007781", "refund"):  # short words never flip it
        say(chat, short, sender="es-1")
        assert chat.rasa.received[-1]["metadata"]["language"] == "es"
    # Anna's next conversation starts in her language, even with a word that tells nothing.
    say(chat, "ok", sender="es-2")
    assert chat.rasa.received[-1]["metadata"]["language"] == "es"
    # Another buyer, whose client says Portuguese (Accept-Language), starting with a number.
    token = chat.tokens.issue("ben")
    chat.post("/webhooks/rest/webhook", json={"sender": "pt-1", "message": "8190334512007790"},
              headers={"Authorization": f"Bearer {token}", "Accept-Language": "pt-BR,pt;q=0.9"})
    assert chat.rasa.received[-1]["metadata"]["language"] == "pt"


def test_the_buyer_asks_for_a_language_or_picks_it_from_the_menu(chat):
    from bot.channels.relay import LANGUAGE_WORDS, SWITCHED
    from bot.i18n import translator

    replies = say(chat, "en español por favor", sender="ask-1").json()
    sent = chat.rasa.received[-1]
    assert sent["message"] == "/help" and sent["metadata"]["language"] == "es"
    _ = translator("es")
    assert replies[0]["text"] == _(SWITCHED, language=_(LANGUAGE_WORDS["es"]))

    before = len(chat.rasa.received)
    menu = say(chat, "/language", sender="ask-1").json()
    assert len(chat.rasa.received) == before  # the relay answers the menu itself
    assert [b["payload"] for b in menu[0]["buttons"]] == [f"/language {c}" for c in ("en", "es", "pt", "fr", "ru")]
    assert [b["title"] for b in menu[0]["buttons"]][-1] == "Русский"
    say(chat, "/language ru", sender="ask-1")
    assert chat.rasa.received[-1]["metadata"]["language"] == "ru"
    say(chat, "where is my refund for the dress, it has been weeks", sender="ask-1")
    assert chat.rasa.received[-1]["metadata"]["language"] == "ru"  # a picked language holds...
    say(chat, "speak english please", sender="ask-1")
    assert chat.rasa.received[-1]["metadata"]["language"] == "en"  # ...until the buyer asks for another


def test_a_language_we_do_not_speak_gets_english_with_one_note_in_it(chat):
    from bot.i18n.unsupported import NOTES

    first = say(chat, "wo ist mein paket, ich warte schon seit drei wochen darauf", sender="de-1").json()
    assert first[0]["text"] == NOTES["de"]
    assert chat.rasa.received[-1]["metadata"]["language"] == "en"
    again = say(chat, "und der verkäufer antwortet auch nicht auf meine nachrichten", sender="de-1").json()
    assert NOTES["de"] not in [m["text"] for m in again]
