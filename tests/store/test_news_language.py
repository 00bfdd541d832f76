"""The news of a dispute is read with its buyer's language (buyers.language), so it is written in it."""
from __future__ import annotations

from sqlalchemy import update

from bot.store import tables as t
from bot.store.channel_state import SqlChannelState


def test_news_events_carry_the_buyers_language(engine, clock, world, service):
    world.buyer("anna")
    world.buyer("ben")
    state = SqlChannelState(engine, clock)
    state.new_events("telegram", 10)  # the first call starts the cursor at the latest event
    with engine.begin() as conn:
        conn.execute(update(t.buyers).where(t.buyers.c.id == "anna").values(language="es"))
    for buyer in ("anna", "ben"):
        number = world.order(buyer, item="Blue kettle")
        details = service.open_dispute(buyer, number, received=True, problems=["damaged"], description="dented")
        service.seller_reject("s-1", details.dispute.number, "no dents")
    languages = {e.buyer_id: e.language for e in state.new_events("telegram", 100)}
    assert languages == {"anna": "es", "ben": "en"}
