"""Models prepared for inference (bot.nlu.inference) predict what the fitted scikit-learn models predict."""
from __future__ import annotations

import copy

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from bot.nlu.inference import SequentialUnion, StackedBinaryLogistic, prepare_for_inference
from bot.rasa.nlu.problem_classifier import build_pipeline
from bot.nlu.text_features import text_features

TEXTS = ["the earbuds arrived broken", "item never arrived", "wrong colour sent", "package empty",
         "seller sent fake brand", "arrived late and damaged", "only one of two items came", "size is wrong",
         "it does not work at all", "tracking says delivered but nothing here", "box crushed, screen cracked",
         "color is different from the photo"]
LABELS = [["damaged"], ["not_received"], ["wrong_item"], ["empty_package"], ["counterfeit"], ["damaged"],
          ["missing_parts"], ["wrong_item"], ["not_working"], ["not_received"], ["damaged"], ["wrong_item"]]
INTENTS = ["report", "track", "report", "report", "report", "report", "report", "report", "report", "track",
           "report", "greet"]
UNSEEN = ["my parcel never came", "the phone screen is cracked", "hello there", "wrong size and colour", "",
          "this is a fake", "arrived broken and late, one piece missing"]


def test_problem_classifier_pipeline_same_probabilities_as_one_vs_rest():
    targets = MultiLabelBinarizer().fit_transform(LABELS)
    fitted = build_pipeline(10.0).fit(TEXTS, targets)
    expected = fitted.predict_proba(UNSEEN)
    prepared = prepare_for_inference(copy.deepcopy(fitted))
    assert isinstance(prepared.steps[-1][1], StackedBinaryLogistic)
    np.testing.assert_allclose(prepared.predict_proba(UNSEEN), expected, rtol=1e-10, atol=1e-12)


def test_intent_pipeline_same_probabilities_and_classes():
    fitted = make_pipeline(text_features(), LogisticRegression(C=50.0, class_weight="balanced", max_iter=3000))
    fitted.fit(TEXTS, INTENTS)
    expected = fitted.predict_proba(UNSEEN)
    prepared = prepare_for_inference(copy.deepcopy(fitted))
    assert prepared.steps[-1][1].coef_.T.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(prepared.predict_proba(UNSEEN), expected, rtol=1e-10, atol=1e-12)
    assert list(prepared.classes_) == list(fitted.classes_)


def test_shapes_it_does_not_know_are_left_alone():
    single = build_pipeline(10.0, cue_weight=0).fit(TEXTS, MultiLabelBinarizer().fit_transform(
        [["damaged"] if "broken" in t or "damaged" in t else [] for t in TEXTS]))
    assert StackedBinaryLogistic.from_fitted(single.steps[-1][1]) is None  # one label: sklearn special-cases it
    assert prepare_for_inference({"not": "a pipeline"}) == {"not": "a pipeline"}


def test_the_two_classifiers_share_one_computation_of_the_same_text_features(monkeypatch):
    from sklearn.pipeline import FeatureUnion

    intents = make_pipeline(text_features(), LogisticRegression(C=50.0, class_weight="balanced", max_iter=3000))
    intents.fit(TEXTS, INTENTS)
    problems = build_pipeline(10.0).fit(TEXTS, MultiLabelBinarizer().fit_transform(LABELS))
    expected = (intents.predict_proba(UNSEEN), problems.predict_proba(UNSEEN))
    intents_ready = prepare_for_inference(copy.deepcopy(intents))
    problems_ready = prepare_for_inference(copy.deepcopy(problems))
    calls = []
    real_transform = FeatureUnion.transform

    def counting(self, texts):
        calls.append([name for name, _ in self.transformer_list])
        return real_transform(self, texts)

    monkeypatch.setattr(FeatureUnion, "transform", counting)
    for text in UNSEEN:
        np.testing.assert_allclose(intents_ready.predict_proba([text]), expected[0][UNSEEN.index(text):][:1],
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(problems_ready.predict_proba([text]), expected[1][UNSEEN.index(text):][:1],
                                   rtol=1e-10, atol=1e-12)
    # Per message: the word and character n-grams once (not twice); the problem classifier's outer union is a
    # SequentialUnion (no joblib round per message), with the same probabilities (asserted above).
    assert calls.count(["words", "chars"]) == len(UNSEEN)
    assert calls.count(["text", "cues"]) == 0
    assert isinstance(problems_ready.steps[0][1].steps[-1][1], SequentialUnion)  # after the text picker


def test_differently_fitted_text_features_are_not_shared():
    one = make_pipeline(text_features(), LogisticRegression(max_iter=3000)).fit(TEXTS, INTENTS)
    other = make_pipeline(text_features(), LogisticRegression(max_iter=3000)).fit(TEXTS[:-3] + ["x y z"] * 3,
                                                                              INTENTS)
    one_ready, other_ready = prepare_for_inference(copy.deepcopy(one)), prepare_for_inference(copy.deepcopy(other))
    assert one_ready.steps[0][1].fingerprint != other_ready.steps[0][1].fingerprint
    np.testing.assert_allclose(other_ready.predict_proba(UNSEEN), other.predict_proba(UNSEEN), rtol=1e-10)
    np.testing.assert_allclose(one_ready.predict_proba(UNSEEN), one.predict_proba(UNSEEN), rtol=1e-10)
