"""The scripted buyers: what each simulated buyer says, turn by turn, and what a reply must hold. `say(text)` returns
the bot's messages for that turn, whatever the channel (bench.load.traffic)."""
from __future__ import annotations

import re
from typing import Any, Dict, List


class Unexpected(Exception):
    pass


def _button(messages: List[Dict[str, Any]], title_part: str) -> str:
    for message in reversed(messages):
        for b in message.get("buttons") or message.get("quick_replies") or []:
            if title_part.lower() in (b.get("title") or "").lower():
                return b["payload"]
    raise Unexpected(f"no button {title_part!r} in {[m.get('text') for m in messages]}")


def _expect(messages: List[Dict[str, Any]], part: str) -> None:
    text = "\n".join(m.get("text") or "" for m in messages)
    if part.lower() not in text.lower():
        raise Unexpected(f"expected {part!r}, got {text[:160]!r}")


async def dispute_conversation(say) -> None:
    """The scripted buyer: `say(text)` returns the bot's messages for that turn."""
    _expect(await say("show my orders"), "protection")
    opened = await say("I want to open a dispute")
    _expect(opened, "Which order")
    received = await say(_button(opened, "d left"))
    _expect(received, "receive the item")
    problems = await say(_button(received, "Yes, it arrived"))
    resolution = await say(_button(problems, "Damaged"))
    description = await say(_button(resolution, "Full refund"))
    _expect(description, "describe the problem")
    evidence = await say("The case arrived cracked and one earbud does not charge at all")
    summary = await say(_button(evidence, "No photos"))
    filed = await say(_button(summary, "Yes, file it"))
    _expect(filed, "is open")
    _expect(await say("what is the status of my dispute"), "Dispute")
    _expect(await say("how long does a refund take"), "business days")
    await say("bye")


async def stock_conversation(say) -> None:
    """Stock Rasa's moodbot, as many turns (12) as the dispute conversation. Its TED policy answers repeated
    greetings differently from run to run, so any non-empty answer counts: the point is the cost of a turn."""
    for text in ["hello", "I am sad", "yes", "hi", "great", "are you a bot?", "hey there", "very good",
                 "good morning", "I am unhappy", "yes it did", "bye"]:
        if not any(m.get("text") for m in await say(text)):
            raise Unexpected(f"no answer to {text!r}")


def _payload(messages: List[Dict[str, Any]], part: str) -> str:
    """The payload of the last offered button whose payload holds `part` (titles are translated; payloads never)."""
    for message in reversed(messages):
        for b in message.get("buttons") or message.get("quick_replies") or []:
            if part in (b.get("payload") or ""):
                return b["payload"]
    raise Unexpected(f"no button with {part!r} in {[m.get('text') for m in messages]}")


def _expect_any(messages: List[Dict[str, Any]], pattern: str) -> None:
    text = "\n".join(m.get("text") or "" for m in messages)
    if not re.search(pattern, text):
        raise Unexpected(f"expected /{pattern}/, got {text[:160]!r}")


# The same dispute conversation typed in each language the assistant speaks (bench --languages): what the buyer
# types; buttons are tapped by payload. Checks are by numbers, not words: a dispute number once filed, "10" in
# the refund time (7-10 business days, however a language writes it).
TYPED: Dict[str, Dict[str, str]] = {
    "es": {"orders": "muéstrame mis pedidos", "open": "quiero abrir una disputa",
           "description": "la funda llegó rota y un auricular no carga nada", "status": "¿cómo va mi disputa?",
           "refund_time": "¿cuánto tarda el reembolso?", "bye": "chao, gracias"},
    "pt": {"orders": "mostra meus pedidos", "open": "quero abrir uma disputa",
           "description": "o estojo chegou quebrado e um fone não carrega nada", "status": "como tá minha disputa?",
           "refund_time": "quanto tempo demora o reembolso?", "bye": "tchau, valeu"},
    "fr": {"orders": "montre-moi mes commandes", "open": "je veux ouvrir un litige",
           "description": "le boîtier est arrivé cassé et un écouteur ne charge plus du tout",
           "status": "où en est mon litige ?", "refund_time": "le remboursement prend combien de temps ?",
           "bye": "au revoir, merci"},
    "ru": {"orders": "покажи мои заказы", "open": "хочу открыть спор",
           "description": "кейс пришел треснутый и один наушник вообще не заряжается",
           "status": "что с моим спором?", "refund_time": "сколько ждать возврат денег?", "bye": "пока, спасибо"},
}


def typed_dispute_conversation(language: str):
    """`dispute_conversation` in another language: the same 12 turns, typed and tapped the same way."""
    words = TYPED[language]

    async def conversation(say) -> None:
        _expect_any(await say(words["orders"]), r"\d")
        opened = await say(words["open"])
        received = await say(_payload(opened, "order_number"))
        problems = await say(_payload(received, "/affirm"))
        resolution = await say(_payload(problems, '"damaged"'))
        await say(_payload(resolution, '"full_refund"'))  # then the description question
        evidence = await say(words["description"])
        summary = await say(_payload(evidence, "/deny"))
        filed = await say(_payload(summary, "/affirm"))
        _expect_any(filed, r"\b\d{12}\b")
        _expect_any(await say(words["status"]), r"\b\d{12}\b")
        _expect_any(await say(words["refund_time"]), r"10")
        await say(words["bye"])

    return conversation
