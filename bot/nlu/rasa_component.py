"""Rasa NLU component that adds the entities of bot.nlu.entities to each message.

Use it in config.yml as `- name: bot.nlu.rasa_component.FieldEntityExtractor`.
It needs no training and keeps the entities other extractors found. The message
metadata's "language" (set by our channels) chooses the tokenizer.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    METADATA,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entities import Entity, extract_entities, prepare


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FieldEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds passport_number, date_of_birth, nationality and city with rules."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FieldEntityExtractor:
        # Built here so that the first message is not slow and a broken embassy
        # profile stops the model from loading.
        prepare()
        return cls()

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            metadata = message.get(METADATA)
            language = metadata.get("language") if isinstance(metadata, dict) else None
            found = [_as_rasa(entity) for entity in extract_entities(message.get(TEXT), language)]
            message.set(
                ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True
            )
        return messages


def _as_rasa(entity: Entity) -> dict[str, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: entity.entity,
        ENTITY_ATTRIBUTE_VALUE: entity.value,
        ENTITY_ATTRIBUTE_START: entity.start,
        ENTITY_ATTRIBUTE_END: entity.end,
        ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
        **entity.extra,
    }
