"""What the lens tells a front end while a reply streams (a turn event). No numpy here: front
ends import it before any model is loaded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineLetters:
    """A reply line's letter pressure, told as soon as the sampler settles its first letter
    (a turn event): P(the line begins with each letter), what else, and what stayed unresolved."""

    line: int  # the reply line (0-based)
    letters: dict[str, float]
    other: float
    unresolved: float
    # the target's letter for this line, counting the lines that began with text so far (the
    # finished turn's reading counts as the acrostic annotator does, and may differ rarely)
    expected: str | None = None

    def top(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.letters.items(), key=lambda pair: -pair[1])[:n]

    @property
    def p_expected(self) -> float | None:
        return self.letters.get(self.expected) if self.expected else None
