"""Which checklist documents a typed answer names ("police certificate and my birth
certificate", "certificado de antecedentes"): each entry's name in either language,
found in the text without case or accents, with small typos forgiven (rapidfuzz's
partial ratio, as for the other spelling-tolerant answers)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from bot.core.text import fold

# How close a name must be to a stretch of the text (0-100): a typo or two in a
# two-word name, not another document's name.
MIN_SIMILARITY = 88
# Part of a longer name counts when it has this many words and this share of it.
MIN_WORDS_OF_A_NAME = 2
MIN_SHARE_OF_A_NAME = 0.6


def match_documents(text: str, documents: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """The ids, in checklist order, of the documents whose names `text` contains;
    `documents` are (id, names) pairs."""
    typed = " ".join(fold(text).split())
    if not typed:
        return []
    found = []
    for document_id, names in documents:
        for name in names:
            wanted = " ".join(fold(name).split())
            if wanted and _names(wanted, typed):
                found.append(document_id)
                break
    return found


def _names(wanted: str, typed: str) -> bool:
    """Whether `typed` holds the name `wanted`, or most of it ("certificado de
    antecedentes" for "Certificado de antecedentes policiales"); one word of a longer
    name ("certificado") names no document in particular."""
    if len(wanted) <= len(typed):
        return fuzz.partial_ratio(wanted, typed) >= MIN_SIMILARITY
    most = len(typed.split()) >= MIN_WORDS_OF_A_NAME and len(typed) >= MIN_SHARE_OF_A_NAME * len(wanted)
    return most and fuzz.partial_ratio(wanted, typed) >= MIN_SIMILARITY
