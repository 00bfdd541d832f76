"""What the project's scikit-learn NLU components share: config, persistence in Rasa's model storage."""
from __future__ import annotations

from typing import Any, Dict, Optional

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.inference import prepare_for_inference


class SklearnComponent(GraphComponent):
    """Holds one fitted model (or None before training / with nothing to learn) in `self._model`."""

    FILE = "model.joblib"

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Any] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config, model_storage, resource, execution_context: ExecutionContext) -> SklearnComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config, model_storage, resource, execution_context: ExecutionContext,
             **kwargs: Any) -> SklearnComponent:
        try:
            with model_storage.read_from(resource) as directory:
                model = cls.prepare_for_inference(joblib.load(directory / cls.FILE))
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    @staticmethod
    def prepare_for_inference(model: Any) -> Any:
        """The loaded model made cheaper to run, predicting the same (bot.nlu.inference)."""
        return prepare_for_inference(model)

    def _persist(self) -> Resource:
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / self.FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
