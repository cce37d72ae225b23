"""Spelling-tolerant word lookup (bot.nlu.fuzzy)."""

from __future__ import annotations

import random

import pytest
from rapidfuzz.distance import OSA

from bot.nlu.fuzzy import FuzzyIndex, allowed_edits


def edit_distance(first: str, second: str, limit: int) -> int:
    """The distance FuzzyIndex measures with: rapidfuzz's optimal string alignment,
    `limit + 1` past the limit."""
    return OSA.distance(first, second, score_cutoff=limit)


def reference_distance(first: str, second: str) -> int:
    """Optimal string alignment distance, the textbook full-table way."""
    table = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) + 1):
        table[i][0] = i
    for j in range(len(second) + 1):
        table[0][j] = j
    for i in range(1, len(first) + 1):
        for j in range(1, len(second) + 1):
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + (first[i - 1] != second[j - 1]),
            )
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@pytest.mark.parametrize(
    ("first", "second", "distance"),
    [
        ("bolivia", "bolivia", 0),
        ("bolivain", "bolivian", 1),  # adjacent letters swapped: one edit
        ("bolivano", "boliviano", 1),
        ("boliviamo", "boliviano", 1),
        ("brazillian", "brazilian", 1),
        ("mexicnaa", "mexicana", 1),
        ("mexicali", "mexicana", 2),
        ("colombo", "colombia", 2),
        ("kitten", "sitting", 3),
        ("", "peru", 4),
    ],
)
def test_edit_distance(first: str, second: str, distance: int) -> None:
    assert edit_distance(first, second, 5) == distance
    assert edit_distance(second, first, 5) == distance


def test_edit_distance_stops_past_the_limit() -> None:
    assert edit_distance("venezuela", "argentina", 2) == 3
    assert edit_distance("peru", "venezuela", 1) == 2


def test_edit_distance_agrees_with_the_full_table() -> None:
    rng = random.Random(221)
    for _ in range(2_000):
        first = "".join(rng.choices("abc", k=rng.randint(0, 7)))
        second = "".join(rng.choices("abc", k=rng.randint(0, 7)))
        expected = reference_distance(first, second)
        for limit in (1, 2, 3):
            assert edit_distance(first, second, limit) == min(expected, limit + 1), (first, second)


@pytest.mark.parametrize(
    ("word", "edits"), [("peru", 0), ("perus", 0), ("peruan", 1), ("peruvain", 1), ("colombaino", 2)]
)
def test_longer_words_may_hold_more_edits(word: str, edits: int) -> None:
    assert allowed_edits(word) == edits


INDEX = FuzzyIndex({"bolivia": "BOL", "bolivian": "BOL", "austria": "AUT", "australia": "AUS", "peru": "PER"})


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("bolivain", "BOL"),  # one edit from "bolivian", two from "bolivia"
        ("boliviaa", "BOL"),  # one edit from both, the same country
        ("bolivia", "BOL"),
        ("austriaa", "AUT"),
        ("australa", "AUS"),  # one edit from Australia, more from Austria
        ("austrlian", None),  # two edits from Austria and from Australia
        ("peruu", None),  # too short to be forgiven
        ("obliviam", None),  # the first letter must be right
        ("bxxxvia", None),  # too far
    ],
)
def test_lookup(word: str, value: str | None) -> None:
    assert INDEX.lookup(word) == value


def typo(rng: random.Random, word: str) -> str:
    """`word` with one random edit after its first letter."""
    i = rng.randint(1, len(word) - 2)
    return rng.choice(
        [
            word[:i] + word[i + 1 :],
            word[:i] + rng.choice("abcd") + word[i:],
            word[:i] + rng.choice("abcd") + word[i + 1 :],
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        ]
    )


def test_lookup_agrees_with_measuring_every_name() -> None:
    rng = random.Random(9303)
    names = {"".join(rng.choices("abcd", k=rng.randint(5, 10))): rng.choice("XYZ") for _ in range(150)}
    index = FuzzyIndex(names)
    found = 0
    for source in rng.sample(sorted(names), 100):
        word = typo(rng, typo(rng, source)) if rng.random() < 0.5 else typo(rng, source)
        limit = allowed_edits(word)
        near = {name: value for name, value in names.items() if name[0] == word[0]}
        scored = [(reference_distance(word, name), value) for name, value in near.items()]
        best = min((distance for distance, _ in scored), default=limit + 1)
        values = {value for distance, value in scored if distance == best <= limit} if limit else set()
        expected = values.pop() if len(values) == 1 else None
        assert index.lookup(word) == expected, word
        found += expected is not None
    assert found > 50
