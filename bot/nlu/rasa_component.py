"""Rasa NLU components: the entities of bot.nlu.entities, and a guard for messages
without words.

Use them in config.yml as `- name: bot.nlu.rasa_component.FieldEntityExtractor` and
`- name: bot.nlu.rasa_component.WordlessMessageClassifier` (after the intent
classifier). Neither needs training. The extractor keeps the entities other
extractors found; the message metadata's "language" chooses its tokenizer.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    PREDICTED_CONFIDENCE_KEY,
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


def has_words(text: str | None) -> bool:
    """Whether `text` has at least one letter or digit."""
    return any(character.isalnum() for character in text or "")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class WordlessMessageClassifier(GraphComponent):
    """Gives a message with no letter or digit (empty, emoji, punctuation) the
    `nlu_fallback` intent. DIET still predicts some intent for such a message, with
    confidence, and "cancel" for an empty message would erase what the person gave.
    As nlu_fallback, the form takes it as the (invalid) answer and says why."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WordlessMessageClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not has_words(message.get(TEXT)):
                fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)
        return messages
