"""Logging for the gateway process (uvicorn --log-config bot/logging.json): timestamps, our INFO lines, and
secrets never written: the formatter blanks the Telegram token, BOT_SECRET and the passwords of REDIS_URL,
DATABASE_URL and RASA_TRACKER_URL wherever they would appear (python-telegram-bot puts the token in every API
URL; httpx logs URLs; a driver error may quote a URL), and buyer tokens passed as ?token=."""
from __future__ import annotations

import logging
import os
import re
from urllib.parse import quote, unquote, urlsplit

SECRET_SETTINGS = ("TELEGRAM_TOKEN", "BOT_SECRET")
# Settings that are URLs: only their password is secret (a driver error may quote the whole URL).
URL_SETTINGS = ("REDIS_URL", "DATABASE_URL", "RASA_TRACKER_URL")
# Buyer tokens in a URL (socket.io clients that cannot send auth put ?token= in the handshake URL).
TOKEN_PARAMETER = re.compile(r"([?&]token=)[^&\s\"']+")


def _url_password(url: str) -> str:
    try:
        return unquote(urlsplit(url.strip()).password or "")
    except ValueError:
        return ""


class RedactingFormatter(logging.Formatter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._secrets = [v for v in (os.environ.get(n, "").strip() for n in SECRET_SETTINGS) if len(v) >= 8]
        for name in URL_SETTINGS:
            password = _url_password(os.environ.get(name, ""))
            if len(password) >= 4:
                self._secrets.extend({password, quote(password, safe="")})
        self._secrets.sort(key=len, reverse=True)  # a secret inside a longer one must not leave the rest behind

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return TOKEN_PARAMETER.sub(r"\1[redacted]", text)
