"""The sentence encoder featurizer (bot.rasa.nlu.sentence_encoder) and its features reaching both classifiers."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.nlu.encoded_text import EncodedText, encoded
from bot.rasa.nlu.intent_classifier import IntentClassifier
from bot.rasa.nlu.problem_classifier import ProblemClassifier
from bot.rasa.nlu.sentence_encoder import DIMENSIONS, SentenceEncoderFeaturizer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def featurizer() -> SentenceEncoderFeaturizer:
    return SentenceEncoderFeaturizer({}, "sentence_encoder")


def sentence_of(featurizer: SentenceEncoderFeaturizer, text: str) -> np.ndarray:
    message = Message(data={TEXT: text})
    featurizer.process([message])
    _, sentence = message.get_dense_features(TEXT)
    assert sentence is not None, f"no sentence features for {text!r}"
    return sentence.features


def test_one_normalised_row_of_512_per_message(featurizer):
    vector = sentence_of(featurizer, "my parcel never arrived")
    assert vector.shape == (1, DIMENSIONS)
    assert vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)
    sequence, _ = Message(data={TEXT: "x"}).get_dense_features(TEXT)
    assert sequence is None  # sentence-level only: the CRF's token features are untouched


def test_same_text_same_features_alone_or_in_a_batch(featurizer):
    alone = sentence_of(featurizer, "where is my refund")
    messages = [Message(data={TEXT: t}) for t in ["hello", "where is my refund", "the lamp came broken"]]
    featurizer.process(messages)
    in_batch = messages[1].get_dense_features(TEXT)[1].features
    np.testing.assert_allclose(alone, sentence_of(featurizer, "where is my refund"))
    np.testing.assert_allclose(alone, in_batch, atol=1e-5)


def test_meaning_not_words_brings_messages_close(featurizer):
    never_came = sentence_of(featurizer, "my package never showed up")
    still_waiting = sentence_of(featurizer, "still waiting for the parcel after two months")
    greeting = sentence_of(featurizer, "good morning, how are you")
    assert float(never_came @ still_waiting.T) > float(never_came @ greeting.T) + 0.1


def test_empty_text_gets_a_finite_vector(featurizer):
    vector = sentence_of(featurizer, "")
    assert vector.shape == (1, DIMENSIONS) and np.isfinite(vector).all()


@pytest.mark.parametrize("text", ["mi pedido nunca llegó y el vendedor no contesta",
                                  "хочу поговорить с оператором", "cadê o meu reembolso?",
                                  "où en est mon litige ?", "我的包裹没有到", "🤬🤬📦❌"])
def test_non_english_text(featurizer, text):
    vector = sentence_of(featurizer, text)
    assert vector.shape == (1, DIMENSIONS) and np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)


def test_a_4000_character_text_is_encoded_from_its_beginning(featurizer):
    long_text = ("the seller sent the wrong size and never answers my messages. " * 70)[:4000]
    assert len(long_text) == 4000
    vector = sentence_of(featurizer, long_text)
    assert vector.shape == (1, DIMENSIONS) and np.isfinite(vector).all()
    clipped = sentence_of(featurizer, long_text[: featurizer.get_default_config()["max_chars"]])
    np.testing.assert_allclose(vector, clipped, atol=1e-5)


def test_a_button_payload_is_not_encoded(featurizer):
    message = Message(data={TEXT: '/choose_order{"order_number": "8000123412341234"}'})
    featurizer.process([message])
    assert message.get_dense_features(TEXT) == (None, None)
    assert encoded(message).sentence is None


def test_message_without_text_is_left_alone(featurizer):
    message = Message(data={INTENT: "greet"})
    featurizer.process([message])
    assert message.get_dense_features(TEXT) == (None, None)


# --- the features reach both classifiers --------------------------------------------------------------------

EXAMPLES = [
    ("my parcel never arrived", "open_dispute", "not_received"),
    ("the order did not come, it has been two months", "open_dispute", "not_received"),
    ("package still not here after 60 days", "open_dispute", "not_received"),
    ("the vase arrived smashed to pieces", "open_dispute", "damaged"),
    ("the screen was cracked when I opened the box", "open_dispute", "damaged"),
    ("it came broken", "open_dispute", "damaged"),
    ("where is my refund", "check_refund_status", None),
    ("when do I get my money back", "check_refund_status", None),
    ("refund still not on my card", "check_refund_status", None),
    ("hello", "greet", None),
    ("hi there", "greet", None),
    ("good morning", "greet", None),
]


def training_data(featurizer) -> TrainingData:
    messages = []
    for text, intent, problem in EXAMPLES:
        entities = [{"entity": "problem", "value": problem, "start": 0, "end": len(text)}] if problem else []
        messages.append(Message(data={TEXT: text, INTENT: intent, ENTITIES: entities}))
    data = TrainingData(training_examples=messages)
    return featurizer.process_training_data(data)


def trained(component_class, tmp_path: Path, data: TrainingData, name: str, **config):
    (tmp_path / name).mkdir()
    storage = LocalModelStorage(tmp_path / name)
    context = ExecutionContext(GraphSchema({}), "test")
    component = component_class.create({**component_class.get_default_config(), **config}, storage, Resource(name),
                                       context)
    component.train(data)
    return component


def test_both_classifiers_are_trained_with_the_sentence_features(featurizer, tmp_path):
    data = training_data(featurizer)
    intents = trained(IntentClassifier, tmp_path, data, "intent")
    problems = trained(ProblemClassifier, tmp_path, data, "problem")
    for pipeline in (intents._model, problems._model["pipeline"]):
        union = pipeline.steps[0][1]
        assert [name for name, _ in union.transformer_list] == ["text", "sentence"]
        coefficients = pipeline.steps[-1][1]
        weights = (np.vstack([e.coef_ for e in coefficients.estimators_]) if hasattr(coefficients, "estimators_")
                   else coefficients.coef_)
        assert np.abs(weights[:, -DIMENSIONS:]).sum() > 0.1, "the classifier gives the embedding no weight"


def test_changing_only_the_sentence_features_changes_both_predictions(featurizer, tmp_path):
    data = training_data(featurizer)
    # Twelve examples: a weight above the shipped one, so the embedding alone can decide here.
    intents = trained(IntentClassifier, tmp_path, data, "intent", sentence_weight=2.0)
    problems = trained(ProblemClassifier, tmp_path, data, "problem", sentence_weight=2.0)

    def parse(text: str, sentence_from: str) -> Message:
        message = Message(data={TEXT: text})
        donor = Message(data={TEXT: sentence_from})
        featurizer.process([donor])
        message.features = list(donor.features)
        intents.process([message])
        problems.process([message])
        return message

    text = "zzz qqq"  # no word or character n-gram of the training data: only the embedding can tell
    as_missing = parse(text, "my package never showed up, still waiting")
    as_greeting = parse(text, "hey, good morning")
    assert as_missing.get(INTENT)["name"] == "open_dispute"
    assert as_greeting.get(INTENT)["name"] == "greet"
    ranking = {m: {r["code"]: r["confidence"] for r in msg.get("problem_ranking")}
               for m, msg in (("missing", as_missing), ("greeting", as_greeting))}
    assert ranking["missing"]["not_received"] > ranking["greeting"]["not_received"] + 0.1


def test_without_the_encoder_the_classifiers_use_n_grams_alone(tmp_path):
    messages = [Message(data={TEXT: t, INTENT: i}) for t, i, _ in EXAMPLES]
    intents = trained(IntentClassifier, tmp_path, TrainingData(training_examples=messages), "plain")
    from sklearn.pipeline import Pipeline

    features = intents._model.steps[0][1]
    assert isinstance(features, Pipeline), "n-grams alone: no union with a sentence part"
    message = Message(data={TEXT: "hello there"})
    intents.process([message])
    assert message.get(INTENT)["name"] == "greet" and message.get(INTENT_RANKING_KEY)


def test_encoded_item_of_a_message_without_features():
    assert encoded(Message(data={TEXT: "hi"})) == EncodedText("hi", None)


def test_config_puts_the_encoder_before_both_classifiers():
    names = [step["name"] for step in yaml.safe_load((REPO / "config.yml").read_text())["pipeline"]]
    encoder = names.index("bot.rasa.nlu.sentence_encoder.SentenceEncoderFeaturizer")
    assert encoder < names.index("bot.rasa.nlu.intent_classifier.IntentClassifier")
    assert encoder < names.index("bot.rasa.nlu.problem_classifier.ProblemClassifier")


def test_prepared_for_inference_predicts_the_same(featurizer, tmp_path):
    from bot.nlu.inference import prepare_for_inference

    data = training_data(featurizer)
    intents = trained(IntentClassifier, tmp_path, data, "intent")
    messages = [Message(data={TEXT: t}) for t in ["parcel never came", "refund when?", "hey"]]
    featurizer.process(messages)
    items = [encoded(m) for m in messages]
    expected = intents._model.predict_proba(items)
    prepared = prepare_for_inference(copy.deepcopy(intents._model))
    np.testing.assert_allclose(prepared.predict_proba(items), expected, rtol=1e-9, atol=1e-12)


def test_repeated_texts_are_not_encoded_again_and_the_memory_is_bounded():
    from bot.rasa.nlu.sentence_encoder import UniversalSentenceEncoder

    encoder = UniversalSentenceEncoder(threads=1, remembered=2)
    real_model = encoder._model
    calls = []

    class CountingModel:
        def encode(self, texts):
            calls.append(list(texts))
            return real_model.encode(texts)

    encoder._model = CountingModel()
    first = encoder.encode(["yes", "where is my refund"])
    again = encoder.encode(["where is my refund", "yes", "yes"])
    np.testing.assert_allclose(again, first[[1, 0, 0]])
    assert calls == [["yes", "where is my refund"]]
    encoder.encode(["no"])  # evicts the least recently used ("where is my refund")
    encoder.encode(["where is my refund"])
    assert calls[-1] == ["where is my refund"] and len(encoder._recent) == 2
