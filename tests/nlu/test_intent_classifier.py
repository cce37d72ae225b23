"""The intent classifier (bot.nlu.intent_classifier), on the features of the real
pipeline's featurizers: tokens, character n-grams and the sentence vector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import LinearIntentClassifier
from bot.nlu.sentence_encoder import SentenceEncoderFeaturizer

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


def context(name: str) -> ExecutionContext:
    return ExecutionContext(graph_schema=GraphSchema({}), model_id="test", node_name=name)


class Pipeline:
    """The featurizers of config.yml, trained on EXAMPLES, and the classifier."""

    def __init__(self, directory: Path) -> None:
        self.storage = LocalModelStorage(directory)
        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "max_ngram": 4}
        self.counts = CountVectorsFeaturizer.create(
            config, self.storage, Resource("counts"), context("counts")
        )
        self.sentences = SentenceEncoderFeaturizer.create(
            SentenceEncoderFeaturizer.get_default_config(), self.storage, Resource("use"), context("use")
        )
        messages = [
            Message(data={TEXT: text, INTENT: intent}) for intent, texts in EXAMPLES.items() for text in texts
        ]
        data = self.tokenizer.process_training_data(TrainingData(messages))
        self.counts.train(data)
        self.training_data = self.sentences.process_training_data(self.counts.process_training_data(data))
        self.classifier = self.new_classifier("intents")
        self.classifier.train(self.training_data)

    def new_classifier(self, name: str) -> LinearIntentClassifier:
        config = LinearIntentClassifier.get_default_config()
        return LinearIntentClassifier.create(config, self.storage, Resource(name), context(name))

    def featurized(self, text: str) -> Message:
        message = Message(data={TEXT: text})
        for component in (self.tokenizer, self.counts, self.sentences):
            component.process([message])
        return message

    def parse(self, text: str) -> Message:
        return self.classifier.process([self.featurized(text)])[0]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return Pipeline(tmp_path_factory.mktemp("model"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what's the fee", "ask_fee"),
        ("cuál es el precio", "ask_fee"),
        ("no quiero continuar", "cancel"),
        ("hey, good evening", "greet"),
        ("canselar", "cancel"),
    ],
)
def test_understands_wordings_and_spellings_it_was_not_trained_on(
    pipeline: Pipeline, text: str, intent: str
) -> None:
    assert pipeline.parse(text).get(INTENT)["name"] == intent


def test_the_ranking_is_the_average_of_the_two_regressions_best_first(pipeline: Pipeline) -> None:
    message = pipeline.parse("cuánto cuesta el envío")
    ranking = message.get(INTENT_RANKING_KEY)
    confidences = [item["confidence"] for item in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert {item["name"] for item in ranking} == set(EXAMPLES)
    assert sum(confidences) == pytest.approx(1.0)
    assert message.get(INTENT) == ranking[0]


def test_each_probability_is_the_mean_of_the_words_and_the_meaning(pipeline: Pipeline) -> None:
    message = pipeline.featurized("ya no me interesa el trámite")
    words, meaning = LinearIntentClassifier.matrices([message])
    expected = (
        0.5 * pipeline.classifier._softmax("words", words)[0]
        + 0.5 * pipeline.classifier._softmax("meaning", meaning)[0]
    )
    probabilities = pipeline.classifier.probabilities(message)
    assert list(probabilities.values()) == pytest.approx(expected.tolist())
    assert list(probabilities) == sorted(EXAMPLES)
    assert max(probabilities, key=probabilities.get) == "cancel"


def test_the_loaded_model_gives_the_same_probabilities(pipeline: Pipeline) -> None:
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), pipeline.storage, Resource("intents"), context("intents")
    )
    message = pipeline.featurized("how much is it")
    assert loaded.probabilities(message) == pytest.approx(pipeline.classifier.probabilities(message))


def test_a_message_without_features_is_left_as_it_is(pipeline: Pipeline) -> None:
    bare = Message(data={TEXT: "hola", INTENT: {"name": "greet", "confidence": 0.9}})
    pipeline.classifier.process([bare])
    assert bare.get(INTENT) == {"name": "greet", "confidence": 0.9}
    assert bare.get(INTENT_RANKING_KEY) is None


def test_a_message_with_only_some_features_is_left_to_the_wordless_guard(pipeline: Pipeline) -> None:
    # In the full pipeline an empty text gets the sentence features of some
    # featurizers only, so its row is narrower than the model.
    message = pipeline.featurized("")
    message.features = [feature for feature in message.features if feature.is_dense()]
    message.add_features(Features(scipy.sparse.coo_matrix((1, 3)), FEATURE_TYPE_SENTENCE, TEXT, "regex"))
    pipeline.classifier.process([message])
    assert message.get(INTENT) is None and message.get(INTENT_RANKING_KEY) is None


def test_training_without_the_featurizers_says_what_is_missing(pipeline: Pipeline) -> None:
    data = TrainingData(
        [Message(data={TEXT: "hola", INTENT: "greet"}), Message(data={TEXT: "stop", INTENT: "cancel"})]
    )
    with pytest.raises(ValueError, match="SentenceEncoderFeaturizer"):
        pipeline.new_classifier("bare").train(data)


def test_the_stored_model_is_plain_arrays(pipeline: Pipeline) -> None:
    with (
        pipeline.storage.read_from(Resource("intents")) as directory,
        np.load(directory / "intent_classifier.npz", allow_pickle=False) as stored,
    ):
        assert stored["words_coef"].shape[0] == stored["meaning_coef"].shape[0] == len(EXAMPLES)
