"""Intent classifier: logistic regression over word and character n-grams.

Rasa's LogisticRegressionClassifier fixes the regularisation at C=1; on our data a weaker regularisation
scores better in cross-validation (see docs/adr/0002), so this component sets it. It writes the intent and the
ranking the way Rasa's classifiers do, so FallbackClassifier and the policies read it unchanged.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text_features import text_features

_FILE = "intent_classifier.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 50.0, "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 pipeline: Optional[Any] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._pipeline = pipeline

    @classmethod
    def create(cls, config, model_storage, resource, execution_context: ExecutionContext) -> "IntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) >= 2:
            self._pipeline = make_pipeline(text_features(), LogisticRegression(
                C=self._config["C"], class_weight="balanced", max_iter=3000))
            self._pipeline.fit([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples])
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self._pipeline, directory / _FILE)
        return self._resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context: ExecutionContext,
             **kwargs: Any) -> "IntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                pipeline = joblib.load(directory / _FILE)
        except (ValueError, FileNotFoundError):
            pipeline = None
        return cls(config, model_storage, resource, pipeline)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._pipeline is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self._pipeline.predict_proba(texts)
        labels = list(self._pipeline.classes_)
        for message, row in zip(messages, probabilities):
            ranking = sorted(({"name": name, "confidence": float(p)} for name, p in zip(labels, row)),
                             key=lambda item: -item["confidence"])[: self._config["ranking_length"]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
