"""Intent classifier: logistic regression over word and character n-grams and, when the pipeline has the
sentence encoder (bot.rasa.nlu.sentence_encoder), the message's sentence embedding.

Rasa's LogisticRegressionClassifier fixes the regularisation at C=1; on our data a weaker regularisation
scores better in cross-validation (see docs/adr/0002), so this component sets it. It writes the intent and the
ranking the way Rasa's classifiers do, so FallbackClassifier and the policies read it unchanged.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text_features import text_features
from bot.rasa.nlu.encoded_text import encoded, has_sentence_features, with_sentence
from bot.rasa.nlu.sklearn_component import SklearnComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentClassifier(SklearnComponent):
    FILE = "intent_classifier.joblib"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # sentence_weight: the sentence encoder's features against the n-grams (ADR 0009); used only when the
        # pipeline has the encoder.
        return {"C": 50.0, "ranking_length": 10, "sentence_weight": 0.5}

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) >= 2:
            weight = self._config["sentence_weight"] if has_sentence_features(examples) else 0.0
            self._model = make_pipeline(with_sentence(text_features(), weight), LogisticRegression(
                C=self._config["C"], class_weight="balanced", max_iter=3000))
            self._model.fit([encoded(m) for m in examples], [m.get(INTENT) for m in examples])
        return self._persist()

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        probabilities = self._model.predict_proba([encoded(m) for m in messages])
        labels = list(self._model.classes_)
        for message, row in zip(messages, probabilities, strict=True):
            ranking = sorted(({"name": name, "confidence": float(p)} for name, p in zip(labels, row, strict=True)),
                             key=lambda item: -item["confidence"])[: self._config["ranking_length"]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
