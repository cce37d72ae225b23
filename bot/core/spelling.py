"""Names (nationalities, countries, cities) matched the way Spanish speakers spell them.

An answer and a name are compared by their phonetic key (`phonetic_key`: accents,
case, b/v, s/c/z, ll/y, a silent h, qu/k/c, g/j, n/m before b and p and doubled
letters do not count), then by the edit distance (rapidfuzz's optimal string
alignment: an insertion, a deletion, a substitution or the swap of two adjacent
letters is one edit) between the keys or between the plain spellings, whichever is
smaller. `SpellingIndex.match` says how sure it is:

- sure: the same key ("voliviano", "santa crus"), or one edit in 8 letters or more
  with the right first letter ("bolivain");
- probable, worth a question ("Did you mean Bolivia?"): one edit from 5 letters on
  (6 for countries, whose names are many), two from 9, with the right first letter;
  one edit from 7 letters on in any letter ("obliviano");
- none: farther, fewer than 4 letters, an everyday word (REAL_WORDS), or as near to
  two different values ("austrlian": Austria or Australia).

tests/core/test_spelling.py measures these limits on every word, and every run of two
and three words, of the training messages and of the replies: apart from the
misspelt names they hold, none is taken for a country or a city.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.text import fold

# Keys shorter than this are never matched by sound ("tall" sounds like "Thai").
MIN_KEY_LETTERS = 4
# Keys shorter than this are matched only when equal ("pero" is one edit from "peru").
FUZZY_FROM = 5
# From this length on, one edit with the right first letter is sure.
SURE_EDIT_FROM = 8
# From this length on, two edits with the right first letter are probable.
TWO_EDITS_FROM = 9
# From this length on, one edit is probable even in the first letter ("obliviano").
FIRST_LETTER_EDIT_FROM = 7

# Spanish spellings of one sound, in the order they are rewritten. "ch" is kept as
# "C" (no other c is left by then), "ll" and "y" are one sound, "gu"/"qu" before e/i
# are a hard g and a k, g before e/i sounds like j, c before e/i and z like s, a y
# that is no consonant is an i, an n before b or p sounds like m.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"ch", "C"),
        (r"ph", "f"),
        (r"ll", "y"),
        (r"qu(?=[ei])", "k"),
        (r"q", "k"),
        (r"gu(?=[ei])", "G"),
        (r"g(?=[ei])", "j"),
        (r"G", "g"),
        (r"c(?=[ei])", "s"),
        (r"z", "s"),
        (r"c", "k"),
        (r"v", "b"),
        (r"w", "u"),
        (r"h", ""),
        (r"y(?![aeiou])|(?<=[^aeiou])y", "i"),
        (r"n(?=[bp])", "m"),
        (r"C", "c"),
        (r"(.)\1+", r"\1"),
    )
)


class Sureness(Enum):
    SURE = "sure"
    PROBABLE = "probable"
    NONE = "none"


@dataclass(frozen=True)
class Spelling:
    """What a text was matched to: `value` (None when nothing) and how sure."""

    value: str | None
    sureness: Sureness

    @property
    def sure(self) -> str | None:
        return self.value if self.sureness is Sureness.SURE else None

    @property
    def probable(self) -> str | None:
        return self.value if self.sureness is Sureness.PROBABLE else None


NO_MATCH = Spelling(None, Sureness.NONE)


def words(text: str) -> list[str]:
    """The folded words of `text` (letters and digits; "Perú," -> "peru")."""
    return re.findall(r"[^\W_]+", fold(text))


def _word_key(word: str) -> str:
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


def phonetic_key(text: str) -> str:
    """How `text` sounds in Spanish, word by word: "Voliviáno" -> "boliviano",
    "Santa Crus" -> "santa krus", "Cochavamba" -> "kocabamba"."""
    return " ".join(key for key in map(_word_key, words(text)) if key)


def runs(words: Sequence[str], fillers: frozenset[str]) -> Iterator[Sequence[str]]:
    """Runs of words to read: the whole, then with filler words peeled off either end
    ("soy voliviano" -> "voliviano", "en santa crus por favor" -> "santa crus")."""
    for start in range(len(words)):
        for end in range(len(words), start, -1):
            yield words[start:end]
            if words[end - 1] not in fillers:
                break
        if words[start] not in fillers:
            break


# Everyday words within one edit of a country's or a city's name, never read as a
# misspelling of one (found by tests/core/test_spelling.py in the training messages).
REAL_WORDS = frozenset(
    {
        "corrija",
        "fiance",
        "finish",
        "gana",
        "gringo",
        "indican",
        "indico",
        "medico",
        "police",
        "sirvio",
        "tarifa",
    }
)


@dataclass(frozen=True)
class _Names:
    """The names of one word count: each one's phonetic key and folded spelling, and its value."""

    keys: list[str]
    folds: list[str]
    values: list[str]


