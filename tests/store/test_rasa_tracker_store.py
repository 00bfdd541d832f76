"""Rasa's conversation store with recent sessions cached (bot.rasa.tracker_store) returns what Rasa's own SQL
tracker store returns, also when another Rasa process writes the same conversation in between. SQLite always;
PostgreSQL when TEST_DATABASE_URL is set."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot.patches import rasa as rasa_patches
from bot.rasa import tracker_store as rasa_tracker_store
from bot.rasa.tracker_store import CachedSQLTrackerStore
from conftest import PG_URL, _drop_pg_schema, _pg_schema

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, ask_status]
slots:
  order_number:
    type: text
    mappings: [{type: custom}]
""")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'conversations.db'}"
        return
    yield from _pg_store_url()


@pytest.fixture
def pg_store_url():
    yield from _pg_store_url()


def _pg_store_url():
    if not PG_URL:
        pytest.skip("PostgreSQL store tests need TEST_DATABASE_URL (CI sets it; .ci/run shows the value)")
    schema = _pg_schema()
    yield f"{PG_URL}?options=-csearch_path%3D{schema.schema}"
    _drop_pg_schema(schema)


def _stores(url, count=1):
    return [CachedSQLTrackerStore(domain=DOMAIN, host=url) for _ in range(count)]


def _turn(text: str, at: float, slot: str = None):
    events = [UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at)]
    if slot:
        events.append(SlotSet("order_number", slot, timestamp=at + 0.1))
    events += [ActionExecuted("utter_greet", timestamp=at + 0.2), ActionExecuted("action_listen", timestamp=at + 0.3)]
    return events


async def _add_turn(store, sender: str, text: str, at: float, slot: str = None) -> DialogueStateTracker:
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    for event in _turn(text, at, slot):
        tracker.update(event)
    await store.save(tracker)
    return tracker


