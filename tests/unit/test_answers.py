"""Typed answers read in the context of the bot's question (bot.conversation.answers): pure functions."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation import answers


@pytest.mark.parametrize("text,said", [
    ("ok yes file it", True), ("Yes, file it", True), ("yep go ahead", True), ("sure", True), ("YES", True),
    ("nope", False), ("No, change something", False), ("no wait", False),
    ("before i say yes, how long does a refund usually take?", None), ("the dress!! the one we just did", None),
    ("yes but no", None),
])
def test_yes_or_no(text, said):
    assert answers.yes_or_no(text) is said


def test_the_verb_asked_about_is_not_a_no():
    assert answers.yes_or_no("yes cancel", verb="cancel") is True
    assert answers.yes_or_no("yes cancel") is None


@pytest.mark.parametrize("text,said", [
    ("no photos", "none"), ("skip", "none"), ("No photos", "none"), ("dont have any", "none"),
    ("later", "later"), ("i'll send pics later tonight", "later"), ("gonna send photos tomorrow", "later"),
    ("here is a picture", None),
])
def test_photos_answer(text, said):
    assert answers.photos_answer(text) == said


@pytest.mark.parametrize("text,resolution", [
    ("another one in black please", "another_item"), ("i want my money back", "full_refund"),
    ("can i keep it and get some money back?", "partial_refund"), ("Send another item", "another_item"),
    ("Partial refund (keep the item)", "partial_refund"), ("forget the replacement, just refund me fully", "full_refund"),
    ("i want one with the right switches sent instead", "another_item"), ("the zip broke", None),
])
def test_resolution_in_buyers_words(text, resolution):
    assert answers.resolution_in(text) == resolution


@pytest.mark.parametrize("text,bare,amount", [
    ("$5", False, "5"), ("5 dollars", False, "5"), ("partial refund of $5", False, "5"), ("ugh. 29.95", True, "29.95"),
    ("half", True, "11.00"), ("all of it", True, "22.00"), ("5,50 €", False, "5.50"), ("ten", True, None),
    ("order 8190334512007790 keyboard: 3 keys are dead", False, None), ("3 keys are dead", True, "3"),
    ("i want to keep it but want 10 dollars back", False, "10"),
    ("no change the amount to 6", False, "6"), ("make it 6", False, "6"), ("i waited 6 days", False, None),
])
def test_amounts(text, bare, amount):
    found = answers.amount_in(text, Decimal("22.00"), bare_numbers=bare)
    assert (None if found is None else found.normalize()) == (None if amount is None else Decimal(amount).normalize())


def test_corrections_and_skips():
    assert answers.new_description("the description should say the zip broke on day one") == "the zip broke on day one"
    assert answers.new_description("change the description to: ordered 45 days ago") == "ordered 45 days ago"
    assert answers.new_description("the zip broke") is None
    assert answers.problems_denied("actually it's the size, not the colour") == {"color_mismatch"}
    assert answers.skips("nothing to add") and answers.skips("no.") and not answers.skips("no sound at all")


def test_positions_and_stops():
    assert answers.position_in("the second one") == 1 and answers.position_in("last one") == -1
    assert answers.position_in("2") == 1 and answers.position_in("my last order") is None
    assert answers.explicit_stop("stop") and answers.explicit_stop("forget it, i'll do it later")
    assert not answers.explicit_stop("the hinge on the case lid is snapped and it wont close anymore")


def test_wrong_item_settles_the_mismatches():
    assert answers.settle_wrong_item("got a completely different shirt, blue", ["color_mismatch", "wrong_item"]) == \
        ["wrong_item"]
    assert answers.settle_wrong_item("came in size S instead of M", ["size_mismatch", "wrong_item"]) == \
        ["size_mismatch"]
    assert answers.settle_wrong_item("it is damaged", ["damaged"]) == ["damaged"]
