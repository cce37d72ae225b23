"""Tells whether a chat message is English or Spanish, and spots explicit language requests.

`detect_language` goes in four steps: (1) it sets aside what shows no language (links,
payloads, numbers, dates, names, place names, "ok"); (2) each remaining word found in
the word lists of bot/data/language_words.yml scores for its language; (3) lingua adds
its vote on three words or more; (4) a language wins only when it clearly dominates,
else None. `wants_language` gives the language a message asks for ("en inglés porfa":
English), or None. Only the first `MAX_CHARS` characters are read; neither raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import yaml
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.core.text import fold

MAX_CHARS = 2000
_STRONG = 2
_WEAK = 1
_DOMINANCE = 1.5
_MIN_LINGUA_WORDS = 3
_MIN_LINGUA_CONFIDENCE = 0.8

# The word lists, written folded; the file's comments say what each is for.
DATA_FILE = Path(__file__).resolve().parent / "data" / "language_words.yml"
_LANGUAGES = ("en", "es")
_WEIGHTS = {"strong": _STRONG, "weak": _WEAK}


def _fold(typed: str) -> str:
    """Lower case, no accents, no apostrophes: "Días" -> "dias", "I'm" -> "im"."""
    return fold(re.sub(r"['’]", "", typed))


def _load_word_lists() -> dict[str, object]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise TypeError(f"{DATA_FILE.name}: not a mapping of word lists")
    return data


_DATA = _load_word_lists()


def _entry(*keys: str) -> object:
    value: object = _DATA
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise ValueError(f"{DATA_FILE.name}: {'.'.join(keys)} is missing")
        value = value[key]
    return value


def _folded_words(words: object, where: str) -> tuple[str, ...]:
    """The words of a string, each checked to be written folded (as messages are compared)."""
    if not isinstance(words, str) or not words.split():
        raise ValueError(f"{DATA_FILE.name}: {where} is not words separated by spaces")
    for word in words.split():
        if _fold(word) != word:
            raise ValueError(f"{DATA_FILE.name}: {where}: {word!r} is not folded")
    return tuple(words.split())


def _word_list(*keys: str) -> tuple[str, ...]:
    return _folded_words(_entry(*keys), ".".join(keys))


def _word_set(*keys: str) -> frozenset[str]:
    return frozenset(_word_list(*keys))


def _phrase_list(key: str) -> list[tuple[str, ...]]:
    phrases = _entry(key)
    if not isinstance(phrases, list):
        raise TypeError(f"{DATA_FILE.name}: {key} is not a list of phrases")
    return [_folded_words(phrase, key) for phrase in phrases]


# Language -> weight -> words; a weak word never decides alone.
_WORDS = {
    language: {weight: _word_list("words", language, name) for name, weight in _WEIGHTS.items()}
    for language in _LANGUAGES
}
_NEUTRAL = _word_set("neutral")
_MONTHS = _word_set("months")
_MONTHS_NEXT_TO_NUMBERS = _word_set("months_next_to_numbers")
_DATE_CONNECTORS = _word_set("date_connectors")
_NAME_CONNECTORS = _word_set("name_connectors")
_PLACES = _phrase_list("places")
_SET_PHRASES = _phrase_list("set_phrases")
_LANGUAGE_NAMES = {
    word: language for language in _LANGUAGES for word in _word_list("language_names", language)
}
_REQUEST_VERBS = _word_set("request_verbs")
_PREPOSITIONS = _word_set("prepositions")
_FILLERS = _word_set("fillers")
_NEGATIONS = _word_set("negations")
_ABILITIES = _word_set("abilities")

_PAYLOAD = re.compile(r"/\w+(?:\{.*\})?", re.DOTALL)
_NOISE = re.compile(r"<[^>]*>|&#?\w+;|https?://\S+|www\.\S+|\S+@\S+")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SPANISH_PUNCTUATION = frozenset("¿¡")


def _head(text: str) -> str:
    """The first MAX_CHARS characters, without a word cut in two at the end."""
    end = min(len(text), MAX_CHARS)
    if end < len(text):
        while end > 0 and text[end].isalnum() and text[end - 1].isalnum():
            end -= 1
    return text[:end]


def _build_lexicon() -> dict[str, tuple[str, int]]:
    """Folded word -> (language, weight); a word in both languages or also neutral is a mistake."""
    lexicon: dict[str, tuple[str, int]] = {}
    for language, weights in _WORDS.items():
        for weight, words in weights.items():
            for word in words:
                if word in lexicon or word in _NEUTRAL:
                    raise ValueError(f"{DATA_FILE.name}: {word!r} is listed twice")
                lexicon[word] = (language, weight)
    return lexicon


_LEXICON = _build_lexicon()


def _phrases() -> dict[str, list[tuple[tuple[str, ...], int | None]]]:
    """First word -> (words, index of the word that counts); a place has none: it counts for nothing."""
    places: list[tuple[tuple[str, ...], int | None]] = [(place, None) for place in _PLACES]
    set_phrases = [
        (words, max(range(len(words)), key=lambda i: _LEXICON.get(words[i], ("", 0))[1]))
        for words in _SET_PHRASES
    ]
    by_first_word: dict[str, list[tuple[tuple[str, ...], int | None]]] = {}
    for words, counted in places + set_phrases:
        by_first_word.setdefault(words[0], []).append((words, counted))
    return by_first_word


_PHRASES = _phrases()


def _sound(word: str) -> str:
    """Spanish spelled by sound: "necesito" and "nesesito", "quiero" and "kiero" meet."""
    word = re.sub(r"qu(?=[ei])|c(?![eih])", "k", word)
    word = re.sub(r"c(?=[ei])|z", "s", word)
    word = re.sub(r"(?<!c)h", "", word.replace("ll", "y").replace("v", "b"))
    return re.sub(r"(.)\1+", r"\1", word)


@lru_cache(maxsize=1)
def _spanish_sounds() -> dict[str, int]:
    return {
        _sound(word): weight
        for word, (language, weight) in _LEXICON.items()
        if language == "es" and len(word) >= 4
    }


def _spellings(word: str) -> Iterator[str]:
    """The word, then with stretched letters squeezed ("holaaa", "thankss")."""
    yield word
    yield re.sub(r"(.)\1{2,}", r"\1", word)
    yield re.sub(r"(.)\1+", r"\1", word)


def _recognise(word: str) -> tuple[str, int] | None:
    """(language, weight) of a listed word, forgiving stretched letters and Spanish spelling by sound."""
    for spelling in _spellings(word):
        if spelling in _LEXICON:
            return _LEXICON[spelling]
    if len(word) >= 4 and (weight := _spanish_sounds().get(_sound(word))):
        return "es", weight
    return None


class _Token:
    """A word as typed, folded, and whether it is set aside (step 1)."""

    __slots__ = ("ignored", "number", "typed", "word")

    def __init__(self, typed: str) -> None:
        self.typed = typed
        self.word = _fold(typed)
        self.number = any(c.isdigit() for c in typed)
        self.ignored = self.number or self.word in _NEUTRAL

    @property
    def capitalised(self) -> bool:
        return self.typed[0].isupper() and not self.typed.isupper()


def _ignore_phrases(tokens: list[_Token]) -> None:
    words = [token.word for token in tokens]
    for start, first in enumerate(words):
        for phrase, counted in _PHRASES.get(first, ()):
            if tuple(words[start : start + len(phrase)]) == phrase:
                for offset, token in enumerate(tokens[start : start + len(phrase)]):
                    token.ignored = token.ignored or offset != counted


def _ignore_dates(tokens: list[_Token]) -> None:
    """Month names and the connectors next to them or to numbers ("5 de marzo de 1985")."""
    for index, token in enumerate(tokens):
        neighbours = tokens[max(index - 1, 0) : index] + tokens[index + 1 : index + 2]
        next_to_number = any(other.number for other in neighbours)
        if token.word in _MONTHS or (token.word in _MONTHS_NEXT_TO_NUMBERS and next_to_number):
            token.ignored = True
            for other in neighbours:
                other.ignored = other.ignored or other.word in _DATE_CONNECTORS
        elif next_to_number and token.word in _DATE_CONNECTORS:
            token.ignored = True


def _ignore_names(tokens: list[_Token]) -> None:
    """Runs of two or more capitalised words with an unknown one are names ("Juan Pérez", "La Paz")."""

    def unknown_capitalised(token: _Token) -> bool:
        return token.capitalised and _recognise(token.word) is None

    run: list[_Token] = []
    for token in [*tokens, None]:
        if token is not None and (unknown_capitalised(token) or token.word in _NAME_CONNECTORS):
            run.append(token)
            continue
        while run and not run[0].capitalised:
            run.pop(0)
        while run and not run[-1].capitalised:
            run.pop()
        if len(run) >= 2 and any(unknown_capitalised(part) for part in run):
            for part in run:
                part.ignored = True
        run = []


def _words(text: str) -> list[str]:
    """The folded words of `text` that are not set aside (step 1)."""
    tokens = [_Token(typed) for typed in _TOKEN.findall(_NOISE.sub(" ", text))]
    _ignore_phrases(tokens)
    _ignore_dates(tokens)
    _ignore_names(tokens)
    return [token.word for token in tokens if not token.ignored]


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()


def _lingua_vote(words: list[str]) -> str | None:
    confidence = _detector().compute_language_confidence_values(" ".join(words))[0]
    if confidence.value < _MIN_LINGUA_CONFIDENCE:
        return None
    return "en" if confidence.language == Language.ENGLISH else "es"


def _scores(words: list[str], text: str) -> tuple[dict[str, int], set[str]]:
    """Each language's score, and the languages with a word that may decide (steps 2 and 3)."""
    scores = {"en": 0, "es": 0}
    deciding: set[str] = set()
    # Languages with a recognised word other than "de", "la"...: lingua may confirm them.
    shown: set[str] = set()
    for word in dict.fromkeys(words):
        found = _recognise(word)
        if found:
            language, weight = found
            scores[language] += weight
            if weight == _STRONG:
                deciding.add(language)
            if word not in _NAME_CONNECTORS:
                shown.add(language)
    if words and _SPANISH_PUNCTUATION.intersection(text):
        scores["es"] += _WEAK
    if len(words) >= _MIN_LINGUA_WORDS and shown:
        voted = _lingua_vote(words)
        if voted:
            scores[voted] += _STRONG
            deciding.update(shown & {voted})
    return scores, deciding


