"""`python -m bot chat BUYER_ID`: chat with the running assistant from a terminal, as that demo buyer.

Buttons are numbered; type the number to tap one. Talks to the gateway's REST chat endpoint.
"""
from __future__ import annotations

import secrets
from typing import Dict, List

import httpx


def chat(gateway_url: str, token: str) -> int:
    sender = f"terminal-{secrets.token_hex(4)}"
    buttons: List[Dict[str, str]] = []
    print("Type your message (empty line or Ctrl-D to quit). Numbers tap the buttons shown.")
    with httpx.Client(timeout=60) as client:
        while True:
            try:
                text = input("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not text:
                return 0
            if text.isdigit() and 0 < int(text) <= len(buttons):
                text = buttons[int(text) - 1]["payload"]
            try:
                response = client.post(f"{gateway_url}/webhooks/rest/webhook",
                                       json={"sender": sender, "message": text},
                                       headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError as exc:
                print(f"(the gateway at {gateway_url} does not answer: {type(exc).__name__}; is `make run` up?)")
                continue
            if response.status_code != 200:
                print(f"({response.status_code}: {response.json().get('error', response.text)})")
                continue
            buttons = []
            for message in response.json():
                if message.get("text"):
                    print("bot> " + message["text"].replace("\n", "\n     "))
                for button in message.get("buttons") or []:
                    buttons.append(button)
                    print(f"     [{len(buttons)}] {button['title']}")
