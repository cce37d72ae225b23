"""What the entity rules find and pass around: the Entity record and the names of the
four fields, a matcher's token pattern, and a match as the rules read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Span

PASSPORT_NUMBER = "passport_number"
DATE_OF_BIRTH = "date_of_birth"
NATIONALITY = "nationality"
CITY = "city"

# A spaCy Matcher pattern: one dict of token attributes per token.
Pattern = list[dict[str, Any]]
# A match: its label (an entity name or a rule's own), its first and past-the-last token.
Match = tuple[str, int, int]


@dataclass(frozen=True)
class Entity:
    """A field found in a message; `start` and `end` are offsets in the original text.

    `extra` holds what the value alone does not say: for a date of birth whose day
    and month could be swapped, "alternative" is the month-first reading.
    """

    entity: str
    value: str
    start: int
    end: int
    text: str
    extra: dict[str, str] = field(default_factory=dict)


# A span a rule read, with the entity it holds, or None when it holds none but its
# tokens are taken all the same (an impossible date, a region).
Found = tuple[Span, Entity | None]


def entity_of(kind: str, span: Span, value: str, **extra: str) -> Entity:
    return Entity(kind, value, span.start_char, span.end_char, span.text, extra)