def detect_language(text: str | None) -> str | None:
    """'en', 'es', or None when the message does not clearly show a language (see the module doc)."""
    if not isinstance(text, str) or _PAYLOAD.fullmatch(text.strip()):
        return None
    text = _head(text)
    scores, deciding = _scores(_words(text), text)
    winner, loser = sorted(scores, key=scores.__getitem__, reverse=True)
    if winner in deciding and scores[winner] >= _DOMINANCE * scores[loser]:
        return winner
    return None


_NEGATION_REACH = 4


def _named_language(word: str) -> str | None:
    return next((_LANGUAGE_NAMES[s] for s in _spellings(word) if s in _LANGUAGE_NAMES), None)


def _not_able(before: list[str]) -> bool:
    """ "I don't speak", "no entiendo": the person cannot use the language named next."""
    return bool(_NEGATIONS.intersection(before)) and bool(_ABILITIES.intersection(before))


def wants_language(text: str | None) -> str | None:
    """The language the message asks for ("in English please", "no hablo inglés" -> 'es'), or None.

    A language name counts as a request when it is alone or with courtesy words
    ("english", "español porfa"), follows "in"/"en" ("en inglés"), or comes with a
    verb of speaking, writing, answering or switching ("¿me puede hablar en
    español?"). "I don't speak English" / "no entiendo inglés" ask for the other
    language. Naming both languages, or a language in passing ("mi esposo habla
    inglés"), gives None.
    """
    if not isinstance(text, str):
        return None
    words = [_fold(typed) for typed in _TOKEN.findall(_head(text))]
    wanted: set[str] = set()
    requested = bool(_REQUEST_VERBS.intersection(words))
    previous_name = -1
    for index, word in enumerate(words):
        language = _named_language(word)
        if language is None:
            continue
        # "no entiendo inglés, en español": the negation reaches the first name only.
        before = words[max(index - _NEGATION_REACH, previous_name + 1) : index]
        previous_name = index
        if _not_able(before):
            language = "es" if language == "en" else "en"
            requested = True
        requested = requested or (index > 0 and words[index - 1] in _PREPOSITIONS)
        wanted.add(language)
    others = [word for word in words if _named_language(word) is None]
    requested = requested or all(word in _FILLERS for word in others)
    return wanted.pop() if len(wanted) == 1 and requested else None
