"""Spelling-tolerant lookup of one word in a fixed vocabulary, for misspelt
nationalities ("bolivain", "colombaino", "brazillian").

Plain Python, no dependencies. A word of 6 to 8 letters may be one edit away from
a known name, a longer one two; an edit is an insertion, a deletion, a
substitution or the swap of two adjacent letters; the first letter must be
right. Names are indexed so that a lookup only measures the few it could reach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

MIN_LETTERS = 6
# From this length on, two edits are forgiven.
TWO_EDITS_LETTERS = 9


def edit_distance(first: str, second: str, limit: int) -> int:
    """Damerau-Levenshtein distance in its "optimal string alignment" form (adjacent
    letters swapped once cost one edit), or `limit + 1` as soon as it must exceed `limit`.

    Only the cells within `limit` of the table's diagonal are computed: the others
    hold more than `limit` edits anyway."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    beyond = limit + 1
    before_previous: list[int] = []
    previous = [min(j, beyond) for j in range(len(second) + 1)]
    for i, char in enumerate(first, start=1):
        row = [beyond] * (len(second) + 1)
        row[0] = min(i, beyond)
        low, high = max(1, i - limit), min(len(second), i + limit)
        for j in range(low, high + 1):
            other = second[j - 1]
            cell = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == second[j - 2] and first[i - 2] == other:
                cell = min(cell, before_previous[j - 2] + 1)
            row[j] = min(cell, beyond)
        if min(row[low - 1 : high + 1]) > limit:
            return beyond
        before_previous, previous = previous, row
    return previous[-1]


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may hold: none below six letters."""
    if len(word) >= TWO_EDITS_LETTERS:
        return 2
    return 1 if len(word) >= MIN_LETTERS else 0


def _with_deletions(word: str, count: int) -> set[str]:
    """`word` and what is left of it after deleting up to `count` letters, the first excepted."""
    found = frontier = {word}
    for _ in range(count):
        frontier = {part[:i] + part[i + 1 :] for part in frontier for i in range(1, len(part))}
        found = found | frontier
    return found


class FuzzyIndex:
    """Known words (lower case) -> the value each stands for.

    Two words are within k edits only if deleting at most k letters from each can make
    them equal (an edit is at most one deletion on each side), so every name is filed
    under what is left of it after up to two deletions, and a lookup only measures the
    names filed under the word's own deletions."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._by_deletion: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for name, value in names.items():
            for key in _with_deletions(name, 2):
                self._by_deletion[key].append((name, value))

    def lookup(self, word: str) -> str | None:
        """The value of the closest known name within the allowed edits, when every
        name at that distance stands for the same value; otherwise None."""
        limit = allowed_edits(word)
        if not limit:
            return None
        keys = _with_deletions(word, limit)
        candidates = {entry for key in keys for entry in self._by_deletion.get(key, ())}
        best = limit + 1
        values: set[str] = set()
        for name, value in candidates:
            distance = edit_distance(word, name, best)
            if distance < best:
                best, values = distance, {value}
            elif distance == best <= limit:
                values.add(value)
        return values.pop() if len(values) == 1 else None
