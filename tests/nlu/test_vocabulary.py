"""The closed-vocabulary entity extractor (bot.nlu.vocabulary)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.vocabulary import VocabularyEntityExtractor, learn_vocabulary

ROOT = Path(__file__).resolve().parents[2]
TRAINING = """
version: "3.1"
nlu:
  - intent: change_field
    examples: |
      - change my [passport number]{"entity": "field", "value": "passport_number"}
      - the [date of birth]{"entity": "field", "value": "date_of_birth"} is wrong
      - cambiar la [fecha]{"entity": "field", "value": "date_of_birth"}
  - intent: switch_language
    examples: |
      - in [english]{"entity": "language", "value": "en"} please
      - en [español]{"entity": "language", "value": "es"}
  - intent: inform
    examples: |
      - I am from Spain
  - synonym: passport_number
    examples: |
      - nro. de pasaporte
  - synonym: es
    examples: |
      - castellano
"""


def context() -> ExecutionContext:
    return ExecutionContext(graph_schema=GraphSchema({}), model_id="test", node_name="vocabulary")


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("vocabulary"))


@pytest.fixture(scope="module")
def extractor(storage: LocalModelStorage) -> VocabularyEntityExtractor:
    extractor = VocabularyEntityExtractor.create({}, storage, Resource("vocabulary"), context())
    extractor.train(RasaYAMLReader().reads(TRAINING))
    return extractor


def entities(extractor: VocabularyEntityExtractor, text: str, intent: str) -> list[tuple[str, str, str]]:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})
    extractor.process([message])
    return [
        (found["entity"], found["value"], text[found["start"] : found["end"]])
        for found in message.get(ENTITIES, [])
    ]


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        (
            "I want to change the passport number",
            "change_field",
            [("field", "passport_number", "passport number")],
        ),
        ("la FECHA está mal", "change_field", [("field", "date_of_birth", "FECHA")]),
        # the longest phrase wins: "date of birth", not a bare "date"
        (
            "fix date of birth and passport number",
            "change_field",
            [("field", "date_of_birth", "date of birth"), ("field", "passport_number", "passport number")],
        ),
        # a synonym of an annotated value, with its own punctuation
        (
            "corregir el nro. de pasaporte",
            "change_field",
            [("field", "passport_number", "nro. de pasaporte")],
        ),
        ("háblame en ESPAÑOL", "switch_language", [("language", "es", "ESPAÑOL")]),
        ("en castellano porfa", "switch_language", [("language", "es", "castellano")]),
        ("englsh please", "switch_language", [("language", "en", "englsh")]),
    ],
)
def test_finds_the_phrases_of_the_intent_with_their_offsets(
    extractor: VocabularyEntityExtractor, text: str, intent: str, expected: list[tuple[str, str, str]]
) -> None:
    assert entities(extractor, text, intent) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I am Spanish, from Spain, español", "inform"),  # a nationality, not a language switch
        ("the passport number is B1234567", "inform"),
        ("in english please", "change_field"),  # another entity's intent
        ("change it", "change_field"),  # nothing named
        ("cambia la fech", "change_field"),  # too short to be forgiven a missing letter
    ],
)
def test_finds_nothing_outside_the_intent_or_the_vocabulary(
    extractor: VocabularyEntityExtractor, text: str, intent: str
) -> None:
    assert entities(extractor, text, intent) == []


def test_keeps_the_entities_found_before_and_names_itself(extractor: VocabularyEntityExtractor) -> None:
    earlier = {"entity": "city", "value": "Tarija", "start": 0, "end": 6}
    message = Message(
        data={TEXT: "Tarija, in english", INTENT: {"name": "switch_language"}, ENTITIES: [earlier]}
    )
    extractor.process([message])
    assert message.get(ENTITIES)[0] == earlier
    assert message.get(ENTITIES)[1]["extractor"] == "VocabularyEntityExtractor"


def test_a_message_without_an_intent_or_text_is_left_alone(extractor: VocabularyEntityExtractor) -> None:
    messages = [Message(data={TEXT: "in english"}), Message(data={INTENT: {"name": "switch_language"}})]
    extractor.process(messages)
    assert [message.get(ENTITIES) for message in messages] == [None, None]


def test_the_loaded_extractor_finds_the_same(
    extractor: VocabularyEntityExtractor, storage: LocalModelStorage
) -> None:
    loaded = VocabularyEntityExtractor.load({}, storage, Resource("vocabulary"), context())
    text = "cambiar la fecha de nac y el pasaporte"
    assert entities(loaded, text, "change_field") == entities(extractor, text, "change_field")


def test_the_project_data_annotates_each_entity_in_one_intent() -> None:
    vocabulary = learn_vocabulary(load_data(str(ROOT / "data" / "nlu")))
    assert {entity: known["intents"] for entity, known in vocabulary.items()} == {
        "field": ["change_field"],
        "language": ["switch_language"],
    }
    assert vocabulary["field"]["phrases"]["numero de pasaporte"] == "passport_number"
    assert vocabulary["language"]["phrases"]["ingles"] == "en"
