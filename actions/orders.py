"""Orders and the Buyer Protection timer."""
from __future__ import annotations

from typing import List

from rasa_sdk import Action
from rasa_sdk.events import EventType

from .common import entity_values, needs_buyer, orders_in_words, services, translated
from .replies import orders_text, protection_text


class ActionListOrders(Action):
    def name(self) -> str:
        return "action_list_orders"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        dispatcher.utter_message(text=orders_text(_, services().disputes.list_orders(buyer)))
        return []


class ActionCheckProtection(Action):
    """Days left for the order the buyer names (number, item or 'my last order'), or for all of them."""

    def name(self) -> str:
        return "action_check_protection"

    @needs_buyer
    async def run(self, dispatcher, tracker, domain, buyer) -> List[EventType]:
        _ = translated(tracker)
        disputes = services().disputes
        summaries = disputes.list_orders(buyer)
        numbers = entity_values(tracker, "order_number")
        # A number is looked up as such (a foreign or unknown one gets its own answer); otherwise the words.
        chosen = [disputes.order_summary(buyer, numbers[0])] if numbers else orders_in_words(tracker, summaries)
        min_days = services().settings.rules.min_protection_days
        if len(chosen) == 1:
            dispatcher.utter_message(text=protection_text(_, chosen[0], min_days))
        else:
            dispatcher.utter_message(text=orders_text(_, summaries))
            dispatcher.utter_message(text=_("A dispute can be opened while at least {min_days} days of Buyer "
                                            "Protection are left.", min_days=min_days))
        return []
