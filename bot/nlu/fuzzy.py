"""Spelling-tolerant lookup of one word in a fixed vocabulary, for misspelt
nationalities ("bolivain", "colombaino", "brazillian") and closed-vocabulary words.

A word of 6 to 8 letters may be one edit away from a known name, a longer one two;
an edit is an insertion, a deletion, a substitution or the swap of two adjacent
letters (rapidfuzz's optimal string alignment distance); the first letter must be
right. Names are filed by their first letter, so a lookup measures only those.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LETTERS = 6
# From this length on, two edits are forgiven.
TWO_EDITS_LETTERS = 9


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may hold: none below six letters."""
    if len(word) >= TWO_EDITS_LETTERS:
        return 2
    return 1 if len(word) >= MIN_LETTERS else 0


class FuzzyIndex:
    """Known words (lower case) -> the value each stands for."""

    def __init__(self, names: Mapping[str, str]) -> None:
        by_first: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for name, value in names.items():
            if name:
                known, values = by_first[name[0]]
                known.append(name)
                values.append(value)
        self._by_first = dict(by_first)

    def lookup(self, word: str) -> str | None:
        """The value of the closest known name within the allowed edits, when every
        name at that distance stands for the same value; otherwise None."""
        limit = allowed_edits(word)
        if not limit or word[0] not in self._by_first:
            return None
        names, values = self._by_first[word[0]]
        near = process.extract(word, names, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not near:
            return None
        best = min(distance for _, distance, _ in near)
        found = {values[index] for _, distance, index in near if distance == best}
        return found.pop() if len(found) == 1 else None
