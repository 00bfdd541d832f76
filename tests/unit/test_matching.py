"""Finding the order a buyer means from their words (bot.disputes.matching), typos included."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from bot.disputes.matching import match_orders
from bot.disputes.model import Order, OrderStatus

NOW = datetime(2026, 3, 2, tzinfo=timezone.utc)


def order(number: int, item: str) -> Order:
    return Order(number, str(number), "anna", "s", item, Decimal("10"), "USD", OrderStatus.DELIVERED, NOW)


KEYBOARD = order(1, "Mechanical keyboard, 87 keys, brown switches")
CHARGER = order(2, "65W GaN USB-C charger, 3 ports")
EARBUDS = order(3, "TWS wireless earbuds, Bluetooth 5.3, black")
ORDERS = [KEYBOARD, CHARGER, EARBUDS]


def test_typos_still_find_the_item():
    assert match_orders(ORDERS, "my keybord is brokn") == [KEYBOARD]
    assert match_orders(ORDERS, "the earbds") == [EARBUDS]


def test_a_word_that_starts_another_is_not_a_typo_of_it():
    assert match_orders(ORDERS, "left one doesnt charge") == []
    assert match_orders(ORDERS, "the charger") == [CHARGER]
