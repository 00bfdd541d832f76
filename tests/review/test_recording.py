"""The review inbox's event broker fed Rasa's own event dicts (rasa.shared.core.events ... .as_dict()), turn by turn
as bot.rasa.tracker_store publishes them: what is recorded for each reason, nothing for a confident turn, repeats
counted, and a failing database never reaching Rasa's turn."""
from __future__ import annotations

import time
from typing import List, Optional

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered, UserUtteranceReverted
from sqlalchemy import select

from bot.rasa.review_broker import ReviewInboxBroker
from bot.review.recorder import Thresholds
from bot.store import tables as t
from bot.store.review_inbox import SqlReviewInbox
from support.waiting import wait_until

CONVERSATION = "web:anna:tab-1"


def parse(text: str, ranking: List[tuple], fallback: bool = False, problems=(), found=()) -> dict:
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    if fallback:  # what Rasa's FallbackClassifier puts on top
        intents.insert(0, {"name": "nlu_fallback", "confidence": 0.25})
    return {"text": text, "intent": intents[0], "intent_ranking": intents,
            "entities": [{"entity": "problem", "value": code, "start": 0, "end": 1} for code in found],
            "problem_ranking": [{"code": code, "confidence": p} for code, p in problems]}


def turn(text: str, ranking: List[tuple], actions=("utter_ok",), fallback=False, bot_text="Done.", buttons=None,
         slots=(), problems=(), found=(), at: Optional[float] = None, buyer="anna") -> List[dict]:
    at = at or time.time()
    parsed = parse(text, ranking, fallback, problems, found)
    events = [UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed, timestamp=at,
                          metadata={"buyer_id": buyer, "channel": "web"} if buyer else {})]
    for name in actions:
        events.append(ActionExecuted(name, timestamp=at + 0.1))
        if name == "action_fallback":
            events += [BotUttered("Sorry, I didn't get that.", timestamp=at + 0.2),
                       UserUtteranceReverted(timestamp=at + 0.3)]
        else:
            events.append(BotUttered(bot_text, {"buttons": buttons or []}, timestamp=at + 0.2))
    events += [SlotSet(name, value, timestamp=at + 0.3) for name, value in slots]
    events.append(ActionExecuted("action_listen", timestamp=at + 0.4))
    return [{"sender_id": CONVERSATION, **e.as_dict()} for e in events]


CONFIDENT = [("check_refund_status", 0.93), ("check_dispute_status", 0.04), ("faq_refund_time", 0.02)]


@pytest.fixture
def broker(engine, clock):
    store = SqlReviewInbox(engine, clock)
    made = ReviewInboxBroker("unused://", Thresholds(min_confidence=0.6, min_margin=0.1), store_factory=lambda: store)
    made.store = store
    yield made


def play(broker: ReviewInboxBroker, *turns: List[dict]) -> None:
    for events in turns:
        for event in events:
            broker.publish(event)
    assert broker.flush(10), "the writer did not finish"


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(t.review_items).order_by(t.review_items.c.id)).all()


def test_a_confident_turn_records_nothing(broker, engine):
    play(broker, turn("where is my refund", CONFIDENT), turn("thanks", [("thank", 0.97), ("greet", 0.01)]))
    assert rows(engine) == []
    assert broker.recorded == 0


def test_nlu_fallback_is_recorded_with_what_the_classifier_thought(broker, engine):
    play(broker, turn("the thingy is kaput innit", [("open_dispute", 0.21), ("inform", 0.18), ("help", 0.1),
                                                     ("greet", 0.05)],
                      actions=("action_fallback",), fallback=True,
                      problems=[("not_working", 0.35), ("damaged", 0.2)]))
    [row] = rows(engine)
    assert row.text == "the thingy is kaput innit" and row.conversation_id == CONVERSATION
    assert row.reasons == ["fallback", "low_confidence", "ambiguous"]
    assert (row.intent, row.confidence) == ("open_dispute", 0.21)
    assert row.alternatives == [{"intent": "inform", "confidence": 0.18}, {"intent": "help", "confidence": 0.1},
                                {"intent": "greet", "confidence": 0.05}]
    assert [p["code"] for p in row.problems] == ["not_working", "damaged"]
    assert row.status == "pending" and row.repeats == 1 and row.buyer_id is None  # no such buyer in this store


def test_a_fallback_action_alone_counts_as_fallback(broker, engine, world):
    world.buyer("anna", "Anna Kowalski")
    play(broker, turn("yes", [("affirm", 0.99), ("deny", 0.0)], actions=("action_default_fallback",)))
    [row] = rows(engine)
    assert row.reasons == ["fallback"] and row.intent == "affirm" and row.buyer_id == "anna"


