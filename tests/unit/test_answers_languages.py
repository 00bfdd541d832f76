"""Typed answers in Spanish, Portuguese, French and Russian (bot.conversation.answers): what buyers type on a phone,
with and without accents, read the same whatever the conversation's language; and words that only look like an
answer ("sinal", "nombre", "nada") left alone."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from bot.conversation import answers

PRICE = Decimal("22.00")


def _amount(text: str, bare: bool):
    found = answers.amount_in(text, PRICE, bare_numbers=bare)
    return None if found is None else found.normalize()


# (language, what is read, text, expected). Kinds: yes (yes_or_no), cancel/escalate/accept/open (yes_or_no with
# the verb the confirmation asked about), received, resolution, amount (the amount was asked: bare numbers count),
# said_amount (not asked: a currency or a correction is needed), photos, correction (yes_or_no and the amount of
# "no, change the amount to 6" at the summary), skip, position, question.
CASES = [
    # ---- Spanish ----
    ("es", "yes", "sí", True), ("es", "yes", "si claro", True), ("es", "yes", "Sí, claro!!", True),
    ("es", "yes", "dale", True), ("es", "yes", "vale", True), ("es", "yes", "de acuerdo", True),
    ("es", "yes", "sip", True), ("es", "yes", "sin problema", True), ("es", "yes", "si porfa", True),
    ("es", "yes", "nop", False), ("es", "yes", "no", False), ("es", "yes", "para nada", False),
    ("es", "yes", "no es correcto", False), ("es", "yes", "sí pero no", None),
    ("es", "escalate", "sí, escálala", True), ("es", "cancel", "si, cancelala", True),
    ("es", "cancel", "no, no la canceles", False), ("es", "accept", "sí, acepto", True),
    ("es", "received", "no llegó", False), ("es", "received", "nunca llego", False),
    ("es", "received", "todavía no", False), ("es", "received", "sí, ya lo tengo", True),
    ("es", "received", "me llegó ayer", True),
    ("es", "resolution", "reembolso total", "full_refund"), ("es", "resolution", "reembolso parcial", "partial_refund"),
    ("es", "resolution", "quiero otro producto", "another_item"),
    ("es", "resolution", "que me manden otro", "another_item"),
    ("es", "resolution", "me lo quedo con un descuento", "partial_refund"),
    ("es", "resolution", "olvida el reemplazo, mejor reembolso total", "full_refund"),
    ("es", "amount", "5,50 €", Decimal("5.5")), ("es", "amount", "€5,50", Decimal("5.5")),
    ("es", "amount", "la mitad", Decimal("11")), ("es", "amount", "1.000,50", Decimal("1000.5")),
    ("es", "said_amount", "quiero 20 euros de vuelta", Decimal("20")),
    ("es", "said_amount", "unos 7 dólares", Decimal("7")),
    ("es", "photos", "después", "later"), ("es", "photos", "te las mando más tarde", "later"),
    ("es", "photos", "sin fotos", "none"), ("es", "photos", "no tengo fotos", "none"),
    ("es", "correction", "no, cambia el monto a 6", (False, Decimal("6"))),
    ("es", "skip", "nada más", True), ("es", "position", "el segundo", 1), ("es", "position", "el último", -1),
    ("es", "question", "cuánto tarda el reembolso", True), ("es", "question", "¿puedo cambiarlo", True),
    # ---- Portuguese ----
    ("pt", "yes", "sim", True), ("pt", "yes", "isso", True), ("pt", "yes", "pode ser", True),
    ("pt", "yes", "isso mesmo", True), ("pt", "yes", "tá bom", True), ("pt", "yes", "beleza", True),
    ("pt", "yes", "s", True), ("pt", "yes", "não", False), ("pt", "yes", "nao", False), ("pt", "yes", "n", False),
    ("pt", "yes", "de jeito nenhum", False), ("pt", "yes", "sem problema", True),
    ("pt", "cancel", "pode cancelar", True), ("pt", "cancel", "sim, cancela", True),
    ("pt", "escalate", "pode escalar", True), ("pt", "accept", "sim, aceito", True),
    ("pt", "received", "não chegou", False), ("pt", "received", "n chegou ainda", False),
    ("pt", "received", "ainda nao", False), ("pt", "received", "chegou sim", True), ("pt", "received", "recebi", True),
    ("pt", "resolution", "reembolso total", "full_refund"), ("pt", "resolution", "reembolso parcial", "partial_refund"),
    ("pt", "resolution", "quero outro item", "another_item"), ("pt", "resolution", "troca por outro", "another_item"),
    ("pt", "resolution", "quero meu dinheiro de volta", "full_refund"),
    ("pt", "resolution", "fico com ele e quero um desconto", "partial_refund"),
    ("pt", "amount", "R$ 20", Decimal("20")), ("pt", "amount", "R$20,90", Decimal("20.9")),
    ("pt", "amount", "20 reais", Decimal("20")), ("pt", "amount", "a metade", Decimal("11")),
    ("pt", "amount", "R$ 1.000,50", Decimal("1000.5")),
    ("pt", "said_amount", "quero 15 reais de volta", Decimal("15")),
    ("pt", "photos", "mais tarde", "later"), ("pt", "photos", "mando depois", "later"),
    ("pt", "photos", "sem fotos", "none"), ("pt", "photos", "não tenho", "none"),
    ("pt", "correction", "não, muda o valor pra 6", (False, Decimal("6"))),
    ("pt", "skip", "nada a acrescentar", True), ("pt", "position", "o segundo", 1), ("pt", "position", "o último", -1),
    ("pt", "question", "quanto tempo demora", True),
    # ---- French ----
    ("fr", "yes", "oui", True), ("fr", "yes", "ouais", True), ("fr", "yes", "d'accord", True),
    ("fr", "yes", "D’accord !", True), ("fr", "yes", "ok vas-y", True), ("fr", "yes", "bien sûr", True),
    ("fr", "yes", "pas de souci", True), ("fr", "yes", "c'est bon", True),
    ("fr", "yes", "non", False), ("fr", "yes", "nan", False), ("fr", "yes", "surtout pas", False),
    ("fr", "yes", "attends", False), ("fr", "yes", "c'est pas ça", False),
    ("fr", "cancel", "oui, annule", True), ("fr", "cancel", "oui annule-le", True),
    ("fr", "accept", "oui j'accepte", True),
    ("fr", "received", "pas reçu", False), ("fr", "received", "toujours pas", False),
    ("fr", "received", "jamais reçu", False), ("fr", "received", "oui je l'ai reçu", True),
    ("fr", "received", "reçu", True),
    ("fr", "resolution", "remboursement", "full_refund"),
    ("fr", "resolution", "remboursement partiel", "partial_refund"),
    ("fr", "resolution", "je le garde avec une réduction", "partial_refund"),
    ("fr", "resolution", "un autre article", "another_item"), ("fr", "resolution", "un échange", "another_item"),
    ("fr", "amount", "5,50€", Decimal("5.5")), ("fr", "amount", "20 euros", Decimal("20")),
    ("fr", "amount", "la moitié", Decimal("11")), ("fr", "amount", "1 000,50 €", Decimal("1000.5")),
    ("fr", "said_amount", "remboursez-moi 10 euros", Decimal("10")),
    ("fr", "photos", "plus tard", "later"), ("fr", "photos", "demain", "later"),
    ("fr", "photos", "pas de photo", "none"), ("fr", "photos", "sans photos", "none"),
    ("fr", "photos", "je n'en ai pas", "none"),
    ("fr", "correction", "non, mets 6", (False, Decimal("6"))),
    ("fr", "skip", "rien à ajouter", True), ("fr", "position", "la deuxième", 1), ("fr", "position", "le dernier", -1),
    ("fr", "question", "combien de temps ça prend", True),
    # ---- Russian ----
    ("ru", "yes", "да", True), ("ru", "yes", "ага", True), ("ru", "yes", "угу", True), ("ru", "yes", "конечно", True),
    ("ru", "yes", "Да, всё верно", True), ("ru", "yes", "давай", True), ("ru", "yes", "не вопрос", True),
    ("ru", "yes", "нет", False), ("ru", "yes", "неа", False), ("ru", "yes", "подожди", False),
    ("ru", "yes", "не верно", False),
    ("ru", "cancel", "да, отменяй", True), ("ru", "cancel", "нет, не отменяй", False),
    ("ru", "escalate", "да, передай", True), ("ru", "accept", "да, принимаю", True),
    ("ru", "received", "не пришло", False), ("ru", "received", "ещё нет", False), ("ru", "received", "пришло", True),
    ("ru", "received", "да, получил", True), ("ru", "received", "до сих пор жду", False),
    ("ru", "resolution", "полный возврат", "full_refund"), ("ru", "resolution", "частичный возврат", "partial_refund"),
    ("ru", "resolution", "замена", "another_item"), ("ru", "resolution", "хочу другой товар", "another_item"),
    ("ru", "resolution", "пришлите другое платье", "another_item"), ("ru", "resolution", "хочу другое", "another_item"),
    ("pt", "resolution", "quero outra", "another_item"), ("es", "resolution", "quiero otra", "another_item"),
    ("pt", "resolution", "quero uma outra", "another_item"),
    ("pt", "said_amount", "quero ficar com ele e receber 7,50 de volta", Decimal("7.50")),
    ("es", "said_amount", "me lo quedo si me dan 5,50 de vuelta", Decimal("5.50")),
    ("fr", "said_amount", "je le garde avec 12,50 de remboursement", Decimal("12.50")),
    ("ru", "resolution", "не хочу замену, верните деньги", "full_refund"),
    ("ru", "amount", "500 руб", Decimal("500")), ("ru", "amount", "500 рублей", Decimal("500")),
    ("ru", "amount", "500₽", Decimal("500")), ("ru", "amount", "1 000 ₽", Decimal("1000")),
    ("ru", "amount", "половину", Decimal("11")), ("ru", "amount", "1 000", Decimal("1000")),
    ("ru", "said_amount", "верните 300 р.", Decimal("300")),
    ("ru", "photos", "потом", "later"), ("ru", "photos", "пришлю позже", "later"), ("ru", "photos", "без фото", "none"),
    ("ru", "photos", "фото нет", "none"),
    ("ru", "correction", "нет, сумма 6", (False, Decimal("6"))),
    ("ru", "skip", "ничего", True), ("ru", "position", "второй", 1), ("ru", "position", "последний", -1),
    ("ru", "question", "сколько ждать возврат", True),
]

# Words that only look like an answer.
NOT_ANSWERS = [
    ("yes", "sinal", None), ("yes", "nombre", None), ("yes", "la sim card", None),
    ("yes", "si el vendedor acepta me avisas", None), ("yes", "nada", None),
    ("received", "sinal", None), ("received", "nombre del vendedor", None),
    ("amount", "nada", None), ("said_amount", "поставь 5 раз", None), ("said_amount", "esperé 6 días", None),
    ("said_amount", "pedido 8190334512007790", None), ("said_amount", "commande 8190334512007790", None),
    ("said_amount", "3 rubber feet are missing", None), ("said_amount", "i bought 2 back covers", None),
    ("said_amount", "3 weeks back i ordered it", None), ("said_amount", "20 рубашек", None),
    ("resolution", "llegó otro color", None), ("resolution", "nombre", None),
    ("resolution", "trocar o valor da disputa", None), ("resolution", "quero outra coisa", None),
    ("resolution", "хочу еще спросить", None),
    ("photos", "aquí está la foto", None), ("photos", "voici la photo", None), ("photos", "вот фото", None),
    ("position", "mi último pedido", None), ("position", "мой последний заказ", None),
    ("skip", "no funciona", False),
]


def _read(kind: str, text: str):
    if kind == "yes":
        return answers.yes_or_no(text)
    if kind in ("cancel", "escalate", "accept", "open"):
        return answers.yes_or_no(text, verb=kind)
    if kind == "received":
        return answers.received(text)
    if kind == "resolution":
        return answers.resolution_in(text)
    if kind == "amount":
        return _amount(text, True)
    if kind == "said_amount":
        return _amount(text, False)
    if kind == "photos":
        return answers.photos_answer(text)
    if kind == "correction":
        return answers.yes_or_no(text), _amount(text, False)
    if kind == "skip":
        return answers.skips(text)
    if kind == "position":
        return answers.position_in(text)
    if kind == "question":
        return answers.is_question(text)
    raise AssertionError(kind)


def _expected(value):
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, tuple):
        return tuple(_expected(v) for v in value)
    return value


@pytest.mark.parametrize("language,kind,text,expected", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_typed_answers_in_other_languages(language, kind, text, expected):
    assert _read(kind, text) == _expected(expected)


@pytest.mark.parametrize("kind,text,expected", NOT_ANSWERS, ids=[f"{c[0]}-{c[1]}" for c in NOT_ANSWERS])
def test_words_that_only_look_like_answers(kind, text, expected):
    assert _read(kind, text) == expected


def test_every_language_has_enough_cases_of_each_kind():
    per_language = Counter(language for language, *_ in CASES)
    assert all(per_language[language] >= 15 for language in ("es", "pt", "fr", "ru")), per_language
    kinds = {language: {kind for lang, kind, *_ in CASES if lang == language} for language in per_language}
    for language, seen in kinds.items():
        assert {"yes", "cancel", "received", "resolution", "amount", "photos", "correction"} <= seen, language


def test_half_is_half_of_the_price_and_needs_it():
    assert answers.amount_in("la mitad", None, bare_numbers=True) is None
    assert all(answers.amount_words(t) for t in ("la mitad", "a metade", "la moitié", "половину", "todo", "tout"))
    assert answers.amount_in("половина", Decimal("9.99"), bare_numbers=False) == Decimal("5.00")


def test_the_verb_asked_about_is_not_a_no_in_other_languages():
    # "cancelar" alone at another question is a no, as "cancel" is in English.
    assert answers.yes_or_no("sí, cancela") is None
    assert answers.yes_or_no("sí, cancela", verb="cancel") is True
    assert answers.yes_or_no("oui, annule") is None
    assert answers.yes_or_no("oui, annule", verb="cancel") is True


def test_english_is_read_as_before():
    assert answers.yes_or_no("no problem") is False
    assert answers.yes_or_no("non-stop yes") is True
    assert answers.received("when do refunds usually arrive") is None
    assert answers.says_full("total scam, refund me") is False
    assert answers.amount_in("$5", PRICE, bare_numbers=False) == Decimal("5")
    assert answers.amount_in("3 keys are dead", PRICE, bare_numbers=True) == Decimal("3")
    # The amount being replaced is not the amount asked for.
    assert answers.amount_in("i want 20 back instead of 15", PRICE, bare_numbers=False) == Decimal("20")
    assert answers.amount_in("partial refund of 7 instead of 10", PRICE, bare_numbers=False) == Decimal("7")