class SpellingIndex:
    """Names (any spelling, several words allowed) -> the value each stands for.

    `fuzzy_from`: the shortest key an edit is forgiven in; a large vocabulary (every
    country's names) needs a longer one than a short list of cities."""

    def __init__(self, names: Mapping[str, str], *, fuzzy_from: int = FUZZY_FROM) -> None:
        exact: dict[str, set[str]] = defaultdict(set)
        joined: dict[str, set[str]] = defaultdict(set)
        by_words: dict[int, _Names] = defaultdict(lambda: _Names([], [], []))
        for name, value in names.items():
            key = phonetic_key(name)
            if len(key.replace(" ", "")) < MIN_KEY_LETTERS:
                continue
            exact[key].add(value)
            if " " in key:
                joined[key.replace(" ", "")].add(value)
            group = by_words[key.count(" ")]
            group.keys.append(key)
            group.folds.append(" ".join(words(name)))
            group.values.append(value)
        self._exact = dict(exact)
        self._joined = dict(joined)
        self._by_words = dict(by_words)
        self._fuzzy_from = max(fuzzy_from, MIN_KEY_LETTERS)

    def match(self, text: str) -> Spelling:
        """The value the whole of `text` spells, and how sure that is."""
        folded = " ".join(words(text))
        key = phonetic_key(text)
        letters = len(key.replace(" ", ""))
        if letters < MIN_KEY_LETTERS or folded in REAL_WORDS:
            return NO_MATCH
        # A name of several words may come as one ("santacruz"), never the reverse ("to go").
        exact = self._exact.get(key) or (None if " " in key else self._joined.get(key))
        if exact is not None:
            value = self.by_sound(key)
            return NO_MATCH if value is None else Spelling(value, Sureness.SURE)
        group = self._by_words.get(key.count(" "))
        if letters < self._fuzzy_from or group is None:
            return NO_MATCH
        return self._nearest(key, folded, letters, group)

    def by_sound(self, key: str) -> str | None:
        """The one value whose name has this phonetic key (exact, no edit forgiven)."""
        found = self._exact.get(key) or (None if " " in key else self._joined.get(key))
        return next(iter(found)) if found is not None and len(found) == 1 else None

    def match_runs(self, words: Sequence[str], fillers: frozenset[str], max_words: int) -> Spelling:
        """The first sure reading of a run of `words` (see `runs`) of at most
        `max_words` words, else the first probable one."""
        readings = [self.match(" ".join(run)) for run in runs(words, fillers) if len(run) <= max_words]
        return next(
            (reading for reading in readings if reading.sure),
            next((reading for reading in readings if reading.probable), NO_MATCH),
        )

    @staticmethod
    def _nearest(key: str, folded: str, letters: int, group: _Names) -> Spelling:
        """The name nearest to the answer, by sound or by letters ("mexciano" is one
        swap from "mexicano" but two edits from its key), when only one value is nearest."""
        limit = 2 if letters >= TWO_EDITS_FROM else 1
        near = [
            (distance, index, form[0] == typed[0])
            for forms, typed in ((group.keys, key), (group.folds, folded))
            for form, distance, index in process.extract(
                typed, forms, scorer=OSA.distance, score_cutoff=limit, limit=None
            )
        ]
        if not near:
            return NO_MATCH
        best = min(distance for distance, _, _ in near)
        closest = [(index, same_start) for distance, index, same_start in near if distance == best]
        values = {group.values[index] for index, _ in closest}
        if len(values) != 1:
            return NO_MATCH
        value = values.pop()
        same_start = any(same_start for _, same_start in closest)
        if same_start and best == 1 and letters >= SURE_EDIT_FROM:
            return Spelling(value, Sureness.SURE)
        if same_start or (best == 1 and letters >= FIRST_LETTER_EDIT_FROM):
            return Spelling(value, Sureness.PROBABLE)
        return NO_MATCH
