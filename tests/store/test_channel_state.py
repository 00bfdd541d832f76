"""Channel state in the store: update ids handled once (across restarts and processes), dispute news pushed
once per recipient, failed pushes retried a bounded number of times. SQLite, and PostgreSQL when configured."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.notifications.push import MAX_ATTEMPTS, Notifier
from bot.store.channel_state import KEEP_UPDATE_IDS, SqlChannelState


def test_an_update_id_is_claimed_once_even_after_a_restart(engine, clock):
    first = SqlChannelState(engine, clock)
    assert first.claim_update("telegram", 1001) is True
    assert first.claim_update("telegram", 1001) is False
    assert first.claim_update("other", 1001) is True  # ids are per channel
    restarted = SqlChannelState(engine, clock)
    assert restarted.claim_update("telegram", 1001) is False
    assert restarted.claim_update("telegram", 2**40) is True  # Telegram ids outgrow 32 bits


def test_old_update_ids_are_pruned(engine, clock):
    state = SqlChannelState(engine, clock)
    state.claim_update("telegram", 1)
    clock.advance(seconds=(KEEP_UPDATE_IDS + timedelta(hours=1)).total_seconds())
    state.claim_update("telegram", 2)
    assert state.prune() == 1
    assert state.claim_update("telegram", 2) is False


def _reject_news(world, service, buyer="anna"):
    number = world.order(buyer, item="Blue kettle")
    details = service.open_dispute(buyer, number, received=True, problems=["damaged"], description="dented")
    service.seller_reject("s-1", details.dispute.number, "no dents when it left")
    return details.dispute.number


def _link(accounts, buyer, external_id):
    accounts.redeem_link_code(accounts.issue_link_code(buyer), "telegram", external_id)


def test_news_is_pushed_once_to_each_linked_chat_and_not_from_before_the_first_start(
        engine, clock, world, service, accounts):
    world.buyer("anna")
    _link(accounts, "anna", "111")
    old = _reject_news(world, service)  # before any notifier ran: not pushed
    sent = []

    async def send(chat, text):
        sent.append((chat, text))

    gateways = [Notifier("telegram", SqlChannelState(engine, clock), send, 1) for _ in range(2)]
    assert asyncio.run(gateways[0].run_once()) == 0
    _link(accounts, "anna", "222")  # a second Telegram account of the same buyer
    new = _reject_news(world, service)
    for notifier in gateways + gateways:  # two gateways, two rounds each
        asyncio.run(notifier.run_once())
    assert sorted(chat for chat, _ in sent) == ["111", "222"]
    assert all(new in text and "rejected" in text and "no dents" in text for _, text in sent)
    assert not any(old in text for _, text in sent)


def test_a_failed_push_is_retried_then_given_up(engine, clock, world, service, accounts):
    world.buyer("anna")
    _link(accounts, "anna", "111")
    attempts = []

    async def failing(chat, text):
        attempts.append(chat)
        raise ConnectionError("telegram unreachable")

    notifier = Notifier("telegram", SqlChannelState(engine, clock), failing, 1)
    asyncio.run(notifier.run_once())
    _reject_news(world, service)
    for _ in range(MAX_ATTEMPTS + 3):
        asyncio.run(notifier.run_once())
    assert len(attempts) == MAX_ATTEMPTS

    delivered = []

    async def working(chat, text):
        delivered.append(text)

    # A later event still goes out once the channel works again.
    healed = Notifier("telegram", SqlChannelState(engine, clock), working, 1)
    number = _reject_news(world, service)
    asyncio.run(healed.run_once())
    assert len(delivered) == 1 and number in delivered[0]


def test_web_news_goes_to_the_buyers_recently_used_sessions_newest_first(engine, clock, world):
    from bot.store.channel_state import WEB_SESSIONS_MAX, WEB_SESSIONS_RECENT
    from bot.store.transcripts import SqlWebSessions

    world.buyer("anna"), world.buyer("ben")
    sessions = SqlWebSessions(engine, clock)
    state = SqlChannelState(engine, clock)
    sessions.bind("anna-old-session", "anna")
    clock.advance(seconds=(WEB_SESSIONS_RECENT + timedelta(days=1)).total_seconds())
    for n in range(WEB_SESSIONS_MAX + 1):
        sessions.bind(f"anna-session-{n}", "anna")
        clock.advance(seconds=60)
    sessions.bind("ben-session-1", "ben")
    sessions.start_guest("guest-session-1", "0" * 64)
    assert state.recipients("web", "anna") == [f"anna-session-{n}" for n in range(WEB_SESSIONS_MAX, 0, -1)]
    # Using a session again (a reload binds it again) brings it back to the front, even an old one.
    sessions.bind("anna-old-session", "anna")
    assert state.recipients("web", "anna")[0] == "anna-old-session"
    assert state.recipients("web", "ben") == ["ben-session-1"]
    assert "anna-session-0" not in state.recipients("telegram", "anna")  # Telegram reads linked chats only
