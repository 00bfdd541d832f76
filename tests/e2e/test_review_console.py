"""The agent console's Review view in headless Chromium (a served gateway with a stand-in Rasa: the view reads the
store, not the model): an admin sees the messages the bot was unsure about with what it predicted, labels one,
discards another; an agent does not get the view at all."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.review.model import Guess, ProblemGuess, Reason, ReviewStatus, Sighting
from browser import browser, playwright_driver, screenshot  # noqa: F401 - fixtures
from served_gateway import served_gateway
from waiting import wait_until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def desk(tmp_path):
    with served_gateway(tmp_path) as server:
        store = server.services.review_store
        now = datetime.now(timezone.utc)
        server.cracked = store.record(Sighting(
            text="the glass bit on top came cracked, can i get some money back?", conversation_id="web:anna:t1",
            reasons=(Reason.LOW_CONFIDENCE, Reason.AMBIGUOUS), intent="check_refund_status", confidence=0.41,
            alternatives=(Guess("open_dispute", 0.37), Guess("faq_refund_time", 0.09), Guess("inform", 0.05)),
            problems=(ProblemGuess("damaged", 0.52, True), ProblemGuess("wrong_item", 0.12, False)),
            buyer_id="anna", seen_at=now))
        for _ in range(2):
            store.record(Sighting(text="ok so what now", conversation_id="web:ben:t2", reasons=(Reason.FALLBACK,),
                                  intent="help", confidence=0.22, alternatives=(Guess("greet", 0.2),),
                                  buyer_id="ben", seen_at=now))
        server.admin = server.services.accounts.create_agent("Ada", "admin")[1]
        server.agent = server.services.accounts.create_agent("Omar", "agent")[1]
        yield server


def sign_in(page, desk, token):
    page.goto(f"{desk.url}/agent")
    page.get_by_label("Agent token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Queue").wait_for()


def test_an_admin_labels_one_message_and_discards_another(desk, browser):  # noqa: F811
    page = browser(1280, 800).new_page()
    sign_in(page, desk, desk.admin)
    page.get_by_role("button", name="Review").click()
    cracked = page.get_by_role("article", name=f"Message {desk.cracked}")
    cracked.wait_for()
    assert page.locator("#review-count").inner_text() == "2"
    assert "check_refund_status" in cracked.locator(".guess.top").inner_text()
    assert "41%" in cracked.locator(".guess.top").inner_text()
    assert "low confidence" in cracked.inner_text() and "ambiguous" in cracked.inner_text()
    repeated = page.locator("article.rv", has_text="ok so what now")
    assert "\u00d72" in repeated.inner_text() and "fallback" in repeated.inner_text()
    # The predicted label is preselected; the found problem is ticked.
    assert cracked.get_by_label("What the buyer meant").input_value() == "check_refund_status"
    screenshot(page, "agent-console-review")

    cracked.get_by_role("button", name="open_dispute").click()  # the runner-up, one click
    cracked.locator("summary", has_text="Problems: damaged").click()
    cracked.get_by_label("Wrong item sent").check()
    cracked.get_by_role("button", name="Save label").click()
    cracked.wait_for(state="detached")
    repeated.get_by_role("button", name="Discard").click()
    repeated.wait_for(state="detached")
    page.get_by_text("Nothing to review").wait_for()

    store = desk.services.review_store
    labelled = wait_until(lambda: store.get(desk.cracked) if store.get(desk.cracked).status is
                          ReviewStatus.LABELLED else None, 10, "the label to be stored")
    assert (labelled.label_intent, labelled.label_problems, labelled.reviewed_by) == \
        ("open_dispute", ["damaged", "wrong_item"], "Ada")
    assert [i.status for i in store.items([ReviewStatus.DISCARDED])] == [ReviewStatus.DISCARDED]
    screenshot(page, "agent-console-review-done")


def test_an_agent_gets_no_review_view(desk, browser):  # noqa: F811
    page = browser().new_page()
    sign_in(page, desk, desk.agent)
    page.get_by_text("Omar (agent)").wait_for()
    assert page.get_by_role("button", name="Review").count() == 0
    assert page.locator("#review").is_hidden()
