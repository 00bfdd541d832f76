"""Signing and verifying dispute-event webhooks (bot.notifications.webhooks), and the worker's retry decisions."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.notifications.webhooks import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    Backoff,
    OutboxEvent,
    WebhookWorker,
    body_of,
    sign,
    verify_signature,
)

SECRET = "s3cret-for-tests"
BODY = b'{"data":{"dispute":{"number":"123456789012"}},"id":"e-1","occurred_at":"2026-03-02T09:30:00Z","type":"x"}'
T = 1_772_443_800  # 2026-03-02T09:30:00Z


class TestSignature:
    def test_format_is_t_and_hex_v1(self):
        header = sign(SECRET, BODY, T)
        t_part, v1_part = header.split(",")
        assert t_part == f"t={T}"
        assert v1_part.startswith("v1=") and len(v1_part) == 3 + 64 and int(v1_part[3:], 16) >= 0

    def test_genuine_signature_verifies(self):
        assert verify_signature(SECRET, sign(SECRET, BODY, T), BODY, now=T + 10)

    def test_tampered_body_is_refused(self):
        header = sign(SECRET, BODY, T)
        assert not verify_signature(SECRET, header, BODY.replace(b"123456789012", b"123456789013"), now=T)
        assert not verify_signature(SECRET, header, BODY + b" ", now=T)

    def test_wrong_secret_is_refused(self):
        assert not verify_signature("another-secret", sign(SECRET, BODY, T), BODY, now=T)

    def test_old_timestamp_is_refused(self):
        header = sign(SECRET, BODY, T)
        assert verify_signature(SECRET, header, BODY, now=T + 300)
        assert not verify_signature(SECRET, header, BODY, now=T + 301)
        assert not verify_signature(SECRET, header, BODY, now=T + 3600, tolerance=600)
        assert not verify_signature(SECRET, header, BODY, now=T - 301)  # from the future, too

    def test_replayed_signature_with_a_new_timestamp_is_refused(self):
        mac = sign(SECRET, BODY, T).split(",")[1]
        assert not verify_signature(SECRET, f"t={T + 1000},{mac}", BODY, now=T + 1000)

    @pytest.mark.parametrize("header", ["", "garbage", f"t={T}", "v1=00", "t=abc,v1=00", f"t={T},v1="])
    def test_malformed_headers_are_refused(self, header):
        assert not verify_signature(SECRET, header, BODY, now=T)

    def test_any_of_several_v1_values_during_a_secret_rotation(self):
        old = sign("old-secret", BODY, T).split(",")[1]
        new = sign(SECRET, BODY, T).split(",")[1]
        assert verify_signature(SECRET, f"t={T},{old},{new}", BODY, now=T)


START = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def event(n: int = 1, attempts: int = 1, created_at: datetime = START) -> OutboxEvent:
    return OutboxEvent(f"e-{n}", 1, "dispute.opened", {"dispute": {"number": "123456789012"}}, created_at, attempts)


class FakeStore:
    def __init__(self, events):
        self.events = list(events)
        self.marks: list = []

    def claim(self, now, lease, limit):
        out, self.events = self.events[:limit], self.events[limit:]
        return out

    def mark_delivered(self, event_id, now):
        self.marks.append(("delivered", event_id, now))

    def mark_retry(self, event_id, next_attempt_at, error):
        self.marks.append(("retry", event_id, next_attempt_at, error))

    def mark_failed(self, event_id, now, error):
        self.marks.append(("failed", event_id, now, error))


def run_worker(store, answer, now):
    sent = []

    async def post(url, body, headers):
        sent.append((url, body, dict(headers)))
        if isinstance(answer, Exception):
            raise answer
        return answer

    worker = WebhookWorker(store, post, "http://receiver.test/hook", SECRET, now=lambda: now,
                           backoff=Backoff(5, 3600))
    delivered = asyncio.run(worker.run_once())
    return delivered, sent


class TestWorker:
    def test_body_headers_and_signature(self):
        store = FakeStore([event()])
        delivered, sent = run_worker(store, 204, START + timedelta(seconds=1))
        assert delivered == 1 and store.marks[0][:2] == ("delivered", "e-1")
        url, body, headers = sent[0]
        assert json.loads(body) == {"id": "e-1", "type": "dispute.opened", "occurred_at": "2026-03-02T09:30:00Z",
                                    "data": {"dispute": {"number": "123456789012"}}}
        assert headers[EVENT_ID_HEADER] == "e-1"
        assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body, now=(START.timestamp() + 1))
        assert body == body_of(event())

    @pytest.mark.parametrize("answer", [500, 404, 301, ConnectionRefusedError("refused")])
    def test_anything_but_2xx_is_retried_with_backoff(self, answer):
        store = FakeStore([event(attempts=3)])
        now = START + timedelta(minutes=1)
        delivered, _ = run_worker(store, answer, now)
        kind, event_id, later, error = store.marks[0]
        assert delivered == 0 and kind == "retry" and error
        assert timedelta(seconds=10) <= later - now <= timedelta(seconds=20)  # 5 s doubled twice, jittered

    def test_gives_up_after_the_retry_window(self):
        store = FakeStore([event(attempts=40)])
        run_worker(store, 503, START + timedelta(hours=48))
        assert store.marks[0][:2] == ("failed", "e-1") and store.marks[0][3] == "HTTP 503"

    def test_last_retry_is_at_the_window_end(self):
        store = FakeStore([event(attempts=40)])
        now = START + timedelta(hours=47, minutes=59)
        run_worker(store, 503, now)
        assert store.marks[0][0] == "retry" and store.marks[0][2] == START + timedelta(hours=48)


def test_backoff_doubles_and_is_capped():
    backoff = Backoff(5, 3600)
    assert [backoff.delay(n, rand=lambda: 1.0).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff.delay(50, rand=lambda: 1.0) == timedelta(hours=1)
    assert backoff.delay(1, rand=lambda: 0.0) == timedelta(seconds=2.5)
