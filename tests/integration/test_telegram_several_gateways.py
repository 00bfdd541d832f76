"""Telegram with several gateways on one store (the scale-out profile): only the gateway with the background jobs
polls or registers the webhook; the others (GATEWAY_BACKGROUND_JOBS=0) still send, so a help-desk agent on any
gateway reaches a Telegram buyer, and handle webhook calls that reach them, each update once."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from bot.gateway.app import create_app
from support.fake_telegram import FakeTelegram, free_port, text_update
from test_telegram_channel import USER, _gateway, _linked

WEBHOOK_URL = "https://bot.example.com/webhooks/telegram"
# Two gateways start in a few seconds; the bound is above the fake's own 60-s waits, which say more.
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def telegram():
    fake = FakeTelegram().start(free_port())
    yield fake
    fake.stop()


@contextmanager
def _client(tmp_path, fake, **extra):
    rasa, services = _gateway(tmp_path, fake, **extra)
    try:
        with TestClient(create_app(services=services)) as client:
            client.rasa, client.services, client.telegram = rasa, services, fake
            yield client
    finally:
        rasa.shutdown()
        rasa.server_close()
        services.close()


def _mode(client) -> str:
    return client.get("/healthz").json().get("telegram")


def test_an_agent_on_a_sending_only_gateway_reaches_a_telegram_buyer(tmp_path, telegram):
    with _client(tmp_path, telegram) as first:
        telegram.wait_for(lambda: _mode(first) == "polling", 20, "the first gateway to poll")
        set_up = {m: len(telegram.sent(method=m)) for m in ("setMyCommands", "deleteWebhook", "setWebhook")}
        # The command menu once by default (English) and once per other language we speak (language_code).
        menus = sorted(str(p.get("language_code") or "") for p in telegram.sent(method="setMyCommands"))
        assert menus == ["", "es", "fr", "pt", "ru"] and set_up["deleteWebhook"] >= 1
        with _client(tmp_path, telegram, GATEWAY_BACKGROUND_JOBS="0") as second:
            telegram.wait_for(lambda: _mode(second) == "sending only", 20, "the second gateway's channel")
            # The second gateway neither registers commands nor touches the webhook (which would stop the
            # first gateway's polling).
            assert {m: len(telegram.sent(method=m)) for m in set_up} == set_up
            assert second.post(WEBHOOK_PATH, json={"update_id": 1}).status_code == 404
            _agent_on_second_gateway_answers(first, second, telegram)


def _agent_on_second_gateway_answers(first, second, telegram) -> None:

    _linked(first)
    telegram.push_update(text_update(telegram, USER, "agent please"))
    telegram.wait_for_text(USER, "help desk to join")
    token = second.services.accounts.create_agent("Dana", "agent")[1]
    headers = {"Authorization": f"Bearer {token}"}
    [item] = second.get("/api/agent/queue", headers=headers).json()
    assert second.post(f"/api/agent/conversations/{item['id']}/claim", headers=headers, json={}).status_code == 200
    assert second.post(f"/api/agent/conversations/{item['id']}/messages", headers=headers,
                       json={"text": "Hello from the second gateway"}).status_code == 200
    sent = telegram.wait_for_text(USER, "Hello from the second gateway", timeout=20)
    assert sent.startswith("Dana (help desk):")


def test_a_webhook_update_is_handled_by_the_gateway_it_reaches_and_only_once(tmp_path, telegram):
    with _client(tmp_path, telegram, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL) as first, \
            _client(tmp_path, telegram, TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, GATEWAY_BACKGROUND_JOBS="0") as second:
        telegram.wait_for(lambda: _mode(first) == "webhook", 20, "the first gateway in webhook mode")
        telegram.wait_for(lambda: second.app.state.gateway.telegram.running, 20, "the second gateway's channel")
        assert _mode(second) == "webhook"
        [registered] = telegram.sent(method="setWebhook")
        # One command menu per language we speak (English is the default menu), from the first gateway only.
        assert sorted(str(p.get("language_code") or "") for p in telegram.sent(method="setMyCommands")) == [
            "", "es", "fr", "pt", "ru"]
        secret = {SECRET_HEADER: registered["secret_token"]}

        update = text_update(telegram, USER, "via the second gateway")
        assert second.post(WEBHOOK_PATH, json=update).status_code == 403
        assert second.post(WEBHOOK_PATH, json=update, headers=secret).status_code == 200
        telegram.wait_for_text(USER, "you said via the second gateway", timeout=20)
        # Telegram retries the same update (say it timed out) and the balancer sends it to the first gateway.
        assert first.post(WEBHOOK_PATH, json=update, headers=secret).status_code == 200
        later = text_update(telegram, USER, "then via the first")
        assert first.post(WEBHOOK_PATH, json=later, headers=secret).status_code == 200
        # The first gateway handles one chat's updates in order: the later update answered means the repeat
        # before it was handled (dropped) too.
        telegram.wait_for_text(USER, "you said then via the first", timeout=20)
        assert telegram.texts(USER).count("you said via the second gateway") == 1
        assert [r["message"] for r in second.rasa.received] == ["via the second gateway"]
        assert [r["message"] for r in first.rasa.received] == ["then via the first"]
