"""Intent classifier: logistic regression over word and character n-grams.

Rasa's LogisticRegressionClassifier fixes the regularisation at C=1; on our data a weaker regularisation
scores better in cross-validation (see docs/adr/0002), so this component sets it. It writes the intent and the
ranking the way Rasa's classifiers do, so FallbackClassifier and the policies read it unchanged.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sklearn_component import SklearnComponent
from bot.nlu.text_features import text_features


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentClassifier(SklearnComponent):
    FILE = "intent_classifier.joblib"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 50.0, "ranking_length": 10}

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) >= 2:
            self._model = make_pipeline(text_features(), LogisticRegression(
                C=self._config["C"], class_weight="balanced", max_iter=3000))
            self._model.fit([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples])
        return self._persist()

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self._model.predict_proba(texts)
        labels = list(self._model.classes_)
        for message, row in zip(messages, probabilities):
            ranking = sorted(({"name": name, "confidence": float(p)} for name, p in zip(labels, row)),
                             key=lambda item: -item["confidence"])[: self._config["ranking_length"]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
