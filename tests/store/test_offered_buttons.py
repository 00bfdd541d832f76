"""Offered buttons in the store: per conversation, kept across restarts, bounded, pruned when old."""
from __future__ import annotations

from bot.channels.payloads import OfferedPayloads, payload_key
from bot.store.offered import KEEP_DAYS, KEEP_PER_CONVERSATION, SqlOfferedButtons


def _offer(payloads, conversation, *payload_titles):
    payloads.remember(conversation, [{"buttons": [{"title": t, "payload": p} for p, t in payload_titles]}])


def test_offers_are_per_conversation_and_survive_a_restart(engine, clock):
    first = OfferedPayloads(SqlOfferedButtons(engine, clock))
    _offer(first, "c1", ('/inform{"order_number":"1"}', "Earbuds"), ("/affirm", "Yes"))
    restarted = OfferedPayloads(SqlOfferedButtons(engine, clock))
    assert restarted.admit("c1", ' /inform{"order_number":"1"} ') == '/inform{"order_number":"1"}'
    assert restarted.admit_with_title("c1", "/affirm") == ("/affirm", "Yes")
    assert restarted.payload_for_key("c1", payload_key("/affirm")) == "/affirm"
    assert restarted.admit("c2", "/affirm") == "affirm"  # another conversation was never offered it
    assert restarted.admit("c1", '/inform{"order_number":"2"}') == 'inform{"order_number":"2"}'
    assert restarted.payload_for_key("c1", "forged") is None


def test_only_the_latest_offers_are_kept_and_old_ones_pruned(engine, clock):
    store = SqlOfferedButtons(engine, clock)
    payloads = OfferedPayloads(store)
    for i in range(KEEP_PER_CONVERSATION + 5):
        clock.advance(seconds=1)
        _offer(payloads, "c1", ('/inform{"n":%d}' % i, f"#{i}"))
    assert store.count("c1") == KEEP_PER_CONVERSATION
    assert payloads.admit("c1", '/inform{"n":0}') == 'inform{"n":0}'  # the oldest went
    clock.advance(seconds=(KEEP_DAYS + 1) * 86400)
    assert store.prune() == KEEP_PER_CONVERSATION and store.count("c1") == 0


def test_an_offer_made_again_is_refreshed_not_duplicated(engine, clock):
    store = SqlOfferedButtons(engine, clock)
    payloads = OfferedPayloads(store)
    _offer(payloads, "c1", ("/affirm", "Yes"), ("/deny", "No"))
    for i in range(KEEP_PER_CONVERSATION - 2):
        clock.advance(seconds=1)
        _offer(payloads, "c1", ('/inform{"n":%d}' % i, f"#{i}"))
    clock.advance(seconds=1)
    _offer(payloads, "c1", ("/affirm", "Yes, file it"), ("/affirm", "Yes, file it"))  # again, even twice in one
    assert store.count("c1") == KEEP_PER_CONVERSATION
    clock.advance(seconds=1)
    _offer(payloads, "c1", ("/inform{\"n\":999}", "#999"))
    assert payloads.admit_with_title("c1", "/affirm") == ("/affirm", "Yes, file it")  # refreshed, so kept
    assert payloads.admit("c1", "/deny") == "deny"  # the oldest went


def test_a_typed_button_title_counts_as_a_tap_of_the_latest_buttons_only(engine, clock):
    payloads = OfferedPayloads(SqlOfferedButtons(engine, clock))
    _offer(payloads, "c1", ("/affirm", "Yes, cancel it"), ("/deny", "No, keep it"))
    assert payloads.admit_with_title("c1", "yes, cancel it!!") == ("/affirm", "Yes, cancel it")
    assert payloads.admit_with_title("c1", "NO KEEP IT") == ("/deny", "No, keep it")
    clock.advance(seconds=1)
    _offer(payloads, "c1", ('/inform{"resolution":"partial_refund"}', "Partial refund (keep the item)"))
    # the title before its parenthesis works; the earlier reply's buttons no longer do
    assert payloads.admit("c1", "partial refund") == '/inform{"resolution":"partial_refund"}'
    assert payloads.admit("c1", "Yes, cancel it") == "Yes, cancel it"
    assert payloads.admit("c2", "partial refund") == "partial refund"  # another conversation's buttons
    assert payloads.admit("c1", "a partial refund would be fine i guess") == "a partial refund would be fine i guess"


def test_a_reply_without_buttons_retires_the_typed_titles_of_earlier_ones(engine, clock):
    payloads = OfferedPayloads(SqlOfferedButtons(engine, clock))
    _offer(payloads, "c1", ("/affirm", "Yes, file it"))
    clock.advance(seconds=1)
    payloads.remember("c1", [{"text": "Done: dispute 1 is open.", "buttons": []}])
    assert payloads.admit("c1", "yes file it") == "yes file it"  # read as text, not a stale tap
    assert payloads.admit("c1", "/affirm") == "/affirm"  # the tap itself still works, as before
