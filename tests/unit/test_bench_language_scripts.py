"""The load benchmark's conversation typed in other languages taps buttons by payload and checks by numbers."""
from __future__ import annotations

import asyncio

import pytest

from bench.load.scripts import TYPED, Unexpected, typed_dispute_conversation


def fake_bot(file_it: bool = True):
    said = []
    replies = iter([
        [{"text": "3 pedidos"}],
        [{"text": "?", "buttons": [{"title": "x", "payload": '/inform{"order_number":"8190334512007781"}'}]}],
        [{"text": "?", "buttons": [{"title": "s", "payload": "/affirm"}, {"title": "n", "payload": "/deny"}]}],
        [{"text": "?", "buttons": [{"title": "d", "payload": '/inform{"problem":"damaged"}'}]}],
        [{"text": "?", "buttons": [{"title": "f", "payload": '/inform{"resolution":"full_refund"}'}]}],
        [{"text": "?"}],
        [{"text": "?", "buttons": [{"title": "sin fotos", "payload": "/deny"}]}],
        [{"text": "?", "buttons": [{"title": "sí", "payload": "/affirm"}]}],
        [{"text": "Disputa 123456789012 abierta" if file_it else "no"}],
        [{"text": "Disputa 123456789012"}],
        [{"text": "7-10 días hábiles"}],
        [{"text": "chao"}],
    ])

    async def say(text):
        said.append(text)
        return next(replies)
    return say, said


@pytest.mark.parametrize("language", sorted(TYPED))
def test_the_typed_conversation_taps_by_payload_and_types_the_rest(language):
    say, said = fake_bot()
    asyncio.run(typed_dispute_conversation(language)(say))
    words = TYPED[language]
    assert said == [words["orders"], words["open"], '/inform{"order_number":"8190334512007781"}', "/affirm",
                    '/inform{"problem":"damaged"}', '/inform{"resolution":"full_refund"}', words["description"],
                    "/deny", "/affirm", words["status"], words["refund_time"], words["bye"]]


def test_a_conversation_that_files_nothing_is_an_error():
    say, _ = fake_bot(file_it=False)
    with pytest.raises(Unexpected):
        asyncio.run(typed_dispute_conversation("es")(say))
