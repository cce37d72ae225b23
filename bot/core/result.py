"""`Result`: what a validator returns, a normalised value or the reason it was rejected."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Result:
    """Outcome of validating one answer: `value`, or `error` (a locale key under `errors.`) and its `params`."""

    value: str | None = None
    error: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    alternative: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
