"""The agent console in headless Chromium (a served gateway with a stand-in Rasa: the console reads the store, not
the model): an admin sees the messages the bot was unsure about with what it predicted, labels one, discards
another; an agent does not get the Review view at all; a case reads in words and in the agent's own time zone."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.review.model import Guess, ProblemGuess, Reason, ReviewStatus, Sighting
from support.browser import browser, playwright_driver, screenshot, sign_in_agent  # noqa: F401 - fixtures
from support.served_gateway import served_gateway
from support.waiting import wait_until

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
    sign_in_agent(page, desk.url, token)


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


def test_a_case_reads_in_words_and_in_the_agents_time_zone(desk, browser):  # noqa: F811
    from sqlalchemy import update

    from bot.helpdesk.model import HandoffReason
    from bot.store import tables as t

    services = desk.services
    # anna's seeded disputes wait for the seller, are escalated, resolved; one more gets the seller's offer.
    earbuds = services.disputes.open_dispute("anna", "8190334512007781", received=True, problems=["wrong_item"],
                                             resolution="another_item", description="Got a cable, not earbuds.")
    services.disputes.seller_offer("s-soundwave", earbuds.dispute.number, "partial_refund", "12.50", "half back?")
    handoff, _ = services.handoffs.open("web:anna:words", "web", "anna", HandoffReason.ASKED, {
        "dispute_order": "8190334512007782", "item_received": True, "problems": ["color_mismatch"],
        "resolution": "partial_refund"})
    asked = (datetime.now(timezone.utc) - timedelta(minutes=5, seconds=10)).replace(microsecond=0)
    with services.engine.begin() as conn:
        conn.execute(update(t.handoffs).where(t.handoffs.c.id == handoff.id).values(requested_at=asked))

    page = browser(1366, 900).new_page()
    zone = "Asia/Kolkata"  # UTC+5:30, so a time shown in UTC would not pass for local
    page.context.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": zone})
    page.clock.install()  # time runs as usual; fast_forward below lets a minute pass at once
    sign_in(page, desk, desk.agent)
    item = page.get_by_role("option").filter(has_text="anna")
    item.click()
    case = page.locator("#case")
    case.get_by_text("Waiting for the seller").first.wait_for()

    shown = page.locator("#console").inner_text()
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", shown), shown  # no raw code anywhere
    for words in ("Seller offered something else", "Another item sent", "Partial refund 12.50", "Wrong item sent",
                  "With the Dispute Team", "Resolved for the buyer", "Size not as described", "Color not as described",
                  "Opened the dispute", "Seller made an offer", "Waiting for a person", "Asked for a person"):
        assert words in shown, words

    since = item.locator("time")
    assert since.inner_text() == "5 min ago"
    assert since.get_attribute("datetime") == asked.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    local = asked.astimezone(ZoneInfo(zone))
    tooltip = since.get_attribute("title")
    assert "GMT+5:30" in tooltip and (local.strftime("%H:%M") in tooltip or local.strftime("%I:%M") in tooltip), \
        tooltip
    assert case.locator("time").first.inner_text() == "5 min ago"  # "Since"
    history = case.locator("li.who time").all_inner_texts()
    assert "just now" in history  # the offer on the earbuds
    day = re.compile(r"[A-Z][a-z]{2} \d{1,2}(, \d{4})?|\d{1,2} [A-Z][a-z]{2}( \d{4})?")
    assert any(day.fullmatch(h) for h in history), history  # the seeded events, days ago: a date
    screenshot(page, "agent-console-words")
    case.get_by_role("heading", name="Disputes").evaluate("h => h.scrollIntoView()")
    screenshot(page, "agent-console-words-disputes")

    page.clock.fast_forward("01:00")  # relative times refresh every minute
    page.wait_for_function("document.querySelector('#queue time').textContent === '6 min ago'")
