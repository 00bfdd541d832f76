"""The web widget in headless Chromium against the real stack: a buyer files a dispute with a photo by clicking
and typing, reloads and finds the history, gets refused uploads explained; the widget on a 360-px phone and by
keyboard alone; and rasa-webchat (a client nobody here wrote) holding a conversation with the gateway. Each test
signs in as a buyer of its own (a copy of a demo buyer) and creates its own agent."""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading

import pytest

from bot.composition import build_services
from bot.settings import Settings
from support.browser import ROOT, browser, playwright_driver, screenshot  # noqa: F401 - fixtures
from support.samples import image_bytes
from support.e2e import CopiedBuyer, free_port, stack  # noqa: F401 - the session fixture

pytestmark = pytest.mark.e2e
BEN_SHIRT = "8190334512007792"


def demo_page(running, buyer: CopiedBuyer) -> str:
    """The demo page signed in as this buyer (the demo sign-in takes only the buyers DEMO_BUYERS names)."""
    assert buyer.id in running.env["DEMO_BUYERS"].split(","), f"{buyer.id} cannot sign in on the demo page"
    return f"{running.url}/?buyer={buyer.id}"


def open_chat(page, url: str):
    page.goto(url)
    page.get_by_role("button", name=re.compile("Open chat")).click()
    panel = page.get_by_role("dialog", name="Order help")
    panel.wait_for()
    return panel


def bot_says(panel, text: str):
    panel.locator(".dc-bot, .dc-agent", has_text=text).last.wait_for()


def tap(panel, title: str):
    panel.locator(".dc-buttons button", has_text=title).last.click()


def type_message(page, text: str):
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def test_a_buyer_files_a_dispute_with_a_photo_and_finds_it_after_a_reload(stack, browser, tmp_path):  # noqa: F811
    ben = stack.copy_buyer("ben")
    page = browser().new_page()
    panel = open_chat(page, demo_page(stack, ben))
    panel.get_by_text("Ask about an order").wait_for()
    type_message(page, "I want to open a dispute")
    bot_says(panel, "Which order is it about?")
    tap(panel, "linen shirt")
    bot_says(panel, "Did you receive the item?")
    tap(panel, "Yes, it arrived")
    tap(panel, "Wrong size")
    tap(panel, "Full refund")
    bot_says(panel, "describe the problem")
    type_message(page, "I ordered size L but the label says S, it is far too small")
    bot_says(panel, "Photos or a short video")
    photo = tmp_path / "shirt-label.jpg"
    photo.write_bytes(image_bytes())
    page.locator("input[type=file]").set_input_files(str(photo))
    bot_says(panel, "Attached: shirt-label.jpg")
    tap(panel, "Done")
    bot_says(panel, "Here is your dispute")
    screenshot(page, "widget-summary")
    tap(panel, "Yes, file it")
    bot_says(panel, "is open")
    screenshot(page, "widget-filed")

    services = build_services(Settings.from_env({"VAR_DIR": str(stack.var_dir)}))
    try:
        [shirt] = [d for d in services.disputes.list_disputes(ben.id) if d.order.number == ben.order(BEN_SHIRT)]
        assert [e.display_name for e in shirt.evidence] == ["shirt-label.jpg"]
        assert "far too small" in shirt.dispute.claim.description
    finally:
        services.close()

    page.reload()
    panel = open_chat(page, demo_page(stack, ben))
    bot_says(panel, "is open")
    assert panel.locator(".dc-buyer", has_text="far too small").count() == 1
    screenshot(page, "widget-after-reload")

    other_tab = page.context.new_page()  # a new tab finds the same conversation
    panel = open_chat(other_tab, demo_page(stack, ben))
    bot_says(panel, "is open")


def test_refused_uploads_are_explained(stack, browser, tmp_path):  # noqa: F811
    page = browser().new_page()
    panel = open_chat(page, demo_page(stack, stack.copy_buyer("chen")))
    panel.get_by_text("Ask about an order").wait_for()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    page.locator("input[type=file]").set_input_files(str(notes))
    panel.get_by_role("alert").filter(has_text="notes.txt can't be attached").wait_for()
    disguised = tmp_path / "receipt.jpg"  # a .jpg name on bytes that are no picture: the server refuses it
    disguised.write_bytes(b"%!PS-Adobe-3.0 not an image at all" * 10)
    page.locator("input[type=file]").set_input_files(str(disguised))
    panel.get_by_role("alert").filter(has_text="is not a file I can attach").wait_for()
    screenshot(page, "widget-refused-upload")


def test_on_a_phone_and_by_keyboard_alone(stack, browser):  # noqa: F811
    page = browser(360, 740).new_page()
    page.goto(demo_page(stack, stack.copy_buyer("anna")))
    page.wait_for_function("window.demoChat !== undefined")
    page.keyboard.press("Tab")  # the demo page's buyer picker
    launcher = page.get_by_role("button", name=re.compile("Open chat"))
    launcher.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Order help")
    panel.wait_for()
    box = panel.bounding_box()
    assert box["width"] <= 360 and box["width"] >= 340, box
    assert page.evaluate("document.activeElement.id") == "dispute-chat-input"
    page.keyboard.type("what can you do")
    page.keyboard.press("Enter")
    bot_says(panel, "I can:")
    screenshot(page, "widget-phone-360")
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert "Open chat" in page.evaluate("document.activeElement.getAttribute('aria-label')")


