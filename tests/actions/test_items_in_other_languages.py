"""A buyer writing Spanish, Portuguese, French or Russian names an order by its item in their words, and the demo
marketplace's titles are English: the action server matches them through the multilingual encoder; an English
conversation matches words only, as before."""
from __future__ import annotations

from support.action_runs import svc, tracker  # noqa: F401 (svc: a fixture)

from actions.common import orders_in_words


def test_an_item_named_in_spanish_picks_its_order_and_english_conversations_are_unchanged(svc):  # noqa: F811
    summaries = svc.disputes.list_orders("anna")
    spanish = tracker("inform", "los auriculares", slots={"language": "es"})
    [earbuds] = orders_in_words(spanish, summaries)
    assert "earbuds" in earbuds.order.item
    assert orders_in_words(tracker("inform", "los auriculares"), summaries) == []
    assert orders_in_words(tracker("inform", "sin fotos", slots={"language": "es"}), summaries) == []


def test_an_order_named_with_the_word_dispute_starts_the_dispute_rather_than_asking(svc):  # noqa: F811
    """"dispute for order 8190...", read as a bare answer (inform): the dispute starts at once, in any language; a
    bare order number still gets its protection and the question."""
    from actions.triage import ActionTriage
    from support.action_runs import run, slots_of

    for text in ("dispute for order 8190334512007782", "disputa del pedido 8190334512007782",
                 "litige pour la commande 8190334512007782", "спор по заказу 8190334512007782"):
        events, _ = run(ActionTriage(), tracker("inform", text, entities=[("order_number", "8190334512007782")]))
        assert slots_of(events).get("can_start_dispute") is True, text
    events, messages = run(ActionTriage(), tracker("inform", "8190334512007782",
                                                   entities=[("order_number", "8190334512007782")]))
    assert slots_of(events).get("pending_action") == "open:8190334512007782"
