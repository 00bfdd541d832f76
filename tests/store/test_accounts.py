"""Link codes, channel identities and agent tokens."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.disputes.errors import BuyerNotFound, InvalidInput, LinkCodeInvalid
from bot.disputes.model import AgentRole
from bot.store import tables as t


def test_link_code_links_once_and_expires(accounts, world, clock):
    world.buyer("anna")
    code = accounts.issue_link_code("anna")
    assert len(code) == 8
    assert accounts.buyer_for_channel_user("telegram", "111") is None
    assert accounts.redeem_link_code(code.lower(), "telegram", "111") == "anna"
    assert accounts.buyer_for_channel_user("telegram", "111") == "anna"
    with pytest.raises(LinkCodeInvalid):
        accounts.redeem_link_code(code, "telegram", "222")
    late = accounts.issue_link_code("anna")
    clock.advance(minutes=16)
    with pytest.raises(LinkCodeInvalid):
        accounts.redeem_link_code(late, "telegram", "333")
    for junk in ("", "x" * 5000, None, "'; DELETE FROM link_codes;--"):
        with pytest.raises(LinkCodeInvalid):
            accounts.redeem_link_code(junk, "telegram", "444")


def test_relinking_moves_the_channel_user(accounts, world):
    world.buyer("anna")
    world.buyer("ben")
    accounts.redeem_link_code(accounts.issue_link_code("anna"), "telegram", "7")
    accounts.redeem_link_code(accounts.issue_link_code("ben"), "telegram", "7")
    assert accounts.buyer_for_channel_user("telegram", "7") == "ben"


def test_codes_are_stored_only_as_hashes(accounts, world, engine):
    world.buyer("anna")
    code = accounts.issue_link_code("anna")
    with engine.connect() as conn:
        stored = conn.execute(select(t.link_codes.c.code_hash)).scalars().all()
    assert stored and code not in stored[0]
    with pytest.raises(BuyerNotFound):
        accounts.issue_link_code("nobody")


def test_agent_tokens(accounts, engine):
    agent, token = accounts.create_agent("Dana", "dispute_team")
    assert agent.role is AgentRole.DISPUTE_TEAM
    assert accounts.agent_for_token(token) == agent
    assert accounts.agent_for_token(token + "x") is None
    assert accounts.agent_for_token(None) is None
    with engine.connect() as conn:
        assert token not in conn.execute(select(t.agents.c.token_hash)).scalar_one()
    with pytest.raises(InvalidInput):
        accounts.create_agent("Eve", "superuser")
