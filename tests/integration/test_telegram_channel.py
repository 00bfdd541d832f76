"""The Telegram channel in the gateway: the real python-telegram-bot against a fake Bot API server on loopback
(tests/support/fake_telegram.py), with a stand-in Rasa. The whole stack (real Rasa and actions) is in tests/e2e."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.channels.telegram import (
    APOLOGY,
    COMMANDS,
    EDITED,
    MAX_INPUT_CHARS,
    ONLY_PRIVATE,
    SECRET_HEADER,
    UNSUPPORTED,
    WEBHOOK_PATH,
    split_text,
)
from bot.channels.relay import UNAVAILABLE
from bot.composition import build_services, signing_secret
from bot.disputes.clock import SystemClock
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store import migrate
from bot.store import tables
from bot.store.seed import seed
from bot.tokens import RASA_CHANNEL_TOKEN, internal_token
from support.fake_telegram import (
    FakeTelegram,
    free_port,
    button_update,
    buttons_of,
    document_update,
    edited_update,
    photo_update,
    sticker_update,
    text_update,
)
from support.samples import image_bytes
from support.stand_in_rasa import StandInRasa

TOKEN = "123456:TEST-token"
# Each test takes a few seconds; the bound is above the fake's own 60-s waits, which say more when they fail.
pytestmark = pytest.mark.timeout(120)
USER = 5550001


def _settings(tmp_path, rasa_port: int, telegram: FakeTelegram, **extra: str) -> Settings:
    return Settings.from_env({"VAR_DIR": str(tmp_path), "SWEEP_INTERVAL_SECONDS": "0",
                              "RASA_URL": f"http://127.0.0.1:{rasa_port}", "TELEGRAM_TOKEN": TOKEN,
                              "TELEGRAM_BASE_URL": telegram.url, "PUSH_INTERVAL_SECONDS": "0.2", **extra})


@pytest.fixture
def telegram():
    fake = FakeTelegram().start(free_port())
    yield fake
    fake.stop()


def _gateway(tmp_path, telegram, **extra):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInRasa)
    server.received = []
    settings = _settings(tmp_path, server.server_address[1], telegram, **extra)
    server.token = internal_token(signing_secret(settings), RASA_CHANNEL_TOKEN)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    services = build_services(settings)
    migrate.upgrade(services.engine)
    seed(services.engine, SystemClock(), settings.rules, services.evidence)
    return server, services


@contextmanager
def _polling_gateway(tmp_path, telegram, **extra):
    rasa, services = _gateway(tmp_path, telegram, **extra)
    with TestClient(create_app(services=services)) as client:
        client.rasa, client.services, client.telegram = rasa, services, telegram
        telegram.wait_for(lambda: client.get("/healthz").json().get("telegram") == "polling", 20, "polling to start")
        yield client
    rasa.shutdown()
    rasa.server_close()
    services.close()


@pytest.fixture
def polling(tmp_path, telegram):
    with _polling_gateway(tmp_path, telegram) as client:
        yield client


@pytest.fixture
def webhook(tmp_path, telegram):
    rasa, services = _gateway(tmp_path, telegram, TELEGRAM_WEBHOOK_URL="https://bot.example.com/webhooks/telegram")
    with TestClient(create_app(services=services)) as client:
        client.rasa, client.services, client.telegram = rasa, services, telegram
        telegram.wait_for(lambda: client.get("/healthz").json().get("telegram") == "webhook", 20, "webhook mode")
        yield client
    rasa.shutdown()
    rasa.server_close()
    services.close()


def _linked(client, buyer="anna", user_id=USER) -> None:
    code = client.services.accounts.issue_link_code(buyer)
    client.telegram.push_update(text_update(client.telegram, user_id, f"/start {code}"))
    client.telegram.wait_for_text(user_id, "now linked")


def _received(client, count: int, timeout: float = 20.0):
    return client.telegram.wait_for(lambda: client.rasa.received if len(client.rasa.received) >= count else None,
                                    timeout, f"{count} message(s) at Rasa")


# ---- linking, commands, text ------------------------------------------------------------------------

def test_start_with_a_link_code_links_the_account_and_registers_commands(polling):
    commands = polling.telegram.sent(method="setMyCommands")
    assert [c["command"] for c in commands[0]["commands"]] == [name for name, _ in COMMANDS]
    _linked(polling)
    assert polling.services.accounts.buyer_for_channel_user("telegram", str(USER)) == "anna"
    greeting = _received(polling, 1)[0]
    assert greeting["message"] == "/greet"
    assert greeting["metadata"]["buyer_id"] == "anna"
    assert greeting["sender"] == f"telegram:{USER}:anna"


def test_a_wrong_link_code_links_nothing(polling):
    polling.telegram.push_update(text_update(polling.telegram, USER, "/start WRONG123"))
    polling.telegram.wait_for_text(USER, "not valid")
    assert polling.services.accounts.buyer_for_channel_user("telegram", str(USER)) is None
    assert polling.rasa.received == []


def test_unlinked_users_get_general_answers_without_a_buyer(polling):
    polling.telegram.push_update(text_update(polling.telegram, USER, "what is buyer protection"))
    sent = _received(polling, 1)[0]
    assert "buyer_id" not in sent["metadata"]
    assert sent["sender"] == f"telegram:{USER}:guest"
    typing = polling.telegram.wait_for(lambda: polling.telegram.sent(USER, "sendChatAction"), 10, "typing")
    assert typing[0]["action"] == "typing"
    polling.telegram.push_update(text_update(polling.telegram, USER, "/start"))
    polling.telegram.wait_for_text(USER, "link your marketplace account")


def test_commands_map_to_intents_and_typed_intents_do_not_pass(polling):
    _linked(polling)
    polling.telegram.push_update(text_update(polling.telegram, USER, "/orders"))
    polling.telegram.push_update(text_update(polling.telegram, USER, '/inform{"order_number":"8190334512007790"}'))
    polling.telegram.push_update(text_update(polling.telegram, USER, "/cancel"))
    received = _received(polling, 3)
    assert [r["message"] for r in received[1:]] == ["/list_orders", "/stop"]
    polling.telegram.wait_for_text(USER, "don't know that command")


# ---- buttons ------------------------------------------------------------------------------------------

def test_buttons_become_inline_keyboards_and_a_tap_sends_the_offered_payload(polling):
    _linked(polling)
    polling.telegram.push_update(text_update(polling.telegram, USER, "menu"))
    polling.telegram.wait_for_text(USER, "you said menu")
    message = [p for p in polling.telegram.sent(USER) if p.get("reply_markup")][-1]
    buttons = buttons_of(message)
    assert [b["text"] for b in buttons] == ["Open", "Order"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    polling.telegram.push_update(button_update(polling.telegram, USER, buttons[1]["callback_data"]))
    received = _received(polling, 3)
    assert received[2]["message"].startswith('/inform{"order_number":"8190334512007781"')
    assert polling.telegram.sent(method="answerCallbackQuery")
    assert polling.telegram.sent(method="editMessageReplyMarkup")


def test_a_button_offered_to_one_user_is_refused_to_another(polling):
    fake = polling.telegram
    other = USER + 1
    _linked(polling)
    _linked(polling, "ben", other)
    fake.push_update(text_update(fake, USER, "menu"))
    fake.wait_for_text(USER, "you said menu")
    fake.push_update(text_update(fake, other, "menu"))  # the other user was offered the same buttons too
    fake.wait_for_text(other, "you said menu")
    annas_menu = [p for p in fake.sent(USER) if p.get("reply_markup")][-1]
    sent_to_anna = len(fake.sent(USER))
    order_button = buttons_of(annas_menu)[1]
    # The other user taps a button on the bot's message in anna's chat (a forwarded or shared screen, a client
    # bug, a forged callback: Telegram says who tapped and on which message).
    fake.push_update(button_update(fake, other, order_button["callback_data"], in_chat_of=USER))
    [answer] = fake.wait_for(lambda: fake.sent(method="answerCallbackQuery"), 20, "the tap to be answered")
    assert "not for you" in answer["text"]
    # The other user's next message is handled after the tap: once it is answered, the tap had its whole turn.
    fake.push_update(text_update(fake, other, "next"))
    fake.wait_for_text(other, "you said next")
    assert [r["message"] for r in polling.rasa.received] == ["/greet", "/greet", "menu", "menu", "next"]
    assert len(fake.sent(USER)) == sent_to_anna  # nothing more in anna's chat
    assert not fake.sent(method="editMessageReplyMarkup")  # her keyboard stays: the tap was not hers


def test_a_button_never_offered_is_refused(polling):
    _linked(polling)
    polling.telegram.push_update(button_update(polling.telegram, USER, "p:forgedforgedforg"))
    answer = polling.telegram.wait_for(lambda: polling.telegram.sent(method="answerCallbackQuery"), 20)
    assert "expired" in answer[0]["text"]
    # The chat's next update is handled after the tap: once it is answered, the tap has had its whole turn.
    polling.telegram.push_update(text_update(polling.telegram, USER, "next"))
    polling.telegram.wait_for_text(USER, "you said next")
    assert [r["message"] for r in polling.rasa.received] == ["/greet", "next"]


# ---- reliability ----------------------------------------------------------------------------------------

def test_a_repeated_update_is_handled_once(polling):
    fake = polling.telegram
    update = text_update(fake, USER, "hello once")
    fake.push_update(update)
    _received(polling, 1)
    fake.wait_for(lambda: fake.texts(USER), 10, "the answer to the first delivery")
    # Telegram delivers the same update again (its confirmation was lost): the poller gets it a second time.
    fake.redeliver(update)
    fake.wait_for(lambda: fake.served(update["update_id"]) >= 2, 20, "the update to be delivered again")
    # Updates of one chat are handled in order, so once the next one is answered the repeat has been handled.
    fake.push_update(text_update(fake, USER, "after"))
    fake.wait_for_text(USER, "you said after")
    assert [r["message"] for r in polling.rasa.received] == ["hello once", "after"]
    assert fake.texts(USER).count("you said hello once") == 1


def test_updates_of_one_chat_are_handled_in_order(polling):
    for text in ["slow", "one", "two", "three"]:
        polling.telegram.push_update(text_update(polling.telegram, USER, text))
    received = _received(polling, 4)
    assert [r["message"] for r in received] == ["slow", "one", "two", "three"]


def test_flood_control_429_is_retried(polling):
    fake = polling.telegram
    fake.fail_with_429["sendMessage"] = 1
    fake.push_update(text_update(fake, USER, "hi there"))
    # The fake records only what it answered with ok, so the answer is there only if the refused send was retried.
    fake.wait_for_text(USER, "you said hi there", timeout=30)
    assert [c["params"]["text"] for c in fake.refused] == ["you said hi there"]
    assert fake.texts(USER) == ["you said hi there"]


def test_long_replies_are_split_and_text_is_escaped(polling):
    polling.telegram.push_update(text_update(polling.telegram, USER, "long"))
    polling.telegram.push_update(text_update(polling.telegram, USER, "html"))
    polling.telegram.wait_for_text(USER, "a &lt;b&gt;bold&lt;/b&gt; &amp; c")
    parts = [p for p in polling.telegram.sent(USER) if "line " in p["text"]]
    assert len(parts) >= 3 and all(len(p["text"]) <= 4096 for p in parts)
    assert all(p["parse_mode"] == "HTML" for p in polling.telegram.sent(USER))


def test_no_silent_failures(polling, monkeypatch):
    def database_down(*args):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(polling.services.accounts, "buyer_for_channel_user", database_down)
    polling.telegram.push_update(text_update(polling.telegram, USER, "hello"))
    polling.telegram.wait_for_text(USER, APOLOGY[:30])
    monkeypatch.undo()
    polling.telegram.push_update(text_update(polling.telegram, USER, "crash"))
    polling.telegram.wait_for_text(USER, UNAVAILABLE[:30])
    polling.rasa.shutdown()
    polling.rasa.server_close()
    polling.telegram.push_update(text_update(polling.telegram, USER, "anyone?"))
    polling.telegram.wait_for_text(USER, UNAVAILABLE[:30])


def test_unexpected_updates_are_answered_or_ignored(polling):
    fake = polling.telegram
    fake.push_update(sticker_update(fake, USER))
    fake.wait_for_text(USER, UNSUPPORTED[:30])
    fake.push_update(edited_update(fake, USER, "changed my mind"))
    fake.wait_for_text(USER, EDITED[:30])
    fake.push_update(text_update(fake, USER, "/help", chat_type="group"))
    fake.wait_for_text(-100 - USER, ONLY_PRIVATE[:30])
    fake.push_update({"update_id": fake.next_update_id(), "poll": {"id": "1", "question": "?", "options": [],
                      "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                      "allows_multiple_answers": False}})
    fake.push_update(text_update(fake, USER, "x" * 5000))
    fake.wait_for_text(USER, f"first {MAX_INPUT_CHARS} characters")
    received = _received(polling, 1)
    assert len(received[0]["message"]) == MAX_INPUT_CHARS
    # Nothing but the long text reached Rasa: the sticker, edit, group command and poll stopped at the channel.
    assert len(polling.rasa.received) == 1


# ---- hostile updates ------------------------------------------------------------------------------

def _without(update, *path):
    """The update with one field removed (path: keys down to it)."""
    update = json.loads(json.dumps(update))
    parent = update
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return update


def _hostile_updates(fake):
    """Updates with parts missing that Telegram may send (or a proxy may mangle), and updates python-telegram-bot
    cannot read at all. Each is (what it is, the update)."""
    def new_id():
        return fake.next_update_id()

    wrong_text = text_update(fake, USER, "ignored")
    wrong_text["message"]["text"] = 12345
    return [
        ("a message without from", _without(text_update(fake, USER, "who am I"), "message", "from")),
        ("a message without chat", _without(text_update(fake, USER, "where am I"), "message", "chat")),
        ("a message with no text and no file", _without(text_update(fake, USER, "gone"), "message", "text")),
        ("a button without data", _without(button_update(fake, USER, "p:whatever"), "callback_query", "data")),
        ("a button without its message",
         _without(button_update(fake, USER, "p:forgedforgedforg"), "callback_query", "message")),
        ("a button without from", _without(button_update(fake, USER, "p:forgedforgedforg"), "callback_query", "from")),
        ("an edited message", edited_update(fake, USER, "changed")),
        ("a channel post", {"update_id": new_id(), "channel_post": {
            "message_id": 1, "date": int(time.time()), "chat": {"id": -1001234, "type": "channel", "title": "News"},
            "text": "hello channel"}}),
        ("an update of a type not known yet", {"update_id": new_id(), "future_update": {"id": "x"}}),
        ("a message that is not an object", {"update_id": new_id(), "message": "not an object"}),
        ("a message of the wrong types", {"update_id": new_id(), "message": {
            "message_id": "one", "date": "today", "chat": "me", "from": 5, "text": ["a"]}}),
        ("a button that is not an object", {"update_id": new_id(), "callback_query": ["p:x"]}),
        ("text that is not a string", wrong_text),
    ]


def _check_hostile_updates_were_survived(client, caplog):
    fake = client.telegram
    # Once a readable message sent after them is answered, all of them were handled (one chat, in order; the
    # others are on no chat or another, and their warnings are checked below).
    fake.wait_for_text(USER, "you said still here", timeout=30)
    assert [r["message"] for r in client.rasa.received] == ["still here"]
    texts = fake.texts(USER)
    assert APOLOGY not in texts  # nothing went wrong on the bot's side: the updates were wrong
    assert texts.count(UNSUPPORTED) == 1 and texts.count(EDITED) == 1, texts
    answers = [a.get("text", "") for a in fake.sent(method="answerCallbackQuery")]
    # The taps without data or without their message are answered; the one without a user is skipped.
    assert len(answers) == 2 and all("expired" in a for a in answers), answers
    assert {str(p.get("chat_id")) for p in fake.sent()} == {str(USER)}  # no answer went anywhere else
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "telegram" in r.name)
    assert "could not be read" in warned and "without a user or chat" in warned, warned
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") and "telegram" in r.name], \
        [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


def test_hostile_updates_when_polling_neither_stop_the_poller_nor_reach_rasa(polling, caplog):
    caplog.set_level("WARNING")
    fake = polling.telegram
    for _, update in _hostile_updates(fake):
        fake.push_update(update)
    fake.push_update(text_update(fake, USER, "still here"))
    _check_hostile_updates_were_survived(polling, caplog)


def test_hostile_updates_at_the_webhook_are_acknowledged_and_skipped(webhook, caplog):
    caplog.set_level("WARNING")
    secret = {SECRET_HEADER: webhook.telegram.sent(method="setWebhook")[0]["secret_token"]}
    for what, update in _hostile_updates(webhook.telegram):
        # 200 for anything that is an update at all: another answer makes Telegram resend it, for hours.
        assert webhook.post(WEBHOOK_PATH, json=update, headers=secret).status_code == 200, what
    still_here = text_update(webhook.telegram, USER, "still here")
    assert webhook.post(WEBHOOK_PATH, json=still_here, headers=secret).status_code == 200
    _check_hostile_updates_were_survived(webhook, caplog)


# ---- files -----------------------------------------------------------------------------------------

def test_a_photo_is_downloaded_checked_stored_and_sent_as_evidence(polling):
    _linked(polling)
    data = image_bytes()
    polling.telegram.add_file("photo-1", data)
    polling.telegram.push_update(photo_update(polling.telegram, USER, "photo-1", len(data)))
    sent = _received(polling, 2)[1]
    assert sent["message"] == "/send_evidence"
    [attachment] = sent["metadata"]["attachments"]
    assert polling.services.evidence.get(attachment["sha256"]) == data
    assert attachment["name"].endswith(".jpg")


def test_refused_files_are_explained_and_never_reach_rasa(polling):
    _linked(polling)
    fake = polling.telegram
    fake.add_file("doc-1", b"just some text, not a photo")
    fake.push_update(document_update(fake, USER, "doc-1", 27, "notes.txt", "text/plain"))
    fake.wait_for_text(USER, "notes.txt is not a file I can attach")
    limit = polling.services.settings.rules.max_evidence_file_bytes
    fake.push_update(document_update(fake, USER, "big-1", limit + 1, "video.mp4", "video/mp4"))
    fake.wait_for_text(USER, "video.mp4 is larger than")
    assert not [c for c in fake.sent(method="getFile") if c.get("file_id") == "big-1"]
    assert [r["message"] for r in polling.rasa.received] == ["/greet"]


def test_a_file_of_untold_size_is_downloaded_only_up_to_the_limit(tmp_path, telegram):
    limit = 1024 * 1024
    with _polling_gateway(tmp_path, telegram, MAX_EVIDENCE_FILE_BYTES=str(limit)) as client:
        _linked(client)
        whole = 64 * limit
        # Neither the update nor getFile tells the size: only the download shows it.
        telegram.add_large_file("huge-1", whole, tell_size=False)
        telegram.push_update(document_update(telegram, USER, "huge-1", None, "scan.pdf"))
        telegram.wait_for_text(USER, "scan.pdf is larger than 1 MB")
        # The download stopped soon after the limit: what is in flight (socket buffers) is read, not the rest.
        served = telegram.wait_for(lambda: telegram.file_bytes_served.get("huge-1"), 10, "the download")
        assert served < 16 * limit, served
        # getFile telling a size above the limit is enough to refuse without downloading.
        telegram.add_large_file("huge-2", whole)
        telegram.push_update(document_update(telegram, USER, "huge-2", None, "video.pdf"))
        telegram.wait_for_text(USER, "video.pdf is larger than 1 MB")
        assert "huge-2" not in telegram.file_bytes_served
        assert [r["message"] for r in client.rasa.received] == ["/greet"]


def test_files_from_unlinked_users_are_not_stored(polling):
    polling.telegram.push_update(photo_update(polling.telegram, USER, "photo-x", 100))
    polling.telegram.wait_for_text(USER, "once your account is linked")
    assert not polling.telegram.sent(method="getFile")


# ---- pushes --------------------------------------------------------------------------------------

def _push_cursor(client):
    """The last dispute event the Telegram notifier has handled, or None before its first round."""
    with client.services.engine.connect() as conn:
        return conn.execute(select(tables.push_cursors.c.last_event_id)
                            .where(tables.push_cursors.c.channel == "telegram")).scalar()


def test_dispute_news_reaches_the_linked_buyer_once(polling):
    _linked(polling)
    disputes = polling.services.disputes
    # News from before the notifier's first round is not pushed (it starts at the latest event), so wait for it.
    polling.telegram.wait_for(lambda: _push_cursor(polling) is not None, 10, "the notifier's first round")
    details = disputes.open_dispute("anna", "8190334512007781", received=True, problems=["damaged"],
                                    description="cracked case")
    number = details.dispute.number
    disputes.seller_reject("s-soundwave", number, "works fine on our side")
    with polling.services.engine.connect() as conn:
        rejection = conn.execute(select(func.max(tables.dispute_events.c.id))).scalar()
    polling.telegram.wait_for_text(USER, f"Dispute {number}")
    polling.telegram.wait_for(lambda: _push_cursor(polling) >= rejection, 10, "the notifier past the rejection")
    # A second copy could only come from a later round (a retry): let two more rounds (0.2 s apart) pass.
    time.sleep(0.5)
    news = [t for t in polling.telegram.texts(USER) if number in t]
    assert len(news) == 1
    assert "rejected" in news[0] and "works fine on our side" in news[0]
    # The buyer's own action (opening) is not pushed back to them.
    assert not [t for t in news if "filed for you" in t]


# ---- webhook mode -----------------------------------------------------------------------------------

def test_webhook_mode_registers_the_secret_and_refuses_wrong_ones(webhook):
    [registered] = webhook.telegram.sent(method="setWebhook")
    secret = registered["secret_token"]
    assert registered["url"] == "https://bot.example.com/webhooks/telegram"
    # Refused updates have ids of their own: were one let through, the accepted update would not hide it as a
    # repeat.
    forged = text_update(webhook.telegram, USER, "forged")
    assert webhook.post(WEBHOOK_PATH, json=forged).status_code == 403
    assert webhook.post(WEBHOOK_PATH, json=forged, headers={SECRET_HEADER: "wrong"}).status_code == 403
    update = text_update(webhook.telegram, USER, "via webhook")
    assert webhook.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret}).status_code == 200
    assert webhook.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret}).status_code == 200
    assert webhook.post(WEBHOOK_PATH, content=b"{not json", headers={SECRET_HEADER: secret}).status_code == 400
    later = text_update(webhook.telegram, USER, "later")
    assert webhook.post(WEBHOOK_PATH, json=later, headers={SECRET_HEADER: secret}).status_code == 200
    # The chat's updates are handled in order: once the later one is answered, everything before it was handled.
    webhook.telegram.wait_for_text(USER, "you said later")
    assert [r["message"] for r in webhook.rasa.received] == ["via webhook", "later"]
    assert webhook.telegram.texts(USER).count("you said via webhook") == 1


def test_webhook_is_not_served_in_polling_mode(polling):
    assert polling.post(WEBHOOK_PATH, json={"update_id": 1}).status_code == 404


# ---- pure ----------------------------------------------------------------------------------------

def test_split_text_respects_the_limit_and_prefers_line_breaks():
    text = "\n".join("word " * 30 for _ in range(50))
    parts = split_text(text, 500)
    assert all(len(p) <= 500 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert split_text("short") == ["short"]
    assert split_text("   ") == []