def test_low_confidence_and_small_margin(broker, engine):
    play(broker,
         turn("can i get my money now", [("check_refund_status", 0.55), ("faq_refund_time", 0.2)]),
         turn("my dispute about the refund", [("check_dispute_status", 0.7), ("check_refund_status", 0.65)]))
    low, close = rows(engine)
    assert (low.text, low.reasons) == ("can i get my money now", ["low_confidence"])
    assert (close.text, close.reasons) == ("my dispute about the refund", ["ambiguous"])
    assert close.alternatives[0] == {"intent": "check_refund_status", "confidence": 0.65}


def test_the_problem_codes_predicted_are_kept(broker, engine):
    play(broker, turn("the strap snapped and its the wrong colour", [("open_dispute", 0.5), ("inform", 0.3)],
                      problems=[("damaged", 0.81), ("color_mismatch", 0.44), ("wrong_item", 0.2)],
                      found=["damaged", "color_mismatch"]))
    [row] = rows(engine)
    assert row.problems == [{"code": "damaged", "confidence": 0.81, "found": True},
                            {"code": "color_mismatch", "confidence": 0.44, "found": True},
                            {"code": "wrong_item", "confidence": 0.2, "found": False}]


def test_a_no_right_after_the_bot_acted_records_the_message_it_acted_on(broker, engine):
    play(broker, turn("where is my money for the shoes", CONFIDENT, actions=("action_refund_status",),
                      bot_text="Your refund of 25.00 USD was issued on 2 March."),
         turn("no thats not what i asked", [("deny", 0.88), ("affirm", 0.02)]))
    [row] = rows(engine)
    assert (row.text, row.reasons, row.intent) == ("where is my money for the shoes", ["correction"],
                                                   "check_refund_status")


