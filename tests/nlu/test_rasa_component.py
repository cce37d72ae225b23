"""The Rasa NLU component over bot.nlu.entities (bot.nlu.rasa_component)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rasa_component import FieldEntityExtractor, WordlessMessageClassifier

NAME = "FieldEntityExtractor"


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> FieldEntityExtractor:
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("model")))
    context = ExecutionContext(graph_schema=GraphSchema({}), model_id="test")
    return FieldEntityExtractor.create({}, storage, Resource("field_entities"), context)


def ours(message: Message) -> list[dict]:
    return [entity for entity in message.get(ENTITIES, []) if entity["extractor"] == NAME]


def test_adds_the_fields_with_offsets_in_the_message_text(extractor: FieldEntityExtractor) -> None:
    text = "Soy boliviana, pasaporte A1234567, nací el 25 de mayo del 88, recojo en Santa Cruz"
    message = Message(data={TEXT: text, METADATA: {"language": "es"}})
    extractor.process([message])
    found = {(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in ours(message)}
    assert found == {
        ("nationality", "BOL", "boliviana"),
        ("passport_number", "A1234567", "A1234567"),
        ("date_of_birth", "1988-05-25", "25 de mayo del 88"),
        ("city", "Santa Cruz de la Sierra", "Santa Cruz"),
    }
    assert all(entity["confidence_entity"] == 1.0 for entity in ours(message))


def test_keeps_the_entities_found_before(extractor: FieldEntityExtractor) -> None:
    earlier = {"entity": "field", "value": "passport", "start": 0, "end": 2, "extractor": "DIETClassifier"}
    message = Message(data={TEXT: "mi pasaporte es A1234567", ENTITIES: [earlier]})
    extractor.process([message])
    assert message.get(ENTITIES)[0] == earlier
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in ours(message)] == [
        ("passport_number", "A1234567", 16, 24)
    ]


def test_an_ambiguous_date_carries_its_alternative(extractor: FieldEntityExtractor) -> None:
    message = Message(data={TEXT: "born 05/03/1985", METADATA: {"language": "en"}})
    extractor.process([message])
    [entity] = ours(message)
    assert (entity["value"], entity["alternative"]) == ("1985-03-05", "1985-05-03")


@pytest.mark.parametrize(
    "metadata", [None, {}, {"language": None}, {"language": 7}, "es", {"language": "fr"}]
)
def test_works_without_a_usable_language(extractor: FieldEntityExtractor, metadata: object) -> None:
    message = Message(data={TEXT: "I'm Bolivian", METADATA: metadata})
    extractor.process([message])
    assert [(e["entity"], e["value"]) for e in ours(message)] == [("nationality", "BOL")]


def test_processes_every_message_and_tolerates_one_without_text(extractor: FieldEntityExtractor) -> None:
    messages = [Message(data={}), Message(data={TEXT: "hola"}), Message(data={TEXT: "BOL"})]
    assert extractor.process(messages) is messages
    assert [len(ours(message)) for message in messages] == [0, 0, 1]
    # Every processed message has an entity list, as Rasa's own extractors leave it.
    assert all(message.get(ENTITIES) == [] for message in messages[:2])


def test_config_yml_can_name_the_component() -> None:
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "bot.nlu.rasa_component.FieldEntityExtractor"},
        ],
    }
    graph = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU)
    nodes = graph.predict_schema.nodes.values()
    assert [node.constructor_name for node in nodes if node.uses is FieldEntityExtractor] == ["load"]
    assert not [node for node in graph.train_schema.nodes.values() if node.uses is FieldEntityExtractor]


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "¿¿?? !!", "<>"])
def test_a_message_without_words_gets_the_fallback_intent(text: str) -> None:
    message = Message(data={"text": text, "intent": {"name": "cancel", "confidence": 0.99}})

    WordlessMessageClassifier().process([message])

    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("intent_ranking") == [{"name": "nlu_fallback", "confidence": 1.0}]


@pytest.mark.parametrize("text", ["cancel", "A1234567", "5/3/1985", "sí"])
def test_a_message_with_words_keeps_its_intent(text: str) -> None:
    intent = {"name": "cancel", "confidence": 0.99}
    message = Message(data={"text": text, "intent": intent})

    WordlessMessageClassifier().process([message])

    assert message.get("intent") == intent
