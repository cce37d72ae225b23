"""Text helpers every part of the assistant shares: accent folding and the screening of an answer."""

from __future__ import annotations

import unicodedata

from bot.core.result import Result

MAX_INPUT_CHARS = 200


def screen_input(text: str | None) -> str | Result:
    """The stripped text, or the rejection shared by all fields (empty, too long)."""
    stripped = (text or "").strip()
    if not stripped:
        return Result(error="errors.empty")
    if len(stripped) > MAX_INPUT_CHARS:
        return Result(error="errors.too_long")
    return stripped


def fold(text: str) -> str:
    """Lower case without accents ("Perú" -> "peru", "NACÍ" -> "naci")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
