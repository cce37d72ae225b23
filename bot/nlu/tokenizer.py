"""Rasa's whitespace tokenizer, with every digit of a token read as 0.

The count-vector features see the tokens: with the digits as typed, each passport
number or date brought its own random character n-grams, and "sorry, my passport
is actually E70257240" was taken for "yes" with some numbers and not others. With
the digits masked every number of a shape looks the same to the intent
classifier; the entity extractors read the message text, not the tokens, so they
still see the digits.

In config.yml: `bot.nlu.tokenizer.DigitMaskingTokenizer` in place of
WhitespaceTokenizer.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_DIGIT = re.compile(r"\d")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class DigitMaskingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose tokens have their digits replaced by 0."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.text = _DIGIT.sub("0", token.text)
        return tokens
