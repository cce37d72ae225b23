"""The tokenizer that reads digits as 0 (bot.nlu.tokenizer), and the sentence
encoder doing the same: a passport number does not sway the intent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import DigitMaskingTokenizer
from tests.nlu.test_sentence_encoder import new_featurizer, sentence_vector


def test_tokens_have_their_digits_as_zero_and_keep_their_offsets() -> None:
    tokenizer = DigitMaskingTokenizer(DigitMaskingTokenizer.get_default_config())
    text = "my passport is E70257240, born 1985"
    tokens = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    assert [token.text for token in tokens] == ["my", "passport", "is", "E00000000", "born", "0000"]
    assert [text[token.start : token.end] for token in tokens][3:] == ["E70257240", "born", "1985"]


def test_the_sentence_vector_is_the_same_whatever_the_number(tmp_path: Path) -> None:
    featurizer = new_featurizer(tmp_path)
    first = sentence_vector(featurizer, "sorry, my passport is actually E70257240")
    second = sentence_vector(featurizer, "sorry, my passport is actually E13894415")
    assert np.allclose(first, second)
