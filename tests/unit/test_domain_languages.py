"""Every response in domain.yml speaks the five languages: one variation per language on the `language` slot
(es, pt, fr, ru), then the English one last with no condition (Rasa's default when no condition matches).
Translations keep the English buttons' payloads exactly, in the same order, and the same figures (days, MB, files)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
LANGUAGES = ("es", "pt", "fr", "ru")
RESPONSES = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def _language(variation):
    """The language a variation is conditioned on (None for the unconditioned default)."""
    condition = variation.get("condition")
    if condition is None:
        return None
    assert len(condition) == 1, condition
    (only,) = condition
    assert only.get("type") == "slot" and only.get("name") == "language", only
    return only["value"]


def _payloads(variation):
    return [button["payload"] for button in variation.get("buttons") or []]


def test_the_language_slot_has_every_language():
    slot = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["slots"]["language"]
    assert set(slot["values"]) == {"en", *LANGUAGES}


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_language_has_one_variation_and_english_is_the_default(name):
    variations = RESPONSES[name]
    languages = [_language(v) for v in variations]
    assert sorted(lang for lang in languages if lang) == sorted(LANGUAGES), (name, languages)
    assert languages.count(None) == 1 and languages[-1] is None, f"{name}: English must be last, unconditioned"
    for variation in variations:
        assert isinstance(variation.get("text"), str) and variation["text"].strip(), (name, _language(variation))


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_translations_keep_the_buttons_and_the_figures(name):
    english = RESPONSES[name][-1]
    figures = sorted(re.findall(r"\d+", english["text"]))
    for variation in RESPONSES[name][:-1]:
        language = _language(variation)
        assert _payloads(variation) == _payloads(english), (name, language)
        assert all(str(b.get("title") or "").strip() for b in variation.get("buttons") or []), (name, language)
        # 15 days, 7-10 business days, 20 MB, 10 files, MP4: the same numbers, whatever the wording around them.
        assert sorted(re.findall(r"\d+", variation["text"])) == figures, (name, language, variation["text"])
        assert variation["text"] != english["text"], (name, language, "not translated")


@pytest.mark.parametrize("language", ["en", *LANGUAGES, None])
async def test_rasa_picks_the_conversation_language(language):
    """What the buyer gets: Rasa's response generator chooses the variation of the slot's language, English when
    the slot is English or not set yet."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(DOMAIN))
    events = [SlotSet("language", language)] if language else []
    tracker = DialogueStateTracker.from_events("buyer", events, slots=domain.slots)
    generator = TemplatedNaturalLanguageGenerator(domain.responses)
    for name, variations in RESPONSES.items():
        expected = next((v for v in variations if _language(v) == language), variations[-1])
        generated = await generator.generate(name, tracker, "rest")
        assert generated["text"] == expected["text"].replace("{{", "{").replace("}}", "}"), (name, language)
        assert [b["payload"] for b in generated.get("buttons") or []] == [
            p.replace("{{", "{").replace("}}", "}") for p in _payloads(expected)], (name, language)
