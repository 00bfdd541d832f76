"""The review inbox on the real stack (Rasa with the trained model and its event broker, the action server, the
gateway): a message the model cannot place lands in the inbox with what it predicted, asking for a person right
after adds that reason, a message it understands does not, and an admin finds it through the agent API."""
from __future__ import annotations

import httpx
import pytest

from bot.store.review_inbox import SqlReviewInbox
from bot.disputes.clock import SystemClock
from bot.review.model import ReviewStatus
from bot.settings import Settings
from bot.store.engine import create_store_engine
from support.e2e import Buyer, stack  # noqa: F401 - the session fixture
from support.waiting import wait_until

pytestmark = pytest.mark.e2e


def test_a_message_the_model_is_unsure_about_lands_in_the_inbox(stack):
    copy = stack.copy_buyer("chen")
    chen = Buyer(stack, copy.id, "review-inbox")
    engine = create_store_engine(Settings.from_env(stack.env).database_url)
    inbox = SqlReviewInbox(engine, SystemClock())

    def recorded(text):
        return next((i for i in inbox.items([ReviewStatus.PENDING], 500) if i.text == text), None)

    try:
        # Which nonsense a model is unsure about depends on its training (one read "zorp blig the wubble
        # frandle" as inform at 0.61): each is said in a conversation of its own, followed by a request for a
        # person, and the test goes on with one that was recorded.
        nonsense = ["zorp blig the wubble frandle", "asdf qwer", "blorf"]
        for n, text in enumerate(nonsense):
            buyer = chen if n == 0 else Buyer(stack, copy.id, f"review-inbox-{n}")
            buyer.say("show me my orders")
            buyer.say(text)
            buyer.say("can i talk to a human please")
        unsure = wait_until(lambda: next((t for t in nonsense if recorded(t)), None), 20,
                            "an unsure message in the review inbox",
                            describe=lambda: str([i.text for i in inbox.items([ReviewStatus.PENDING], 500)]))
        item = recorded(unsure)
        # Which of the three depends on the model; any of them says the bot was unsure.
        assert {"fallback", "low_confidence", "ambiguous"} & set(item.reasons) and item.buyer_id == copy.id
        assert item.intent and item.intent != "nlu_fallback" and item.confidence is not None
        assert "review-inbox" in item.conversation_id
        wait_until(lambda: "handoff_after_miss" in recorded(unsure).reasons, 20, "the hand-off reason",
                   describe=lambda: str([(i.text, i.reasons) for i in inbox.items([ReviewStatus.PENDING], 500)]))
        assert recorded("show me my orders") is None

        admin = stack.bot("agent-create", "Review Admin", "--role", "admin")
        page = httpx.get(f"{stack.url}/api/agent/review", params={"limit": 500},
                         headers={"Authorization": f"Bearer {admin}"}, timeout=20).json()
        assert unsure in [i["text"] for i in page["items"]]
    finally:
        engine.dispose()
