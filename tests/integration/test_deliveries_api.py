"""The marketplace webhook run by a served gateway's background jobs, and the admins' view of deliveries in the
agent API (`/api/agent/deliveries`): list failed and pending with their last errors, replay one or all failed."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import httpx
import pytest
from support.served_gateway import served_gateway
from support.webhook_receiver import WebhookReceiver

SECRET = "marketplace-secret-for-tests"
pytestmark = pytest.mark.timeout(60)


def call(server, method, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{server.url}/api/agent{path}", headers=headers, timeout=20)


async def test_the_gateway_sends_the_seeded_events_signed_in_order(tmp_path):
    receiver = WebhookReceiver(SECRET, now=time.time)
    await receiver.start()
    try:
        with served_gateway(tmp_path, MARKETPLACE_WEBHOOK_URL=receiver.url,
                            MARKETPLACE_WEBHOOK_SECRET=SECRET) as server:
            outbox = server.services.outbox
            total = sum(outbox.counts().values())
            for _ in range(200):
                if outbox.counts()["delivered"] == total:
                    break
                await asyncio.sleep(0.1)
            assert outbox.counts() == {"pending": 0, "failed": 0, "delivered": total}
    finally:
        await receiver.stop()
    assert total >= 3 and len(receiver.accepted) == total and not receiver.refused
    assert len({body["id"] for body in receiver.accepted}) == total
    by_dispute: dict = {}
    for body in receiver.accepted:
        by_dispute.setdefault(body["data"]["dispute"]["number"], []).append(body["type"])
    assert all(types[0] == "dispute.opened" for types in by_dispute.values())


def test_admins_list_and_replay_deliveries(tmp_path):
    with served_gateway(tmp_path) as server:  # no webhook: everything stays pending
        accounts = server.services.accounts
        admin = accounts.create_agent("Ada", "admin")[1]
        agent = accounts.create_agent("Dana", "agent")[1]
        assert call(server, "GET", "/deliveries").status_code == 401
        assert call(server, "GET", "/deliveries", agent).status_code == 403
        assert call(server, "POST", "/deliveries/replay-failed", agent).status_code == 403

        page = call(server, "GET", "/deliveries", admin).json()
        pending = page["counts"]["pending"]
        assert pending >= 3 and page["counts"]["failed"] == 0 and len(page["events"]) == pending
        assert {e["state"] for e in page["events"]} == {"pending"}

        outbox = server.services.outbox
        first, second = page["events"][0]["event_id"], page["events"][1]["event_id"]
        now = datetime.now(timezone.utc)
        outbox.mark_failed(first, now, "HTTP 500")
        outbox.mark_failed(second, now, "ConnectError: refused")
        failed = call(server, "GET", "/deliveries?state=failed", admin).json()
        assert failed["counts"]["failed"] == 2
        assert [(e["event_id"], e["last_error"]) for e in failed["events"]] == [
            (first, "HTTP 500"), (second, "ConnectError: refused")]
        assert call(server, "GET", "/deliveries?state=lost", admin).status_code == 422

        assert call(server, "POST", f"/deliveries/{first}/replay", admin).json() == {"replayed": 1}
        assert call(server, "POST", "/deliveries/replay-failed", admin).json() == {"replayed": 1}
        missing = call(server, "POST", "/deliveries/no-such-event/replay", admin)
        assert missing.status_code == 404 and "no dispute event" in missing.json()["error"]
        assert outbox.counts()["failed"] == 0 and outbox.counts()["pending"] == pending
        actions = [a["action"] for a in call(server, "GET", "/audit", admin).json()]
        assert actions.count("outbox_replay") == 2
