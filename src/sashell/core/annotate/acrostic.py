"""Acrostic detection: the initial letters of a reply's lines (the HELLO experiment).

Blank lines, fenced code blocks, leading whitespace and markup (bullets, numbering, quote marks,
headings, emphasis, opening quotes) are skipped; letters are upper-cased. ``word`` is the longest
run of initial letters starting at the first counted line that is a target word (HELLO by default).
"""

from __future__ import annotations

import re

from sashell.core.annotate.base import Annotation, AnnotationInput
from sashell.core.annotate.lines import LineBuffer

_FENCE = re.compile(r"^\s*(```|~~~)")
# Markup that may stand before a line's first word, repeatedly (e.g. "> - **Hello**").
_PREFIX = re.compile(
    r"""^(?:
        \s+
      | [-*+•‣◦·]\s+            # bullets
      | \d{1,3}[.)]\s+          # numbering 1. 1)
      | >+\s*                   # quotes
      | \#{1,6}\s+              # headings
      | \*\*|__|\*|_|~~         # emphasis
      | ["'“‘«(\[]              # opening quotes and brackets
    )""",
    re.VERBOSE,
)
NON_LETTER = "·"


def initial_letter(line: str) -> str | None:
    """The line's initial letter, NON_LETTER if it starts with something else, None to skip it."""
    text = line
    while True:
        match = _PREFIX.match(text)
        if not match or not match.group(0):
            break
        text = text[match.end():]
    if not text:
        return None
    if re.fullmatch(r"[-=_*\s]{3,}", text):  # a horizontal rule
        return None
    first = text[0]
    return first.upper() if first.isalpha() else NON_LETTER


class AcrosticAnnotator:
    kind = "acrostic"

    def __init__(self, given: AnnotationInput) -> None:
        self._targets = tuple(dict.fromkeys(t.upper() for t in given.targets if t))
        self._lines = LineBuffer()
        self._letters: list[str] = []
        self._line_index: list[int] = []  # reply line number of each counted letter
        self._line_no = 0
        self._in_fence = False

    def feed(self, delta: str) -> None:
        for line in self._lines.feed(delta):
            self._take(line)

    def _take(self, line: str) -> None:
        if _FENCE.match(line):
            self._in_fence = not self._in_fence
        elif not self._in_fence:
            letter = initial_letter(line)
            if letter is not None:
                self._letters.append(letter)
                self._line_index.append(self._line_no)
        self._line_no += 1

    def _reading(self, letters: list[str], lines: list[int]) -> Annotation:
        text = "".join(letters)
        word, span = None, None
        for target in sorted(self._targets, key=len, reverse=True):
            if text.startswith(target):
                word, span = target, [lines[0], lines[len(target) - 1]]
                break
        data = {"letters": text, "word": word, "span": span, "lines": lines,
                "targets": list(self._targets)}
        return Annotation(self.kind, word is not None, data)

    def current(self) -> Annotation:
        partial = self._lines.partial
        if partial and not self._in_fence and not _FENCE.match(partial):
            letter = initial_letter(partial)
            if letter is not None:
                return self._reading([*self._letters, letter], [*self._line_index, self._line_no])
        return self._reading(self._letters, self._line_index)

    def finish(self) -> Annotation:
        partial = self._lines.partial
        if partial:
            self._lines = LineBuffer()
            self._take(partial)
        return self._reading(self._letters, self._line_index)
