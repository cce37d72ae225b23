"""The blank spaCy pipelines (no trained model) that only tokenize and match: one per
language, which chooses the tokenizer rules only ("xx", spaCy's language-neutral ones,
when none), with the bilingual patterns of the rule modules ("nací el 5 March 1985")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from bot.core.i18n import LANGUAGES
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.text import fold
from bot.nlu import date_rules, passport_rules, place_rules
from bot.nlu.entity_types import CITY, NATIONALITY, Match

NEUTRAL_LANGUAGE = "xx"

# Numbers are split at their separators whatever the language ("05/03/1985" ->
# 05 / 03 / 1985, "EA-1234567" -> EA - 1234567); spaCy's English and Spanish rules
# otherwise split them differently.
_NUMBER_INFIXES = (r"(?<=[0-9])[-/.,:](?=[A-Za-z0-9])", r"(?<=[A-Za-z])[-/.](?=[0-9])")
# Markup tags, and "words" too long to hold a field (spaCy's tokenizer is slow on them:
# ten thousand commas take seconds), are blanked out before tokenizing.
_BLANKED = re.compile(r"<[^<>]{0,200}>|\S{64,}")
_JOINERS = re.compile(r"[.'’]")


@dataclass(frozen=True)
class Pipeline:
    """A language's tokenizer and matchers, and the embassy profile its city names come from."""

    nlp: Language
    matcher: Matcher
    phrases: PhraseMatcher
    profile: EmbassyProfile

    def match(self, text: str) -> tuple[Doc, list[Match]]:
        """The message's tokens, each with its folded norm, and every pattern's matches.
        Markup and overlong words are blanked out first, with spaces of the same length,
        so that offsets still point into `text`."""
        doc = _doc(self.nlp, _BLANKED.sub(lambda part: " " * len(part.group()), text))
        strings = self.nlp.vocab.strings
        matches = [
            (strings[match_id], start, end)
            for match_id, start, end in (*self.matcher(doc), *self.phrases(doc))
        ]
        return doc, matches


def _norm(text: str) -> str:
    """Folded as bot.core.countries folds names: no case, accents, dots or apostrophes ("EE.UU." -> "eeuu")."""
    return fold(_JOINERS.sub("", text) or text)


def _doc(nlp: Language, text: str) -> Doc:
    doc = nlp.make_doc(text)
    for token in doc:
        token.norm_ = _norm(token.text)
    return doc


@cache
def pipeline(language: str) -> Pipeline:
    """The pipeline of a tokenizer language ("en", "es" or NEUTRAL_LANGUAGE), built once."""
    nlp = spacy.blank(language)
    tokenizer, infixes = nlp.tokenizer, nlp.Defaults.infixes
    # A blank pipeline's tokenizer is spaCy's Tokenizer, and its languages all have infixes.
    assert isinstance(tokenizer, Tokenizer) and infixes is not None
    tokenizer.infix_finditer = compile_infix_regex([*infixes, *_NUMBER_INFIXES]).finditer
    matcher = Matcher(nlp.vocab)
    matcher.add(date_rules.DATE, date_rules.DATE_PATTERNS)
    matcher.add(date_rules.SPACED_DATE, date_rules.SPACED_DATE_PATTERNS)
    matcher.add(passport_rules.PASSPORT_CUE, passport_rules.PASSPORT_CUES, greedy="LONGEST")
    matcher.add(passport_rules.PASSPORT_CUE_AFTER, passport_rules.PASSPORT_CUES_AFTER, greedy="LONGEST")
    matcher.add(passport_rules.JOINING_CUE, passport_rules.JOINING_CUES, greedy="LONGEST")
    matcher.add(passport_rules.OTHER_NUMBER_CUE, passport_rules.OTHER_NUMBER_CUES, greedy="LONGEST")
    matcher.add(place_rules.COUNTRY_CODE, place_rules.COUNTRY_CODE_PATTERNS)
    matcher.add(place_rules.FLAG, place_rules.FLAG_PATTERNS)
    profile = load_profile()
    phrases = PhraseMatcher(nlp.vocab, attr="NORM")
    phrases.add(NATIONALITY, [_doc(nlp, name) for name in place_rules.nationality_phrases()])
    phrases.add(CITY, [_doc(nlp, name) for name in place_rules.city_phrases(profile)])
    phrases.add(place_rules.REGION, [_doc(nlp, name) for name in place_rules.REGIONS])
    return Pipeline(nlp, matcher, phrases, profile)


def tokenizer_language(language: Any) -> str:
    """ "es", "es-BO", "ES_bo" -> "es"; None or any other language -> the neutral "xx"."""
    code = re.split(r"[-_]", language)[0].lower() if isinstance(language, str) else ""
    return code if code in LANGUAGES else NEUTRAL_LANGUAGE
