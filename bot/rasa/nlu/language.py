"""A Rasa NLU component that carries the conversation's language (decided by the gateway, bot.channels.languages,
and sent as the message's metadata `language`) into an entity `language`, from which the `language` slot is
filled before any response or action of the turn: domain.yml's responses vary on that slot, and actions read
it. Messages without it (rasa shell, tests) leave the slot as it was. Nothing to train.

Listed last in config.yml's pipeline, after the entity extractors (the CRF never sees this entity).
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.i18n import supported

ENTITY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageFromMetadata(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageFromMetadata:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get("metadata")
            language = supported(metadata.get(ENTITY)) if isinstance(metadata, dict) else None
            if language is None:
                continue
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != ENTITY]
            entities.append({"entity": ENTITY, "value": language, "extractor": type(self).__name__,
                             "confidence_entity": 1.0})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
