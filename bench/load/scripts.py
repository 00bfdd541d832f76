"""The scripted buyers: what each simulated buyer says, turn by turn, and what a reply must hold. `say(text)` returns
the bot's messages for that turn, whatever the channel (bench.load.traffic)."""
from __future__ import annotations

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
