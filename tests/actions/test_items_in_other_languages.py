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
