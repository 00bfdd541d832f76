"""A buyer on Telegram, end to end: python-telegram-bot in the gateway polls a fake Bot API server on loopback;
the gateway, Rasa and the action server run as in production (`python -m bot run`)."""
from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest

from bot.composition import build_services
from bot.settings import Settings
from support.fake_telegram import button_update, buttons_of, photo_update, text_update
from support.samples import image_bytes
from support.e2e import stack  # noqa: F401 - the session fixture

pytestmark = pytest.mark.e2e
CHEN_PAN = "8190334512007793"
USER = 8880001


class TelegramBuyer:
    """Sends updates as the Telegram app would and reads what the bot sent back to this chat."""

    def __init__(self, running, user_id: int) -> None:
        self.fake = running.telegram
        self.user_id = user_id
        self.last: List[Dict[str, Any]] = []

    def _exchange(self, update: Dict[str, Any], quiet: float = 1.0, timeout: float = 60.0) -> List[Dict[str, Any]]:
        before = len(self.fake.sent(self.user_id))
        self.fake.push_update(update)
        self.fake.wait_for(lambda: len(self.fake.sent(self.user_id)) > before, timeout, "the bot's answer")
        # Replies come as several messages: wait until the chat has been quiet for a moment.
        count, still_since = -1, time.monotonic()
        while time.monotonic() - still_since < quiet:
            now = len(self.fake.sent(self.user_id))
            if now != count:
                count, still_since = now, time.monotonic()
            time.sleep(0.1)
        self.last = self.fake.sent(self.user_id)[before:]
        return self.last

    def say(self, text: str) -> List[Dict[str, Any]]:
        return self._exchange(text_update(self.fake, self.user_id, text))

    def tap(self, title_part: str) -> List[Dict[str, Any]]:
        for message in reversed(self.last):
            for b in buttons_of(message):
                if title_part.lower() in b["text"].lower():
                    return self._exchange(button_update(self.fake, self.user_id, b["callback_data"]))
        raise AssertionError(f"no button with {title_part!r} in {self.last}")

    def send_photo(self, file_id: str, data: bytes) -> List[Dict[str, Any]]:
        self.fake.add_file(file_id, data)
        return self._exchange(photo_update(self.fake, self.user_id, file_id, len(data)))

    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)


def _services(running):
    return build_services(Settings.from_env({"VAR_DIR": str(running.var_dir)}))


def test_link_open_a_dispute_with_a_photo_follow_it_and_hear_from_the_seller(stack):  # noqa: F811
    account = stack.copy_buyer("chen")
    chen = TelegramBuyer(stack, USER)
    code = stack.bot("link-code", account.id)
    chen.say(f"/start {code}")
    assert "now linked" in chen.text()

    chen.say("/help")
    chen.tap("Open a dispute")
    assert "Which order" in chen.text()
    chen.tap("frying pan")
    chen.tap("Yes, it arrived")
    chen.tap("Damaged")
    chen.tap("Full refund")
    chen.say("The non-stick coating came scratched all over & it is peeling <already>")
    assert "Photos" in chen.text()
    photo = image_bytes()
    chen.send_photo("pan-photo-1", photo)
    assert "Attached: photo-" in chen.text()
    assert "Send more" in chen.text()
    chen.tap("Done")
    assert "file it" in chen.text().lower()
    filing = None
    for message in reversed(chen.last):
        for b in buttons_of(message):
            if "yes" in b["text"].lower():
                filing = button_update(stack.telegram, USER, b["callback_data"])
    assert filing is not None
    chen._exchange(filing)
    assert "is open" in chen.text()

    # Telegram delivers the tap again (its confirmation was lost): it is ignored.
    sent_before = len(stack.telegram.sent(USER))
    stack.telegram.redeliver(filing)
    stack.telegram.wait_for(lambda: stack.telegram.served(filing["update_id"]) >= 2, 30, "the tap delivered again")
    # The updates of one chat are handled in order: when /status is answered the repeat has been handled, and
    # the status answer is all the chat got since.
    chen.say("/status")
    assert stack.telegram.sent(USER)[sent_before:] == chen.last

    services = _services(stack)
    try:
        disputes = services.disputes.list_disputes(account.id)
        pan = [d for d in disputes if d.order.number == account.order(CHEN_PAN)]
        assert len(pan) == 1, "one dispute on the order"
        number = pan[0].dispute.number
        assert number in chen.text()
        assert [e.display_name for e in pan[0].evidence] and \
            services.evidence.get(pan[0].evidence[0].sha256) == photo
        assert "&" in pan[0].dispute.claim.description and "<already>" in pan[0].dispute.claim.description

        services.disputes.seller_reject("s-homechef", number, "The pan left our warehouse intact")
    finally:
        services.close()
    news = stack.telegram.wait_for_text(USER, "the seller rejected", after=sent_before, timeout=30)
    assert f"Dispute {number}" in news and "warehouse intact" in news

    log = (stack.var_dir / "logs" / "gateway.log").read_text()
    assert "telegram: long polling" in log
    assert stack.env["TELEGRAM_TOKEN"] not in log
