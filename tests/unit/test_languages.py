"""Telling a conversation's language: the detector on short chat messages, and the sticky choice (one English word
never flips a Spanish conversation; a clear message or an explicit wish does)."""
from __future__ import annotations

import pytest

from bot.i18n import supported, translator
from bot.i18n.detection import Detected, LanguageDetector, asked_language, choose


@pytest.fixture(scope="module")
def detector():
    return LanguageDetector()


@pytest.mark.parametrize("tag, language", [("pt-BR", "pt"), ("es_419", "es"), ("RU", "ru"), ("fr-CA", "fr"),
                                           ("en", "en"), ("de-DE", None), ("", None), (None, None), ("x" * 40, None)])
def test_language_tags(tag, language):
    assert supported(tag) == language


@pytest.mark.parametrize("text, language", [
    ("mi pedido nunca llegó y el vendedor no contesta", "es"),
    ("cadê o meu reembolso? já faz um mês", "pt"),
    ("où en est mon litige ? toujours rien reçu", "fr"),
    ("хочу поговорить с оператором", "ru"),
    ("да", "ru"), ("hola", "es"), ("oui", "fr"), ("obrigado", "pt"),
    ("where is my refund, it has been two weeks", "en"), ("ok", "en"),
])
def test_first_messages_set_the_language(detector, text, language):
    assert choose(None, detector.detect(text)).language == language


@pytest.mark.parametrize("text", ["ok", "refund", "thanks", "8190334512007781", "yes", "menu", "iPhone 15 Pro",
                                  "no", "lol"])
def test_short_or_wordless_messages_never_flip_a_settled_conversation(detector, text):
    for language in ("es", "pt", "fr", "ru"):
        assert choose(language, detector.detect(text), settled=True).language == language


def test_a_clear_message_in_another_language_changes_it_and_a_doubtful_one_needs_a_second(detector):
    clear = detector.detect("sorry, can you please answer me in english, i do not understand spanish")
    assert choose("es", clear, settled=True).language == "en"
    doubtful = Detected("pt", 0.55, 5)
    first = choose("es", doubtful, settled=True)
    assert first.language == "es" and first.candidate == "pt"
    assert choose("es", doubtful, settled=True, candidate=first.candidate).language == "pt"


def test_an_unsettled_start_gives_way_to_the_first_clear_message(detector):
    start = choose(None, detector.detect("hi"))
    assert start.language == "en" and not start.settled
    assert choose("en", detector.detect("mi pedido nunca llegó, quiero mi dinero"), settled=start.settled).language \
        == "es"


def test_hints_and_memory_decide_when_the_message_cannot():
    assert choose(None, None, hint="pt-BR").language == "pt"
    assert choose(None, None, hint="de", remembered="fr").language == "fr"
    assert choose(None, Detected("en", 0.4, 1), hint="ru").language == "ru"


def test_a_language_we_do_not_speak_is_answered_in_english_with_a_note(detector):
    detected = detector.detect("wo ist mein paket, ich warte schon seit drei wochen darauf")
    choice = choose(None, detected)
    assert choice.language == "en" and choice.unsupported == "de"


@pytest.mark.parametrize("text, language", [
    ("en español por favor", "es"), ("speak english please", "en"), ("em português", "pt"),
    ("parlez français svp", "fr"), ("по-русски пожалуйста", "ru"), ("/language pt", "pt"), ("/language", "?"),
    ("my dress is not in english sizes and the seller will not answer me", None), ("english", None),
])
def test_asked_languages(text, language):
    assert asked_language(text) == language


def test_money_and_dates_in_each_language():
    from datetime import date

    assert translator("en").money("5.5", "USD") == "5.50 USD"
    assert translator("es").money("5.5", "EUR") == "5,50\xa0€"
    assert translator("pt").money("20", "BRL") == "R$\xa020,00"
    assert translator("ru").money("500", "RUB") == "500,00\xa0₽"
    assert translator("fr").day(date(2026, 12, 15)) == "15 déc. 2026"
    assert translator("xx").day(date(2026, 12, 15)) == "15 Dec 2026"  # unknown: English
