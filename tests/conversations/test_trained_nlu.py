"""The trained model (models/dispute-assistant.tar.gz, built by `make model`) parses what buyers may send:
other languages and scripts, emoji only, nothing, very long text. None of it may crash the pipeline, and every
parse carries an intent, a ranking and problem codes that are valid codes."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.disputes.problems import ProblemCode

MODEL = Path(__file__).resolve().parents[2] / "models" / "dispute-assistant.tar.gz"
TEXTS = [
    "mi pedido nunca llegó y el vendedor no contesta",
    "хочу поговорить с оператором",
    "cadê o meu reembolso?",
    "où en est mon litige ?",
    "我的包裹没有到",
    "طلبي لم يصل",
    "🤬🤬📦❌",
    "",
    "   ",
    ("the seller sent the wrong size and never answers my messages, " * 70)[:4000],
    "my parcel never arrived",
]


@pytest.fixture(scope="module")
def agent():
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first (make model)")
    from rasa.core.agent import Agent

    return Agent.load(str(MODEL))


@pytest.fixture(scope="module")
def parsed(agent):
    async def parse_all():
        return [await agent.parse_message(text) for text in TEXTS]

    return dict(zip(TEXTS, asyncio.run(parse_all())))


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: repr(t[:24]))
def test_any_text_parses_to_an_intent_and_valid_codes(parsed, text):
    result = parsed[text]
    assert result["intent"]["name"], result
    assert 0.0 <= result["intent"]["confidence"] <= 1.0
    codes = {e["value"] for e in result.get("entities", []) if e["entity"] == "problem"}
    assert codes <= {p.value for p in ProblemCode}, codes


def test_the_plain_english_case_is_still_understood(parsed):
    result = parsed["my parcel never arrived"]
    assert result["intent"]["name"] == "open_dispute"
    assert "not_received" in {e["value"] for e in result["entities"] if e["entity"] == "problem"}
