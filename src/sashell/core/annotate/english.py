"""English reference data for acrostics, derived from wordfreq (a maintained PyPI word list).

- ``letter_probs``: how often English words start with each letter, weighted by word frequency —
  the null model for a line's initial letter.
- ``words``: common English words of 4+ letters (wordfreq's top list, alphabetic only).
- ``chance_by_length[k]``: the probability that k independent initial letters spell *some* word
  of that list, sum over words of the product of their letters' probabilities.

Deriving these takes ~0.3 s, so the result is cached as JSON keyed by wordfreq's version.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.metadata import version
from typing import Any

from sashell.core.paths import cache_dir

TOP_WORDS = 40_000
MIN_WORD = 4
LETTER_FLOOR = 1e-4  # x and z almost never start a word; keep them possible


LONGEST_ENDING = 6  # a longer ending would rarely narrow the look-ups further


@dataclass(frozen=True)
class EndingTable:
    """For each ending of ``size`` letters, the lengths (ascending) of the listed words that end
    with it. The longer the ending, the fewer places in a run of letters a look-up hits, so a
    table of long words only is keyed by longer endings."""

    size: int
    lengths: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class EnglishModel:
    letter_probs: dict[str, float]
    words: frozenset[str]
    chance_by_length: dict[int, float]
    source: str

    def word_probability(self, word: str) -> float:
        return math.prod(self.letter_probs.get(c, LETTER_FLOOR) for c in word)

    def chance_any_word(self, length: int) -> float:
        """P(some listed word of at least this length at a given position), a union bound."""
        return min(1.0, sum(p for k, p in self.chance_by_length.items() if k >= length))

    @property
    def longest(self) -> int:
        return max(self.chance_by_length, default=MIN_WORD)

    def lengths_by_ending_from(self, shortest: int) -> EndingTable:
        """The table of the listed words of at least ``shortest`` letters, by their endings."""
        tables = self._tables_from
        if shortest not in tables:
            size = min(max(shortest, MIN_WORD), LONGEST_ENDING)
            table: dict[str, set[int]] = {}
            for word in self.words:
                if len(word) >= shortest:
                    table.setdefault(word[-size:], set()).add(len(word))
            tables[shortest] = EndingTable(size, {end: tuple(sorted(lengths))
                                                  for end, lengths in table.items()})
        return tables[shortest]

    @cached_property
    def _tables_from(self) -> dict[int, EndingTable]:
        return {}


def _derive() -> dict[str, Any]:
    import wordfreq

    frequencies = wordfreq.get_frequency_dict("en")
    totals: dict[str, float] = {}
    for word, frequency in frequencies.items():
        if word.isascii() and word.isalpha():
            first = word[0].upper()
            totals[first] = totals.get(first, 0.0) + frequency
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        totals[letter] = max(totals.get(letter, 0.0), LETTER_FLOOR)
    norm = sum(totals.values())
    probs = {letter: value / norm for letter, value in sorted(totals.items())}
    words = sorted({w.upper() for w in wordfreq.top_n_list("en", TOP_WORDS)
                    if w.isascii() and w.isalpha() and len(w) >= MIN_WORD})
    chance: dict[int, float] = {}
    for word in words:
        chance[len(word)] = chance.get(len(word), 0.0) + math.prod(probs[c] for c in word)
    return {"letter_probs": probs, "words": words, "chance_by_length": chance}


@cache
def english() -> EnglishModel:
    source = f"wordfreq {version('wordfreq')} (en, top {TOP_WORDS})"
    path = cache_dir() / f"english-{version('wordfreq')}-{TOP_WORDS}.json"
    data: dict[str, Any] | None = None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or "words" not in data:
        data = _derive()
        tmp = path.with_suffix(".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
        except OSError:  # a read-only or full cache only costs time
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    probs = {str(k): float(v) for k, v in data["letter_probs"].items()}
    chance = {int(k): float(v) for k, v in data["chance_by_length"].items()}
    return EnglishModel(probs, frozenset(data["words"]), chance, source)
