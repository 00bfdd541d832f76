"""Buyers in other languages, through the gateway, the real Rasa and the action server: a Telegram user whose app
is in Spanish gets Spanish from the first word (the language_code hint), a buyer who chatted in Portuguese gets
the seller's news pushed in Portuguese, and the widget on a French page speaks French, typed to the end. Typed
filings, status questions and asking for a person in each language are in the conversation battery
(tests/conversations/battery/language_*.yml, played by test_typed_battery.py), which also checks that no answer in
those conversations holds an English sentence."""
from __future__ import annotations

import json

import pytest
from support.browser import browser, playwright_driver, screenshot  # noqa: F401 - fixtures
from support.e2e import Buyer, stack  # noqa: F401 - the session fixture
from support.fake_telegram import LANGUAGE_CODES, buttons_of
from support.marketplace import MarketplaceSystems
from test_browser import bot_says, demo_page
from test_telegram import TelegramBuyer

from bench.language_check import english_sentences
from bot.i18n import translator

pytestmark = pytest.mark.e2e
SHOES = "8190334512007787"
USERS = {"es": 8880031, "pt": 8880032}


def response_text(name: str, language: str) -> str:
    """A response of domain.yml in a language (its variation on the language slot)."""
    import yaml
    from support.e2e import ROOT

    variations = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][name]
    return next(v["text"] for v in variations if any(c.get("value") == language for c in v.get("condition") or []))


def items_of(running, account) -> list:
    return [o["item"] for o in json.loads(running.bot("orders", account.id, "--json"))]


def shoes_dispute(running, account) -> str:
    orders = {o["number"]: o for o in json.loads(running.bot("orders", account.id, "--json"))}
    return orders[account.order(SHOES)]["dispute"]["number"]


def test_a_telegram_app_in_spanish_gets_spanish_from_the_first_word(stack):  # noqa: F811
    account = stack.copy_buyer("anna")
    LANGUAGE_CODES[USERS["es"]] = "es"
    phone = TelegramBuyer(stack, USERS["es"])
    phone.say(f"/start {stack.bot('link-code', account.id)}")
    phone.say("8190334512007781")  # a number: nothing to tell a language by, but the app's language
    said = phone.text()
    assert said and not english_sentences(said, items_of(stack, account)), said
    phone.say("quiero hablar con una persona")
    assert not english_sentences(phone.text(), items_of(stack, account)), phone.text()


def test_the_sellers_news_is_pushed_in_the_buyers_language(stack):  # noqa: F811
    account = stack.copy_buyer("anna")
    number = shoes_dispute(stack, account)
    phone = TelegramBuyer(stack, USERS["pt"])
    phone.say(f"/start {stack.bot('link-code', account.id)}")
    phone.say("oi, cadê o meu reembolso do tênis? já faz semanas")  # she chats in Portuguese: remembered
    before = len(stack.telegram.sent(phone.user_id))
    MarketplaceSystems(stack, "e2e-languages", "disputes:write").seller_acts(
        number, action="offer", resolution="partial_refund", amount="5.00")
    _ = translator("pt")
    news = stack.telegram.wait_for_text(phone.user_id, number, after=before, timeout=30)
    assert _.money("5.00", "USD") in news and not english_sentences(news, items_of(stack, account)), news
    push = [m for m in stack.telegram.sent(phone.user_id)[before:] if number in m.get("text", "")][-1]
    titles = [b["text"] for b in buttons_of(push)]
    assert titles == [_("Accept the offer"), _("Escalate")] and titles != ["Accept the offer", "Escalate"]


def test_the_widget_on_a_french_page_speaks_french_typed_to_the_end(stack, browser):  # noqa: F811
    """A buyer types French in the widget: answered in French (every answer checked for English sentences), the
    widget's own words switch to French, from the first question to the filed dispute."""
    account = stack.copy_buyer("ben")
    _ = translator("fr")
    page = browser(locale="fr-FR").new_page()
    page.goto(demo_page(stack, account))
    page.locator(".dc-launcher").click()
    panel = page.get_by_role("dialog")
    panel.wait_for()
    box = page.locator("#dispute-chat-input")

    def say(text: str, then: str) -> None:
        box.fill(text)
        box.press("Enter")
        bot_says(panel, then)

    shirt = account.order("8190334512007792")
    say(f"bonjour, je veux ouvrir un litige pour ma commande {shirt}", response_text("utter_ask_item_received",
                                                                                     "fr")[:12])
    # The demo page says it is English (<html lang="en">); the buyer's French wins, and the widget's own words
    # follow the conversation's language.
    page.wait_for_function("document.querySelector('#dispute-chat-input').placeholder !== 'Type your message\u2026'",
                           timeout=15_000)
    assert box.get_attribute("placeholder") == _("Type your message\u2026")
    say("oui je l'ai recu", response_text("utter_ask_problems", "fr")[:12])
    say("c'est du S au lieu du L, beaucoup trop petit", response_text("utter_ask_resolution", "fr")[:12])
    say("je veux un remboursement complet", response_text("utter_ask_description", "fr")[:12])
    say("j'ai commandé un L et l'étiquette dit S, impossible à porter", "")
    page.wait_for_timeout(1500)
    box.fill("pas de photo")
    box.press("Enter")
    page.wait_for_timeout(2500)
    screenshot(page, "widget-french-summary")
    box.fill("oui")
    box.press("Enter")
    page.wait_for_timeout(2500)
    screenshot(page, "widget-french-filed")
    texts = panel.locator(".dc-bot").all_inner_texts()
    english = [s for t in texts for s in english_sentences(t, items_of(stack, account) + [shirt])]
    assert texts and not english, english
    orders = {o["number"]: o for o in json.loads(stack.bot("orders", account.id, "--json"))}
    assert orders[shirt]["dispute"] is not None, texts[-3:]
