"""Typed buttons: which of the buttons just offered a typed message clearly means.

People often type a button's words instead of pressing it ("no, elegir otra",
"Cochavamba"). `pressed_button` compares the message with each title word by word,
without case, accents or punctuation, with a leading yes/no and polite words set
aside, b/v, s/z, ll/y and a silent h alike, and small typos forgiven (rapidfuzz's
edit distance; none in short words or numbers). It answers only when the message is
clearly one title, or its start or end, and clearly no other; anything that says
more is left to NLU.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.core.text import fold

YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "si", "sip"})
# "no" only counts with a comma (or alone): "no es la primera vez" denies the rest.
NO_WORDS = frozenset({"no", "nope"})
LEADING_FILLERS = frozenset({"ok", "okay", "vale", "bueno", "well"})
TRAILING_FILLERS = tuple(
    tuple(words.split())
    for words in ("por favor", "porfa", "please", "pls", "gracias", "thanks", "thank you")
)
# Typos forgiven across one title, whatever its length.
MAX_EDITS = 3

_APOSTROPHES = re.compile(r"['’`´]")
_SEPARATORS = re.compile(r"[\W_]+")
_FIRST_WORD = re.compile(r"^[\W_]*([^\W_]+)([\W_]*)")
_SILENT_H = re.compile(r"(?<!c)h")


@dataclass(frozen=True)
class Reading:
    """A text as compared: its words, and the yes (True) or no (False) it starts with."""

    words: tuple[str, ...]
    polarity: bool | None


def _words(text: str) -> list[str]:
    return _SEPARATORS.sub(" ", _APOSTROPHES.sub("", text)).split()


def read(text: str) -> Reading | None:
    """The words of `text` without a leading yes/no and polite words; None when it
    starts with a "no" that may deny what follows ("no es la primera vez")."""
    folded = fold(text)
    words = _words(folded)
    while words and words[0] in LEADING_FILLERS:
        folded = folded[folded.index(words[0]) + len(words[0]) :]
        words.pop(0)
    polarity: bool | None = None
    first = _FIRST_WORD.match(folded)
    if first and words:
        word, after = first.groups()
        if word in YES_WORDS:
            polarity = True
        elif word in NO_WORDS:
            if len(words) > 1 and not after.strip():
                return None
            polarity = False
        if polarity is not None:
            words.pop(0)
    # Polite words alone are a message of their own ("gracias"); after a yes or no
    # they are only polite ("yes gracias").
    kept = 0 if polarity is not None else 1
    ended = True
    while ended:
        ended = False
        for filler in TRAILING_FILLERS:
            if len(words) >= len(filler) + kept and tuple(words[-len(filler) :]) == filler:
                del words[-len(filler) :]
                ended = True
    return Reading(tuple(words), polarity)


def _spoken(word: str) -> str:
    """The word with the letters Spanish speakers swap made one: b/v, s/z, ll/y, and
    a silent h ("cochavamba" is "cochabamba", "pas" is "paz", "ay" is "hay")."""
    return _SILENT_H.sub("", word.replace("ll", "y").replace("v", "b").replace("z", "s"))


def _allowed_edits(word: str) -> int:
    """Typos forgiven in one word of a title: none in numbers or words of up to
    three letters, one up to seven, two beyond."""
    if any(character.isdigit() for character in word) or len(word) <= 3:
        return 0
    return 1 if len(word) <= 7 else 2


def _edits(typed: Sequence[str], title: Sequence[str]) -> int | None:
    """The typos between two equally long word lists, None when a word is too far."""
    total = 0
    for typed_word, title_word in zip(typed, title):
        allowed = _allowed_edits(title_word)
        distance = OSA.distance(_spoken(typed_word), _spoken(title_word), score_cutoff=allowed)
        if distance > allowed:
            return None
        total += distance
    return total if total <= MAX_EDITS else None


def _matches(typed: Reading, title: Reading) -> int | None:
    """How many typos separate the typed words from the title (all of it, or at
    least two words and two fifths of it from its start or its end: "santa cruz" of
    "Santa Cruz de la Sierra"); None when they are not that title."""
    if typed.polarity is not None and title.polarity is not None and typed.polarity != title.polarity:
        return None
    count, length = len(typed.words), len(title.words)
    if count == 0:
        # Only a yes or a no: it picks a title that is only that yes or no.
        return 0 if length == 0 and typed.polarity is not None and typed.polarity == title.polarity else None
    if "".join(typed.words) == "".join(title.words):
        return 0  # "santacruz", "lapaz"
    if count == length:
        return _edits(typed.words, title.words)
    if 2 <= count < length and 5 * count >= 2 * length:
        parts = (_edits(typed.words, title.words[:count]), _edits(typed.words, title.words[-count:]))
        return min((edits for edits in parts if edits is not None), default=None)
    return None


def _read_buttons(buttons: Sequence[Mapping[str, object]]) -> Iterator[tuple[Reading, str]]:
    """Each usable button's title as read, with its payload (a button without a
    title or payload, or whose title starts with a denying "no", is left out)."""
    for button in buttons:
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and payload:
            reading = read(title)
            if reading is not None:
                yield reading, payload


def pressed_button(text: str, buttons: Sequence[Mapping[str, object]]) -> str | None:
    """The payload of the button whose title `text` clearly is, else None.

    `buttons` are the ones the assistant offered last ({"title", "payload"}). When
    the text could be two buttons with different payloads, none is chosen, unless
    exactly one of them is the whole title without a typo."""
    typed = read(text)
    if typed is None:
        return None
    candidates: list[tuple[int, bool, str]] = []
    for reading, payload in _read_buttons(buttons):
        edits = _matches(typed, reading)
        if edits is not None:
            candidates.append((edits, len(typed.words) == len(reading.words), payload))
    payloads = {payload for _, _, payload in candidates}
    if len(payloads) == 1:
        return payloads.pop()
    exact = {payload for edits, whole, payload in candidates if edits == 0 and whole}
    return exact.pop() if len(exact) == 1 else None


def answered_yes_or_no(text: str, buttons: Sequence[Mapping[str, object]]) -> str | None:
    """The payload of the one offered button that starts with a yes (or a no) when
    `text` starts with that yes or no: "yes gracias", or "yes, and send it to Santa
    Cruz", whose rest may hold other answers; else None."""
    typed = read(text)
    if typed is None or typed.polarity is None:
        return None
    payloads = {payload for reading, payload in _read_buttons(buttons) if reading.polarity == typed.polarity}
    return payloads.pop() if len(payloads) == 1 else None