def test_unread_badge_when_collapsed(stack, browser):  # noqa: F811
    page = browser().new_page()
    panel = open_chat(page, demo_page(stack, stack.copy_buyer("anna")))
    panel.get_by_text("Ask about an order").wait_for()
    page.get_by_label("Your message").fill("hi")
    # Send and collapse in one browser task: the answer (a network round trip away) can only be handled in a
    # later task, so it always arrives while the panel is collapsed, however fast the bot answers.
    page.get_by_label("Your message").evaluate("""input => {
        input.form.requestSubmit();
        input.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
    }""")
    assert page.locator(".dc-panel").get_attribute("hidden") is not None
    badge = page.locator(".dc-badge")
    badge.wait_for()
    assert int(badge.inner_text()) >= 1
    screenshot(page, "widget-unread-badge")


@pytest.fixture
def rasa_webchat_page(tmp_path, stack):  # noqa: F811
    bundle = ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
    if not bundle.exists():
        pytest.fail("rasa-webchat is not installed: `make test` runs npm ci in web/")
    shutil.copy(bundle, tmp_path / "webchat.js")
    (tmp_path / "index.html").write_text(f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<h1>A page that already embeds rasa-webchat</h1>
<div id="webchat"></div>
<script src="webchat.js"></script>
<script>
  WebChat.default({{socketUrl: "{stack.url}", socketPath: "/socket.io/", title: "Rasa webchat",
                    customData: {{language: "en"}}, params: {{storage: "session"}}}}, null);
</script></body></html>""")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def test_rasa_webchat_holds_a_conversation_with_the_gateway(rasa_webchat_page, browser):  # noqa: F811
    page = browser().new_page()
    page.goto(rasa_webchat_page)
    page.locator(".rw-launcher").click()
    page.locator(".rw-new-message").fill("what can you do")
    page.locator(".rw-new-message").press("Enter")
    page.locator(".rw-response", has_text="I can").first.wait_for()
    page.locator(".rw-new-message").fill("how long does a refund take")
    page.locator(".rw-new-message").press("Enter")
    page.locator(".rw-response", has_text="business days").first.wait_for()
    screenshot(page, "rasa-webchat")


def test_after_a_network_drop_the_widget_gets_what_it_missed(stack, browser):  # noqa: F811
    chen = stack.copy_buyer("chen")
    context = browser()
    first = context.new_page()
    panel_first = open_chat(first, demo_page(stack, chen))
    panel_first.get_by_text("Ask about an order").wait_for()
    first.evaluate("window.demoChat.socket.disconnect()")  # offline: no automatic reconnect while we talk
    second = context.new_page()  # meanwhile the conversation goes on in another tab
    panel_second = open_chat(second, demo_page(stack, chen))
    type_message(second, "how long does a refund take")
    bot_says(panel_second, "business days")
    assert panel_first.locator(".dc-bot", has_text="business days").count() == 0
    first.evaluate("window.demoChat.socket.connect()")  # back online: it asks for what came after its last message
    bot_says(panel_first, "business days")
    assert panel_first.locator(".dc-buyer", has_text="how long does a refund take").count() == 1
    screenshot(first, "widget-after-reconnect")


def test_agent_console_sign_in_claim_from_the_live_queue_and_reply(stack, browser):  # noqa: F811
    from support.e2e import Buyer

    token = stack.bot("agent-create", "Omar", "--role", "agent")
    page = browser(1366, 800).new_page()
    page.goto(f"{stack.url}/agent")
    page.get_by_label("Agent token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="valid agent token").wait_for()
    page.get_by_label("Agent token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Queue")).wait_for()

    account = stack.copy_buyer("chen")
    chen = Buyer(stack, account.id, "console-test")  # asks for a person while the console is open
    chen.say("i want to talk to a real person")
    assert "will answer here" in chen.text()
    # Other tests' hand-offs may be in the queue too: this buyer's is the one to claim.
    item = page.get_by_role("option").filter(has_text=account.id)
    item.wait_for()  # appeared without a reload
    item.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Claim").click()
    page.get_by_text("Omar from our help desk has joined").wait_for()
    page.get_by_placeholder(re.compile("Reply to the buyer")).fill("Hello Chen, Omar here. How can I help?")
    page.keyboard.press("Enter")
    page.locator(".m.agent", has_text="Omar here").wait_for()
    screenshot(page, "agent-console")

    services = build_services(Settings.from_env({"VAR_DIR": str(stack.var_dir)}))
    try:
        [handoff] = [h for h in services.handoffs.queue() if h.buyer_id == account.id]
        texts = [m["text"] for m in services.transcripts.messages(handoff.conversation_id)]
        assert "Hello Chen, Omar here. How can I help?" in texts and handoff.agent_name == "Omar"
    finally:
        services.close()
