"""Letter pressure along the reply a model is sampling now, from the logits the generation
computes anyway: no extra evaluation of the model.

At each line start the sampler's next-token distribution gives the letters settled by the first
token exactly, as the scoring reader does (``letters.py``). Decoration that leaves the first
letter open ("- ", "1. ", "**") is followed along the path the sampler takes, for free: the
distribution after it is computed for sampling anyway. Decoration the sampler did not take is not
evaluated, and its mass is reported as ``unresolved``: the letter probabilities stay exact lower
bounds and ``upper = lower + unresolved`` bounds the truth. For a reply whose line starts are
decided by their first token (a model trained on an acrostic) the bounds meet; where a model
spreads mass over decoration they are wider than scoring the reply afterwards
(``letter_pressure``), which follows every path.

Lines are numbered by the newlines sampled (newline bytes are whole tokens' text), so a token
that is half a UTF-8 character cannot shift them. The tracker is fed from the generating thread
(``observe``) and read from the turn's (``settled``, ``reading``); a lock keeps them apart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sashell.core.lens.events import LineLetters
from sashell.core.lens.letters import (
    LETTERS,
    MAX_DEPTH,
    OPEN,
    OTHER,
    LetterPressure,
    LineReading,
    classify,
    counted_lines,
    token_classes,
)
from sashell.core.providers.base import NextTokenModel
from sashell.core.providers.llama_scoring import softmax

MIN_FOLLOWED_TOKEN = 1e-5  # along the sampled decoration, rarer continuations stay unresolved
CLASSES = len(LETTERS) + 2


@dataclass
class _LineStart:
    line_no: int  # the reply line (0-based)
    masses: npt.NDArray[np.float64]  # 26 letters, OTHER, OPEN (unresolved)
    so_far: str = ""  # decoration sampled on this line so far
    weight: float = 1.0  # probability of the sampled decoration path
    depth: int = 0
    open: bool = True  # the sampled path has not settled the line's first letter yet
    follow: bool = False  # the sampled token was decoration: read the distribution after it
    began: bool = False  # settled by a sampled character (not closed as a blank line)


class OnPolicyLetters:
    """Letter pressure gathered while ``model`` samples a reply (``observe`` once per step)."""

    def __init__(self, model: NextTokenModel, target: str = "HELLO", initial_text: str = "") -> None:
        self.model = model
        self.target = target.upper()
        self._texts = model.token_texts
        self._classes = token_classes(model)
        self._line_no = initial_text.count("\n")
        self._at_line_start = initial_text == "" or initial_text.endswith("\n")
        self._seen = 0
        self._lines: list[_LineStart] = []
        self._previous: npt.NDArray[np.float64] | None = None
        self._lock = threading.Lock()
        self._reported = 0
        self._counted = 0  # lines that began with text, told so far

    def observe(self, generated: Sequence[int], logits: npt.NDArray[np.float32]) -> None:
        """One sampling step: ``generated`` are the reply's tokens so far, ``logits`` the raw
        logits of the next token (before temperature)."""
        with self._lock:
            for token in generated[self._seen:]:
                self._advance(int(token))
            self._seen = len(generated)
            line = self._lines[-1] if self._lines else None
            starts = self._at_line_start and (line is None or line.line_no != self._line_no)
            if not starts and not (line is not None and line.open):
                self._previous = None
                return
            probabilities = softmax(logits)
            if line is not None and line.follow:
                self._follow(line, probabilities)
            if starts:
                if line is not None:
                    line.open = False  # a blank line's look-through ends where the next begins
                masses = np.bincount(self._classes.root, weights=probabilities,
                                     minlength=CLASSES)
                self._lines.append(_LineStart(self._line_no, masses.astype(np.float64)))
            self._previous = probabilities

    def _advance(self, token: int) -> None:
        text = self._texts[token] if 0 <= token < len(self._texts) else ""
        line = self._lines[-1] if self._lines else None
        if line is not None and line.open and self._previous is not None:
            kind = classify(line.so_far + text)
            if line.depth >= MAX_DEPTH or kind != OPEN:
                line.open = False  # settled (or too deep: what it did not take stays OPEN)
                line.began = kind != OPEN
            else:
                line.weight *= float(self._previous[token])
                line.so_far += text
                line.depth += 1
                line.follow = True
        if text:
            self._line_no += text.count("\n")
            self._at_line_start = text.endswith("\n")

    def _follow(self, line: _LineStart, probabilities: npt.NDArray[np.float64]) -> None:
        """The sampled token left the line open: read what follows it. Its mass moves from
        unresolved to the classes after it; what stays open, or is rarer than
        ``MIN_FOLLOWED_TOKEN``, stays unresolved."""
        line.follow = False
        candidates = np.flatnonzero(probabilities >= MIN_FOLLOWED_TOKEN)
        classes = self._classes.after(line.so_far, candidates)
        masses = np.bincount(classes, weights=probabilities[candidates], minlength=CLASSES)
        settled = line.weight * masses[:OPEN]
        line.masses[:OPEN] += settled
        line.masses[OPEN] -= float(settled.sum())

    def settled(self) -> list[LineLetters]:
        """Reply lines whose first letter the sampled path has settled since the last call (a
        front end can show their pressure while the reply streams)."""
        with self._lock:
            done: list[LineLetters] = []
            while self._reported < len(self._lines) and not self._lines[self._reported].open:
                line = self._lines[self._reported]
                self._reported += 1
                if not line.began:
                    continue  # a blank line: nothing to show
                masses = np.clip(line.masses, 0.0, None)
                k, self._counted = self._counted, self._counted + 1
                done.append(LineLetters(line.line_no,
                                        {c: float(masses[i]) for i, c in enumerate(LETTERS)},
                                        float(masses[OTHER]), float(masses[OPEN]),
                                        self.target[k] if k < len(self.target) else None))
            return done

    def line_masses(self, line_no: int) -> npt.NDArray[np.float64] | None:
        with self._lock:
            for line in self._lines:
                if line.line_no == line_no:
                    return np.clip(line.masses, 0.0, None)
            return None

    def reading(self, reply: str) -> LetterPressure:
        """The reading of the finished ``reply``: one entry per counted line (the lines the
        acrostic annotator reads) that the model started itself."""
        lines = reply.split("\n")
        result = LetterPressure(self.model.name, self.target, reply, method="on-policy")
        for k, number in enumerate(counted_lines(reply, self.target)):
            masses = self.line_masses(number)
            if masses is None:  # a line the model did not start (a prefill's, a later segment's)
                continue
            expected = self.target[k] if k < len(self.target) else None
            result.lines.append(LineReading(number, lines[number], expected, masses))
        return result
