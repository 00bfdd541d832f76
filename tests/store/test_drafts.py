"""Dispute drafts in the store: kept per buyer and order until filed, dropped when the order can no longer get one,
never readable or writable across buyers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.disputes.errors import DomainError


def test_a_draft_is_kept_replaced_and_dropped_when_filed(service, world):
    world.buyer("anna")
    order = world.order("anna")
    service.save_draft("anna", order, {"dispute_order": order, "problems": ["damaged"]})
    service.save_draft("anna", order, {"dispute_order": order, "problems": ["damaged"], "resolution": "full_refund"})
    drafts = service.open_drafts("anna")
    assert [d.fields["resolution"] for d in drafts] == ["full_refund"]
    service.open_dispute("anna", order, received=True, problems=["damaged"])
    assert service.open_drafts("anna") == []


def test_newest_first_and_stale_drafts_dropped(service, world, clock):
    world.buyer("anna")
    older, newer = world.order("anna"), world.order("anna")
    short = world.order("anna", days_left=16)
    service.save_draft("anna", older, {"dispute_order": older})
    clock.advance(seconds=60)
    service.save_draft("anna", newer, {"dispute_order": newer})
    service.save_draft("anna", short, {"dispute_order": short})
    clock.set(clock.now() + timedelta(days=2))  # the short one is now under 15 days
    assert [d.order_number for d in service.open_drafts("anna")] == [newer, older]
    assert short not in [d.order_number for d in service.open_drafts("anna")]


def test_a_buyer_cannot_keep_a_draft_on_another_buyers_order(service, world):
    world.buyer("anna"), world.buyer("ben")
    bens = world.order("ben")
    with pytest.raises(DomainError):
        service.save_draft("anna", bens, {"dispute_order": bens})
    assert service.open_drafts("anna") == [] and service.open_drafts("ben") == []


def test_discard(service, world):
    world.buyer("anna")
    order = world.order("anna")
    service.save_draft("anna", order, {})
    service.discard_draft("anna", order)
    assert service.open_drafts("anna") == []
