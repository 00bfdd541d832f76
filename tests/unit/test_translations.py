"""The message catalogue is complete: every text marked in the code (`_()`, `N_()`, `plural()` in bot/ and
actions/, `t()` in the widget) has a translation in every language we speak, keeping its {placeholders}.
A new text fails this test until `make translations` adds it to the .po files and someone translates it."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DEFAULT, SUPPORTED
from bot.i18n.catalogue import LOCALES_DIR, placeholders, po_path

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "t": None, "plural": (1, 2)}
METHODS = [("bot/**.py", "python"), ("actions/**.py", "python"), ("bot/web/**.js", "javascript")]


def marked_texts():
    texts = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        if isinstance(message, (tuple, list)):
            texts.add((message[0], message[1]))
        elif message:
            texts.add(message)
    return texts


@pytest.fixture(scope="module")
def texts():
    found = marked_texts()
    assert len(found) > 100  # the extraction found the code's texts at all
    return found


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED if lang != DEFAULT])
def test_every_marked_text_is_translated(texts, language):
    with po_path(language, LOCALES_DIR).open("rb") as f:
        catalog = read_po(f, locale=language)
    translated = {}
    for message in catalog:
        if message.id and not message.fuzzy:
            key = (message.id[0], message.id[1]) if isinstance(message.id, (tuple, list)) else message.id
            translated[key] = message.string
    missing = sorted(str(t) for t in texts if not translated.get(t) or (
        isinstance(translated[t], (tuple, list)) and not all(translated[t])))
    assert not missing, f"{len(missing)} text(s) without a {language} translation (make translations): {missing[:10]}"
    broken = [t for t in texts if isinstance(t, str) and placeholders(translated[t]) != placeholders(t)]
    assert not broken, f"{language} translations that lose or add a placeholder: {broken[:10]}"
