"""Dispute news is written in the buyer's language: every event type and variant goes through the catalogue as
one whole sentence (pseudo-translated, nothing of it is left in English), and its buttons too."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.i18n import formatting
from bot.notifications.push import PushEvent, push_buttons, push_text
from tests.support.pseudo_locale import pseudo_translated, untranslated

ITEM = "Men's running shoes"
VARIANTS = [
    ("seller_accepted", "seller", {}),
    ("seller_rejected", "seller", {}),
    ("seller_rejected", "seller", {"note": "size chart"}),
    ("escalated", "system", {}),
    ("escalated", "seller", {}),
    ("decided", "agent", {"in_buyers_favour": True}),
    ("decided", "agent", {"in_buyers_favour": True, "note": "photos"}),
    ("decided", "agent", {"in_buyers_favour": False}),
    ("decided", "agent", {"in_buyers_favour": False, "note": "photos"}),
    ("refund_issued", "system", {"amount": "12.50"}),
    ("refund_issued", "system", {"amount": "12.50", "expected_by": "2026-03-10"}),
    ("opened", "system", {}),
    ("modified", "system", {}),
    ("cancelled", "system", {}),
    ("evidence_added", "system", {}),
] + [("seller_offered", "seller", {"resolution": r, "amount": "5.00", **note})
     for r in ("full_refund", "partial_refund", "another_item", "something_else") for note in ({}, {"note": "sorry"})]


def event(action, actor_kind, detail, language="es"):
    return PushEvent(7, "anna", "604713277435", ITEM, "USD", action, actor_kind, "Maria", detail, language)


@pytest.mark.parametrize("action,actor_kind,detail", VARIANTS)
def test_every_news_variant_is_translated_whole(action, actor_kind, detail):
    allowed = [ITEM, detail.get("note") or ITEM, formatting.money(Decimal("12.50"), "USD", "es"),
               formatting.money(Decimal("5.00"), "USD", "es"), formatting.day(date(2026, 3, 10), "es")]
    with pseudo_translated():
        text = push_text(event(action, actor_kind, detail))
    assert text is not None
    assert untranslated(text, allowed) == [], text
    assert text.count("\u27e6") == 1  # one sentence, not fragments glued together


@pytest.mark.parametrize("action,actor_kind,detail", VARIANTS)
def test_english_news_is_unchanged_by_the_language_field(action, actor_kind, detail):
    with pseudo_translated():
        english = push_text(event(action, actor_kind, detail, "en"))
    assert english == push_text(event(action, actor_kind, detail, "en")) and "\u27e6" not in english


def test_the_offer_buttons_are_translated_and_keep_their_payloads():
    offer = event("seller_offered", "seller", {"resolution": "partial_refund", "amount": "5.00"})
    with pseudo_translated():
        buttons = push_buttons(offer)
    assert [untranslated(b["title"]) for b in buttons] == [[], []]
    assert [b["payload"].split("{")[0] for b in buttons] == ["/accept_offer", "/escalate_dispute"]


def test_spanish_money_and_dates_in_the_buyers_format():
    with pseudo_translated():
        text = push_text(event("refund_issued", "system", {"amount": "12.50", "expected_by": "2026-03-10"}))
    assert formatting.money(Decimal("12.50"), "USD", "es") in text
    assert formatting.day(date(2026, 3, 10), "es") in text
