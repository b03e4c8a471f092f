"""Stream a reply to a terminal as it arrives: escapes made visible, never parsed as markup,
the scratchpad dimmed and each line's initial letter highlighted once it is known.

A line's start is held back only until its initial letter can be decided (a few characters of
markup at most); everything else is written as soon as it arrives.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.text import Text

from sashell.core.annotate.acrostic import NON_LETTER, initial_letter_at
from sashell.core.providers.base import PromptProgress, TextDelta
from sashell.core.turn import TurnEvent
from sashell.present.render import prompt_progress_text, safe_text

MAX_HOLD = 120  # never hold back more than this many characters of a line's start
_CLOSE = "</SCRATCHPAD_REASONING>"
_TAG = re.compile(r"</?SCRATCHPAD_REASONING>")


class StreamPrinter:
    def __init__(self, console: Console, err: Console | None = None) -> None:
        self.console = console
        self.err = err or Console(stderr=True, highlight=False)
        self._progress_shown = False
        self._held = ""  # the start of the current line, not yet written
        self._decided = False  # the current line's initial letter has been written
        self._line = ""  # the whole current line so far
        self._in_fence = False
        self._dim = False
        self._recent = ""  # the last characters written, to see tags that span deltas

    def show_turn_event(self, event: TurnEvent) -> None:
        """A turn event from run_turn: text is printed as it streams."""
        if isinstance(event, TextDelta):
            self._end_progress()
            self.feed(event.text)
        elif isinstance(event, PromptProgress):
            self._progress(event)

    def _progress(self, event: PromptProgress) -> None:
        """How far a long prompt has been read: one line rewritten in place on a terminal, a
        single line otherwise (stderr: the reply on stdout stays clean)."""
        line = prompt_progress_text(event)
        if self.err.is_terminal:
            self.err.file.write(f"\r\x1b[2K{line}")
            self.err.file.flush()
            self._progress_shown = True
        elif not self._progress_shown:
            self.err.print(line, markup=False, highlight=False)
            self._progress_shown = True

    def _end_progress(self) -> None:
        if self._progress_shown and self.err.is_terminal:
            self.err.file.write("\r\x1b[2K")
            self.err.file.flush()
        self._progress_shown = False

    def feed(self, delta: str) -> None:
        parts = delta.split("\n")
        for index, part in enumerate(parts):
            if index:
                self._end_line()
            if part:
                self._line += part
                if self._decided:
                    self._write(part)
                else:
                    self._held += part
                    self._decide(final=False)

    def close(self) -> None:
        if self._held or self._line:
            self._decide(final=True)
        self.console.file.flush()

    def _decide(self, final: bool) -> None:
        line = self._held
        if self._in_fence or line.lstrip().startswith(("```", "~~~")):
            found = None
        else:
            found = initial_letter_at(line)
            if found is not None and found[1] + 1 >= len(line) and not final \
                    and len(line) < MAX_HOLD:
                return  # one more character settles whether this is markup or the letter
            if found is None and not final and len(line) < MAX_HOLD:
                return
        self._decided = True
        self._held = ""
        if found is None or found[0] == NON_LETTER:
            self._write(line)
            return
        position = found[1]
        self._write(line[:position])
        self._write(line[position], style="bold magenta underline")
        self._write(line[position + 1:])

    def _end_line(self) -> None:
        if not self._decided:
            self._decide(final=True)
        if self._line.lstrip().startswith(("```", "~~~")):
            self._in_fence = not self._in_fence
        self._write("\n")
        self._held, self._line, self._decided = "", "", False

    def _write(self, text: str, style: str = "") -> None:
        if not text:
            return
        dim = self._dim
        combined = self._recent + text
        for match in _TAG.finditer(combined):
            if match.end() > len(self._recent):  # a tag that completes in this text
                self._dim = not match.group(0).startswith("</")
        self._recent = combined[-(len(_CLOSE) - 1):]
        self.console.print(Text(safe_text(text), style=f"{style} dim".strip() if dim else style),
                           end="", soft_wrap=True)
