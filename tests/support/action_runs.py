"""Running actions as rasa-sdk runs them (Tracker in, events and messages out) on a real, seeded SQLite store."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.common as common
from bot.composition import build_services
from bot.disputes.clock import SystemClock
from bot.settings import Settings
from bot.store import migrate, seed


@pytest.fixture
def svc(tmp_path):
    """The demo data in a store of its own, used by the actions for the test."""
    services = build_services(Settings.from_env({"VAR_DIR": str(tmp_path)}))
    migrate.upgrade(services.engine)
    seed.seed(services.engine, SystemClock(), services.settings.rules, services.evidence)
    common.use_services(services)
    yield services
    common.use_services(None)
    services.close()


def tracker(intent="inform", text="", entities=(), buyer="anna", slots=None, events=None, sender="c1"):
    metadata = {"buyer_id": buyer} if buyer else {}
    latest = {"intent": {"name": intent, "confidence": 1.0}, "intent_ranking": [{"name": intent, "confidence": 1.0}],
              "text": text, "metadata": metadata,
              "entities": [{"entity": e, "value": v} for e, v in entities]}
    return Tracker(sender, dict(slots or {}), latest, list(events or []), False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)