@pytest.mark.parametrize("asked", [
    {"bot_text": "Shall I file it?"},
    {"bot_text": "Here it is.", "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]},
    {"slots": [("awaiting_confirmation", True)]},
    {"slots": [("requested_slot", "item_received")]},
])
def test_a_no_that_answers_the_bots_question_is_no_correction(broker, engine, asked):
    play(broker, turn("open a dispute for the lamp", [("open_dispute", 0.95), ("inform", 0.01)],
                      actions=("action_start_dispute",), **asked),
         turn("no", [("deny", 0.97), ("affirm", 0.01)]))
    assert rows(engine) == []


def test_asking_for_a_person_after_a_miss_marks_the_missed_message(broker, engine):
    play(broker,
         turn("parcel says delivered but neighbour has nothing", [("check_protection", 0.3), ("inform", 0.1)],
              actions=("action_fallback",), fallback=True),
         turn("human please", [("request_human", 0.96), ("help", 0.01)], actions=("action_request_human",)))
    [row] = rows(engine)
    assert row.text == "parcel says delivered but neighbour has nothing"
    assert row.reasons == ["fallback", "low_confidence", "handoff_after_miss"]
    assert row.repeats == 1  # one message, several reasons


def test_asking_for_a_person_long_after_a_miss_says_nothing_about_it(broker, engine):
    play(broker,
         turn("blorp", [("greet", 0.3), ("inform", 0.1)], actions=("action_fallback",), fallback=True),
         turn("show my orders", [("list_orders", 0.95), ("help", 0.01)]),
         turn("where is my refund", CONFIDENT),
         turn("human please", [("request_human", 0.96), ("help", 0.01)], actions=("action_request_human",)))
    [row] = rows(engine)
    assert row.reasons == ["fallback", "low_confidence"]


def test_a_repeated_text_counts_on_one_pending_row(broker, engine):
    first = turn("Where is  my PARCEL", [("list_orders", 0.4), ("check_protection", 0.3)])
    again = turn("where is my parcel", [("list_orders", 0.41), ("check_protection", 0.3)])
    play(broker, first, again, again)
    [row] = rows(engine)
    assert row.repeats == 3 and row.text == "Where is  my PARCEL"
    assert row.last_seen_at >= row.first_seen_at
    # Once reviewed, the same text starts a new pending row.
    broker.store.discard(row.id, "test")
    play(broker, again)
    assert [(r.status, r.repeats) for r in rows(engine)] == [("discarded", 3), ("pending", 1)]


def test_button_payloads_are_never_recorded(broker, engine):
    play(broker, turn("/affirm", [("affirm", 0.3), ("deny", 0.29)], actions=("action_default_fallback",)))
    assert rows(engine) == []


def test_another_process_had_the_earlier_turns_caught_up_from_history(broker, engine):
    """Several Rasa processes: this one only sees the "no"; the tracker store gives it the earlier events."""
    earlier = turn("where is my money for the shoes", CONFIDENT, actions=("action_refund_status",),
                   bot_text="Your refund was issued.")
    assert broker.needs_history(CONVERSATION)
    broker.catch_up(CONVERSATION, [{k: v for k, v in e.items() if k != "sender_id"} for e in earlier])
    assert not broker.needs_history(CONVERSATION)
    assert rows(engine) == []  # catching up records nothing: the other process did
    play(broker, turn("no, wrong", [("deny", 0.9), ("affirm", 0.05)]))
    assert [r.reasons for r in rows(engine)] == [["correction"]]


class RefusingStore:
    def __init__(self):
        self.calls = 0

    def record(self, sighting):
        self.calls += 1
        import sqlite3

        from sqlalchemy.exc import OperationalError
        raise OperationalError("INSERT INTO review_items ...", {"text": "secret buyer words"},
                               sqlite3.OperationalError("database is locked"))


def test_a_failing_database_never_reaches_the_turn(caplog):
    store = RefusingStore()
    broker = ReviewInboxBroker("unused://", store_factory=lambda: store)
    started = time.perf_counter()
    for event in turn("blorp the flurb", [("greet", 0.2), ("inform", 0.1)], actions=("action_fallback",),
                      fallback=True):
        broker.publish(event)  # raises nothing
    publish_seconds = time.perf_counter() - started
    wait_until(lambda: broker.failed == 1, 10, "the writer to give up on the record")
    assert store.calls == 1 and broker.recorded == 0
    assert publish_seconds < 0.5  # the write happened on the writer thread, not in publish
    assert "secret buyer words" not in caplog.text and "blorp" not in caplog.text
    assert "could not be recorded (OperationalError)" in caplog.text
    # The next message is tried again (the database may be back).
    for event in turn("zzz qqq", [("greet", 0.2)], fallback=True, actions=("action_fallback",)):
        broker.publish(event)
    wait_until(lambda: broker.failed == 2, 10, "the second try")


def test_a_store_that_cannot_even_be_built_costs_only_the_records(caplog):
    def unreachable():
        raise ConnectionError("no route")
    broker = ReviewInboxBroker("postgresql://nowhere", store_factory=unreachable)
    for event in turn("blorp", [("greet", 0.2)], fallback=True, actions=("action_fallback",)):
        broker.publish(event)
    assert broker.flush(10)
    assert broker.failed == 1


def test_unreadable_events_are_skipped(broker, engine):
    for junk in [{}, {"event": "user"}, {"sender_id": CONVERSATION, "event": "user", "text": 5, "parse_data": []},
                 {"sender_id": CONVERSATION, "event": "user", "text": "x", "parse_data": {"intent_ranking": "bad"}},
                 {"sender_id": CONVERSATION, "event": "action", "name": None}, "not a dict"]:
        broker.publish(junk)  # type: ignore[arg-type]
    play(broker, turn("where is my refund", CONFIDENT))
    assert rows(engine) == []


async def test_settings_come_from_endpoints_yml_and_an_empty_url_means_off(project_root, tmp_path, monkeypatch):
    from rasa.core.brokers.broker import EventBroker
    from rasa.core.utils import AvailableEndpoints

    from bot.ops.runner import rasa_process_env
    from bot.settings import Settings

    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "BOT_SECRET": "s" * 32, "REVIEW_MIN_CONFIDENCE": "0.7",
                                  "REVIEW_MIN_MARGIN": "0.05"})
    for name, value in rasa_process_env(settings, "s" * 32).items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(project_root / "endpoints.yml"))
    broker = await EventBroker.create(endpoints.event_broker)
    assert isinstance(broker, ReviewInboxBroker)
    assert broker._recorder.thresholds == Thresholds(min_confidence=0.7, min_margin=0.05)
    assert not (tmp_path / "disputes.db").exists()  # nothing connected
    await broker.close()

    off = Settings.from_env({"VAR_DIR": str(tmp_path), "BOT_SECRET": "s" * 32, "REVIEW_INBOX": "0"})
    monkeypatch.setenv("REVIEW_INBOX_URL", rasa_process_env(off, "s" * 32)["REVIEW_INBOX_URL"])
    endpoints = AvailableEndpoints.read_endpoints(str(project_root / "endpoints.yml"))
    assert await EventBroker.create(endpoints.event_broker) is None
