"""Fitted scikit-learn models made cheaper to run, with the same predictions (tests/unit/test_nlu_inference.py).

Found with py-spy under load: a logistic regression multiplies each message's sparse features by its weight
matrix, and scipy first copies that matrix (every call) unless its transpose is C-contiguous; the one-vs-rest
problem classifier runs fourteen separate small regressions per message; and the intent and problem
classifiers both compute the same word and character n-grams of the same message (their text features are
fitted on the same examples, so they are identical). Applied when a model is loaded, so models already trained
benefit and training is unchanged.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

import numpy as np

TEXT_FEATURE_NAMES = ["words", "chars"]  # bot.nlu.text_features
_RECENT_FEATURES: OrderedDict[tuple, Any] = OrderedDict()
_RECENT_LIMIT = 8  # the components of one message run one after the other; a few messages is plenty


class SharedTextFeatures:
    """Fitted text features whose results are shared with every identically fitted copy in this process:
    the second classifier to see a message reuses the first one's matrix (read-only for both)."""

    def __init__(self, union: Any) -> None:
        import joblib

        self.union = union
        self.fingerprint = joblib.hash(union)  # equal only for identically fitted vocabularies and weights

    def transform(self, texts) -> Any:
        key = (self.fingerprint, tuple(texts))
        features = _RECENT_FEATURES.get(key)
        if features is None:
            features = self.union.transform(texts)
            _RECENT_FEATURES[key] = features
            while len(_RECENT_FEATURES) > _RECENT_LIMIT:
                _RECENT_FEATURES.popitem(last=False)
        return features


def _share_text_features(step: Any) -> Any:
    from sklearn.pipeline import FeatureUnion, Pipeline

    if isinstance(step, Pipeline):  # e.g. bot.rasa.nlu.encoded_text.on_text: texts picked out, then n-grams
        step.steps = [(name, _share_text_features(part)) for name, part in step.steps]
        return step
    if not isinstance(step, FeatureUnion):
        return step
    if [name for name, _ in step.transformer_list] == TEXT_FEATURE_NAMES:
        return SharedTextFeatures(step)
    step.transformer_list = [(name, _share_text_features(part)) for name, part in step.transformer_list]
    return SequentialUnion.of(step)


class SequentialUnion:
    """A fitted FeatureUnion's transform without joblib: scikit-learn's goes through joblib.Parallel even for one
    message, about 0.8 ms per call, and a parse makes three such calls (the encoder's features beside n-grams)."""

    def __init__(self, parts: list, weights: dict) -> None:
        self.parts = parts
        self.weights = weights

    @classmethod
    def of(cls, union: Any) -> Any:
        if any(isinstance(part, str) for _, part in union.transformer_list):  # "drop" / "passthrough"
            return union
        return cls(union.transformer_list, dict(union.transformer_weights or {}))

    def transform(self, items) -> Any:
        import scipy.sparse as sp

        blocks = []
        for name, part in self.parts:
            block = part.transform(items)
            weight = self.weights.get(name)
            blocks.append(block * weight if weight is not None else block)
        if any(sp.issparse(block) for block in blocks):
            return sp.hstack(blocks).tocsr()
        return np.hstack(blocks)


class StackedBinaryLogistic:
    """A one-vs-rest of binary logistic regressions over multi-label targets, as one matrix product:
    column k of predict_proba is expit(X . w_k + b_k), what each regression's predict_proba[:, 1] gives."""

    def __init__(self, weights: np.ndarray, intercepts: np.ndarray, classes: Any) -> None:
        self.weights_t = np.ascontiguousarray(weights.T)  # (features, labels), C order: no copy per call
        self.intercepts = intercepts
        self.classes_ = classes

    @classmethod
    def from_fitted(cls, ovr: Any) -> Optional[StackedBinaryLogistic]:
        from sklearn.linear_model import LogisticRegression

        estimators = getattr(ovr, "estimators_", None)
        if not estimators or len(estimators) < 2 or not getattr(ovr, "multilabel_", False):
            return None  # other shapes normalise or special-case; keep sklearn's own code for them
        if not all(isinstance(e, LogisticRegression) and e.coef_.shape[0] == 1 and len(e.classes_) == 2
                   for e in estimators):
            return None
        return cls(np.vstack([e.coef_ for e in estimators]),
                   np.concatenate([e.intercept_ for e in estimators]), ovr.classes_)

    def predict_proba(self, features) -> np.ndarray:
        from scipy.special import expit

        return expit(np.asarray(features @ self.weights_t) + self.intercepts)


def prepare_for_inference(model: Any) -> Any:
    """The same model (a Pipeline, or anything else unchanged): text features shared, last step cheaper."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline):
        return model
    model.steps[:-1] = [(name, _share_text_features(step)) for name, step in model.steps[:-1]]
    name, last = model.steps[-1]
    if isinstance(last, OneVsRestClassifier):
        stacked = StackedBinaryLogistic.from_fitted(last)
        if stacked is not None:
            model.steps[-1] = (name, stacked)
    elif isinstance(last, LogisticRegression):
        last.coef_ = np.asfortranarray(last.coef_)  # its transpose is then C-contiguous
    return model
