"""Rasa's conversation store (bot.rasa.tracker_store) hands each stored turn's events to the event broker: once,
in order, after the commit; a broker that has not seen the conversation gets its earlier events first; a broker
that raises never fails the save."""
from __future__ import annotations

import uuid

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet, deny]\n')


class RecordingBroker:
    def __init__(self, knows=False, fail=False):
        self.published, self.caught_up, self.knows, self.fail = [], [], knows, fail

    def publish(self, event):
        if self.fail:
            raise RuntimeError("broken broker")
        self.published.append(event)

    def needs_history(self, sender_id):
        return not self.knows

    def catch_up(self, sender_id, events):
        self.caught_up.append((sender_id, events))
        self.knows = True


async def _turn(store, sender, text, at):
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    for event in (UserUttered(text, {"name": "greet", "confidence": 0.9}, timestamp=at),
                  ActionExecuted("utter_greet", timestamp=at + 0.1), BotUttered("hi", timestamp=at + 0.2),
                  ActionExecuted("action_listen", timestamp=at + 0.3)):
        tracker.update(event)
    await store.save(tracker)


async def test_each_stored_event_is_published_once_in_order(tmp_path):
    broker = RecordingBroker(knows=True)
    store = CachedSQLTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}", event_broker=broker)
    sender = f"web:{uuid.uuid4().hex}"
    await _turn(store, sender, "hello", 1000.0)
    await _turn(store, sender, "hello again", 2000.0)
    assert [(e["event"], e.get("text") or e.get("name")) for e in broker.published] == [
        ("user", "hello"), ("action", "utter_greet"), ("bot", "hi"), ("action", "action_listen"),
        ("user", "hello again"), ("action", "utter_greet"), ("bot", "hi"), ("action", "action_listen")]
    assert all(e["sender_id"] == sender for e in broker.published)
    assert broker.caught_up == []


async def test_a_broker_new_to_the_conversation_gets_its_earlier_events_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    sender = f"web:{uuid.uuid4().hex}"
    await _turn(CachedSQLTrackerStore(domain=DOMAIN, host=url), sender, "first, in another process", 1000.0)
    broker = RecordingBroker()
    await _turn(CachedSQLTrackerStore(domain=DOMAIN, host=url, event_broker=broker), sender, "second", 2000.0)
    [(caught_sender, earlier)] = broker.caught_up
    assert caught_sender == sender
    assert [e.get("text") for e in earlier if e["event"] == "user"] == ["first, in another process"]
    assert [e.get("text") for e in broker.published if e["event"] == "user"] == ["second"]


async def test_a_failing_broker_never_fails_the_save(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    store = CachedSQLTrackerStore(domain=DOMAIN, host=url, event_broker=RecordingBroker(knows=True, fail=True))
    sender = f"web:{uuid.uuid4().hex}"
    await _turn(store, sender, "hello", 1000.0)
    stored = await CachedSQLTrackerStore(domain=DOMAIN, host=url).retrieve(sender)
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["hello"]
