"""Logging for the gateway process (uvicorn --log-config bot/logging.json): timestamps, our INFO lines, and
secrets never written: the formatter blanks the Telegram token and BOT_SECRET wherever they would appear
(python-telegram-bot puts the token in every API URL; httpx logs URLs), and buyer tokens passed as ?token=."""
from __future__ import annotations

import logging
import os
import re

SECRET_SETTINGS = ("TELEGRAM_TOKEN", "BOT_SECRET")
# Buyer tokens in a URL (socket.io clients that cannot send auth put ?token= in the handshake URL).
TOKEN_PARAMETER = re.compile(r"([?&]token=)[^&\s\"']+")


class RedactingFormatter(logging.Formatter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._secrets = [v for v in (os.environ.get(n, "").strip() for n in SECRET_SETTINGS) if len(v) >= 8]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return TOKEN_PARAMETER.sub(r"\1[redacted]", text)
