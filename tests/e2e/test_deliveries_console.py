"""The agent console's Deliveries view in headless Chromium (a served gateway, no webhook: events stay pending):
an admin sees a failed delivery with its last error as plain text and replays it; an agent has no such view."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from support.browser import browser, playwright_driver, sign_in_agent  # noqa: F401 - fixtures
from support.served_gateway import served_gateway
from support.waiting import wait_until

pytestmark = pytest.mark.timeout(120)
ERROR = "HTTP 500 <img src=x onerror=alert(1)>"


@pytest.fixture
def desk(tmp_path):
    with served_gateway(tmp_path) as server:
        outbox = server.services.outbox
        server.failed = outbox.undelivered("pending")[0]
        outbox.mark_failed(server.failed.event_id, datetime.now(timezone.utc), ERROR)
        server.admin = server.services.accounts.create_agent("Ada", "admin")[1]
        server.agent = server.services.accounts.create_agent("Omar", "agent")[1]
        yield server


def sign_in(page, desk, token):
    sign_in_agent(page, desk.url, token)


def test_an_admin_sees_a_failed_delivery_and_replays_it(desk, browser):  # noqa: F811
    page = browser(1280, 800).new_page()
    sign_in(page, desk, desk.admin)
    page.get_by_role("button", name="Deliveries").click()
    row = page.locator(f"#delivery-table tr[data-id='{desk.failed.event_id}']")
    row.wait_for()
    assert page.locator("#deliveries-count").inner_text() == "1"
    assert "failed" in row.inner_text() and desk.failed.dispute_number in row.inner_text()
    assert row.locator("td.err").inner_text() == ERROR  # text, never markup
    assert page.locator("#delivery-table img").count() == 0
    row.get_by_role("button", name=f"Replay event {desk.failed.event_id}").click()
    wait_until(lambda: desk.services.outbox.counts()["failed"] == 0, 10, "the replay")
    page.get_by_role("heading", name="Deliveries: 0 failed").wait_for()
    assert page.locator("#deliveries-count").is_hidden()


def test_an_agent_has_no_deliveries_view(desk, browser):  # noqa: F811
    page = browser(1280, 800).new_page()
    sign_in(page, desk, desk.agent)
    assert page.get_by_role("button", name="Deliveries").is_hidden()
