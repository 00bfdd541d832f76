"""Secrets never reach the gateway's log lines, tracebacks included."""
from __future__ import annotations

import logging
import sys

from bot.logs import RedactingFormatter

TOKEN = "123456789:AAH-secret-telegram-token"


def test_the_telegram_token_and_bot_secret_are_blanked(monkeypatch):
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("BOT_SECRET", "a-long-signing-secret")
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates failed")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("httpx", logging.WARNING, __file__, 1, "request to %s with %s", (
        f"https://api.telegram.org/bot{TOKEN}/sendMessage", "a-long-signing-secret"), exc_info)
    text = formatter.format(record)
    assert TOKEN not in text and "a-long-signing-secret" not in text
    assert text.count("[redacted]") >= 3  # message, argument and traceback


def test_without_secrets_nothing_changes(monkeypatch):
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("BOT_SECRET", raising=False)
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    assert RedactingFormatter("%(message)s").format(record) == "plain text"


def test_buyer_tokens_in_urls_are_blanked(monkeypatch):
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "GET %s HTTP/1.1" 200', (
        "127.0.0.1", "/socket.io/?EIO=4&token=eyJidXllciI6ImFubmEifQ.aBc.dEf&transport=polling"), None)
    text = RedactingFormatter("%(message)s").format(record)
    assert "eyJidXllciI6ImFubmEifQ" not in text and "&token=[redacted]&transport=polling" in text


def test_passwords_in_redis_and_database_urls_are_blanked(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://:r3dis%2Fpass@cache:6379/0")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://bot:pg-pass@db:5432/disputes")
    record = logging.LogRecord("socketio", logging.ERROR, __file__, 1, "cannot reach %s or %s", (
        "redis://:r3dis%2Fpass@cache:6379/0 (password r3dis/pass)", "postgresql://bot:pg-pass@db/disputes"), None)
    text = RedactingFormatter("%(message)s").format(record)
    assert "r3dis" not in text and "pg-pass" not in text
    assert "redis://:[redacted]@cache:6379/0" in text