def _texts(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_same_tracker_as_rasas_store_and_readable_by_it(store_url):
    async def scenario():
        (cached,) = _stores(store_url)
        sender = f"web:{uuid.uuid4().hex}"
        for i, text in enumerate(["hi", "where is my order", "thanks"]):
            await _add_turn(cached, sender, text, 1000.0 + i, slot=f"80{i}")
        rasa_own = SQLTrackerStore(domain=DOMAIN, host=store_url)
        expected = await rasa_own.retrieve(sender)
        got = await cached.retrieve(sender)
        assert got is not None and expected is not None
        assert [e.as_dict() for e in got.events] == [e.as_dict() for e in expected.events]
        assert _texts(got) == ["hi", "where is my order", "thanks"]
        assert got.get_slot("order_number") == "802"
        # Rasa's own store adds a turn; the cached one picks it up (only rows it had not seen).
        await _add_turn(rasa_own, sender, "one more", 1010.0)
        assert _texts(await cached.retrieve(sender)) == ["hi", "where is my order", "thanks", "one more"]

    asyncio.run(scenario())


def test_two_processes_take_turns_on_one_conversation(store_url):
    async def scenario():
        first, second = _stores(store_url, 2)
        sender = f"tg:{uuid.uuid4().hex}"
        await _add_turn(first, sender, "hello", 2000.0)
        await _add_turn(second, sender, "my order 801", 2001.0, slot="801")
        await _add_turn(first, sender, "status please", 2002.0)
        await _add_turn(second, sender, "bye", 2003.0)
        for store in (first, second, SQLTrackerStore(domain=DOMAIN, host=store_url)):
            tracker = await store.retrieve(sender)
            assert _texts(tracker) == ["hello", "my order 801", "status please", "bye"]
            assert tracker.get_slot("order_number") == "801"
        # Nothing was stored twice.
        full = await SQLTrackerStore(domain=DOMAIN, host=store_url).retrieve_full_tracker(sender)
        assert len(full.events) == 4 * 3 + 1

    asyncio.run(scenario())


def test_a_new_session_cuts_the_conversation_as_rasa_does(store_url):
    async def scenario():
        (cached,) = _stores(store_url)
        sender = f"web:{uuid.uuid4().hex}"
        await _add_turn(cached, sender, "old session", 3000.0, slot="111")
        tracker = await cached.retrieve(sender)
        tracker.update(ActionExecuted("action_session_start", timestamp=3100.0))
        tracker.update(SessionStarted(timestamp=3100.1))
        tracker.update(ActionExecuted("action_listen", timestamp=3100.2))
        for event in _turn("new session", 3101.0):
            tracker.update(event)
        await cached.save(tracker)
        got = await cached.retrieve(sender)
        expected = await SQLTrackerStore(domain=DOMAIN, host=store_url).retrieve(sender)
        assert [e.as_dict() for e in got.events] == [e.as_dict() for e in expected.events]
        assert _texts(got) == ["new session"]
        assert got.get_slot("order_number") is None
        await _add_turn(cached, sender, "and again", 3102.0)
        assert _texts(await cached.retrieve(sender)) == ["new session", "and again"]

    asyncio.run(scenario())


def test_a_failed_save_leaves_nothing_stale(store_url, monkeypatch):
    async def scenario():
        (cached,) = _stores(store_url)
        sender = f"web:{uuid.uuid4().hex}"
        await _add_turn(cached, sender, "first", 4000.0)
        tracker = await cached.retrieve(sender)
        for event in _turn("lost", 4001.0):
            tracker.update(event)

        def failing_session():
            session = real_sessionmaker()

            def commit():
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

            session.commit = commit
            return session

        real_sessionmaker = cached.sessionmaker
        monkeypatch.setattr(cached, "sessionmaker", failing_session)
        with pytest.raises(OperationalError):
            await cached.save(tracker)
        monkeypatch.setattr(cached, "sessionmaker", real_sessionmaker)
        assert _texts(await cached.retrieve(sender)) == ["first"]
        await _add_turn(cached, sender, "second", 4002.0)
        assert _texts(await cached.retrieve(sender)) == ["first", "second"]

    asyncio.run(scenario())


def test_idle_and_excess_conversations_leave_the_cache(store_url, monkeypatch):
    async def scenario():
        monkeypatch.setattr(rasa_tracker_store, "CACHE_CONVERSATIONS", 3)
        (cached,) = _stores(store_url)
        senders = [f"web:{uuid.uuid4().hex}" for _ in range(5)]
        for i, sender in enumerate(senders):
            await _add_turn(cached, sender, f"hello {i}", 5000.0 + i)
        assert list(cached._sessions) == senders[2:]
        assert _texts(await cached.retrieve(senders[0])) == ["hello 0"]
        monkeypatch.setattr(rasa_tracker_store, "CACHE_IDLE_SECONDS", -1.0)
        cached._sessions[senders[4]].rows.clear()  # a stale entry is never used once idle
        assert _texts(await cached.retrieve(senders[4])) == ["hello 4"]

    asyncio.run(scenario())


def test_a_failed_read_fails_the_turn_instead_of_a_blank_conversation(store_url, monkeypatch):
    """Rasa's FailSafeTrackerStore answered a failed read with no tracker: the buyer's form was gone for that
    turn and the turn was never stored (`make faults`, database refusing connections)."""
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    [store] = _stores(store_url)
    assert isinstance(Agent._create_tracker_store(store, DOMAIN), FailSafeTrackerStore)  # Rasa, left alone
    rasa_patches.install()  # undone after the test (the autouse fixture in tests/conftest.py)
    assert Agent._create_tracker_store(store, DOMAIN) is store
    assert isinstance(Agent._create_tracker_store(InMemoryTrackerStore(DOMAIN), DOMAIN), FailSafeTrackerStore)

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("could not connect to server"))

    monkeypatch.setattr(store, "_current", unreachable)
    with pytest.raises(OperationalError):
        asyncio.run(store.retrieve("anna"))


@pytest.mark.postgres
def test_a_terminated_connection_is_replaced_not_failed(pg_store_url):
    from sqlalchemy import create_engine, text

    async def scenario():
        [store] = _stores(pg_store_url)
        await _add_turn(store, "anna", "hello", 1000.0)
        with store.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        admin.dispose()
        store._forget("anna")  # read from the database, through the pool holding the dead connection
        tracker = await store.retrieve("anna")
        assert _texts(tracker) == ["hello"]

    asyncio.run(scenario())
