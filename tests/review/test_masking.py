"""Masking what buyers wrote before it joins the training data (bot.review.masking)."""
from __future__ import annotations

import re

import pytest

from bot.review.masking import EMAIL_STAND_IN, PHONE_STAND_IN, mask


def test_order_and_dispute_numbers_keep_their_shape_but_not_their_digits():
    text = "order 8190334512007781 has dispute 500123456789, and order 8190334512007792 too"
    masked = mask(text)
    orders = re.findall(r"(?<!\d)\d{16}(?!\d)", masked)
    disputes = re.findall(r"(?<!\d)\d{12}(?!\d)", masked)
    assert len(orders) == 2 and len(disputes) == 1
    assert not {"8190334512007781", "8190334512007792", "500123456789"} & set(orders + disputes)
    assert orders[0] != orders[1]
    assert re.sub(r"\d", "9", masked) == re.sub(r"\d", "9", text)  # same shape around them
    assert mask(text) == masked  # the same text masks the same way (no duplicate on a second export)


def test_emails_and_phone_numbers_become_stand_ins():
    masked = mask("write to anna.k+shop@mail.example.org or call +48 601-234-567, (555) 123 4567 or 555.123.4567")
    assert masked == (f"write to {EMAIL_STAND_IN} or call {PHONE_STAND_IN}, {PHONE_STAND_IN} or {PHONE_STAND_IN}")


def test_amounts_counts_and_dates_stay():
    for text in ["refund 25.00 of 12.50 please", "2 items, 3 days late, 15 days left", "on 12/03/2026 at 10:30"]:
        assert mask(text) == text


@pytest.mark.parametrize("text, expected", [
    ("hi, Anna Kowalski here", "hi, Sam Lee here"),
    ("anna here, kowalski is my surname", "Sam here, Lee is my surname"),
    ("my name is john smith and i'm still waiting", "my name is Sam Lee and i'm still waiting"),
    ("My name's Oksana", "My name's Sam"),
    ("Hi, I'm Maria and my lamp broke", "Hi, I'm Sam and my lamp broke"),
    ("this is Pedro Alvarez, order 1234", "this is Sam Lee, order 1234"),
    ("I'm still waiting", "I'm still waiting"),
    ("I'm Very Upset about this", "I'm Very Upset about this"),
    ("i am so angry", "i am so angry"),
])
def test_names_the_store_knows_and_names_buyers_give(text, expected):
    assert mask(text, ["Anna Kowalski"]) == expected
