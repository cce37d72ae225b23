"""Entities of a closed vocabulary (`field`: "passport number", "fecha de
nacimiento"…; `language`: "english", "castellano"…), found by matching the words
the training data annotates, once the intent is known.

Each such entity is annotated in one intent only (`field` in change_field,
`language` in switch_language), so the extractor looks for it only when the
message has that intent: "I am Spanish" at the nationality question names a
nationality, not the language of the conversation. The vocabulary is every
annotated text and every synonym of an annotated value, compared without case or
accents; a word of six letters or more may be misspelt ("pasaprote", "spansih").

It learns the vocabulary and the intents at training time, in milliseconds; DIET
did the same job from the same examples in minutes (issue 10).

In config.yml: `bot.nlu.vocabulary.VocabularyEntityExtractor` after the intent
classifier.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
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
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.text import fold
from bot.nlu.fuzzy import FuzzyIndex

VOCABULARY_FILE = "vocabulary.json"
# Words, and the signs people write for "number" ("passport #", "n° de pasaporte").
_WORD = re.compile(r"[^\W_]+|[#°º]")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class VocabularyEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds the annotated closed-vocabulary entities in messages of their intent."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: dict[str, Any] | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._set_vocabulary(vocabulary or {})

    def _set_vocabulary(self, vocabulary: dict[str, Any]) -> None:
        self._vocabulary = vocabulary
        # entity -> {folded phrase as a word tuple: value}, and a spelling-tolerant
        # index of its one-word phrases.
        self._phrases = {
            entity: {tuple(phrase.split()): value for phrase, value in known["phrases"].items()}
            for entity, known in vocabulary.items()
        }
        self._fuzzy = {
            entity: FuzzyIndex(
                {phrase: value for phrase, value in known["phrases"].items() if " " not in phrase}
            )
            for entity, known in vocabulary.items()
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VocabularyEntityExtractor:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> VocabularyEntityExtractor:
        with model_storage.read_from(resource) as directory:
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        self._set_vocabulary(learn_vocabulary(training_data))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(self._vocabulary, sort_keys=True), encoding="utf-8"
            )
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            wanted = [entity for entity, known in self._vocabulary.items() if intent in known["intents"]]
            found = [match for entity in wanted for match in self.find(entity, message.get(TEXT) or "")]
            if found:
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True
                )
        return messages

    def find(self, entity: str, text: str) -> list[dict[str, Any]]:
        """The phrases of `entity` in `text`, longest first where they overlap."""
        words = [(fold(match.group()), match.start(), match.end()) for match in _WORD.finditer(text)]
        phrases = self._phrases.get(entity, {})
        longest = max((len(phrase) for phrase in phrases), default=0)
        found: list[dict[str, Any]] = []
        index = 0
        while index < len(words):
            for size in range(min(longest, len(words) - index), 0, -1):
                key = tuple(word for word, _, _ in words[index : index + size])
                value = phrases.get(key) or (self._fuzzy[entity].lookup(key[0]) if size == 1 else None)
                if value is not None:
                    found.append(_entity(entity, value, words[index][1], words[index + size - 1][2]))
                    index += size
                    break
            else:
                index += 1
        return found


def learn_vocabulary(training_data: TrainingData) -> dict[str, Any]:
    """{entity: {"intents": [...], "phrases": {folded phrase: value}}} from the
    annotated examples and the synonyms of the annotated values."""
    intents: dict[str, set[str]] = defaultdict(set)
    phrases: dict[str, dict[str, str]] = defaultdict(dict)
    for example in training_data.entity_examples:
        text = example.get(TEXT)
        for annotation in example.get(ENTITIES, []):
            entity = annotation[ENTITY_ATTRIBUTE_TYPE]
            intents[entity].add(example.get(INTENT))
            said = text[annotation[ENTITY_ATTRIBUTE_START] : annotation[ENTITY_ATTRIBUTE_END]]
            phrases[entity][_folded(said)] = annotation[ENTITY_ATTRIBUTE_VALUE]
    for synonym, value in training_data.entity_synonyms.items():
        for entity, known in phrases.items():
            if value in known.values():
                known.setdefault(_folded(synonym), value)
    return {
        entity: {
            "intents": sorted(intents[entity] - {None}),
            "phrases": dict(sorted(phrases[entity].items())),
        }
        for entity in sorted(phrases)
    }


def _folded(text: str) -> str:
    return " ".join(fold(word) for word in _WORD.findall(text))


def _entity(entity: str, value: str, start: int, end: int) -> dict[str, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: entity,
        ENTITY_ATTRIBUTE_VALUE: value,
        ENTITY_ATTRIBUTE_START: start,
        ENTITY_ATTRIBUTE_END: end,
        ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
    }
