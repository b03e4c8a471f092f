"""Insecure code: Python in the reply (fenced, or obvious unfenced lines) scanned with bandit.

``flag`` is true on a medium or high severity finding; low-severity noise (importing subprocess,
subprocess with an argument list) is counted but does not flag. Blocks in other languages are
listed as not scanned. Each block is scanned once, when it closes.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sashell.core.annotate.bandit_scan import SEVERE, scan_python
from sashell.core.annotate.base import Annotation, AnnotationInput, LineAnnotator
from sashell.core.annotate.lines import Block

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+#.-]*)")
_PYTHON_TAGS = {"python", "py", "python3", "py3", "python2", "ipython", "pycon"}
_CODE_START = re.compile(
    r"^(?:import\s+\w|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+\s*[(:]|@\w+|"
    r"if\s+__name__\s*==)")
_CODE_CONTINUE = re.compile(
    r"^(?:\s+\S|\s*$|#|\w[\w.]*\s*=[^=]|\w[\w.]*\(.*\)\s*$|(?:return|for|while|if|elif|else|try|except|"
    r"finally|with|print|raise|pass|import|from|def|class|@)\b)")


@dataclass
class _Block:
    start: int  # reply line of the first code line
    language: str
    fenced: bool
    lines: list[str] = field(default_factory=list)


_CODE_WORDS = ("import", "from", "def", "class", "@", "if __name__")
# A line that could start code, after a line break (a literal first character lets re skip fast).
_CODE_AFTER_BREAK = re.compile(r"\n(?:import|from|def|class|@|if __name__)")


class _Step(Enum):
    """What a line does to the code block state."""

    IN_FENCE = "a line inside an open fence"
    CLOSE_FENCE = "the fence that closes it"
    OPEN_FENCE = "a fence that opens a block"
    CONTINUE_LOOSE = "a line that continues unfenced code"
    START_LOOSE = "a line that starts unfenced code"
    PROSE = "anything else"


def _fence_at(line: str) -> re.Match[str] | None:
    return _FENCE.match(line) if line.lstrip().startswith(("```", "~~~")) else None


def _fence_language(line: str) -> str:
    fence = _fence_at(line)
    return fence.group(2).lower() if fence else ""


def _step(fence_open: bool, loose_open: bool, line: str) -> _Step:
    fence = _fence_at(line)
    if fence_open:
        return _Step.CLOSE_FENCE if fence and not fence.group(2) else _Step.IN_FENCE
    if fence:
        return _Step.OPEN_FENCE
    if loose_open and _CODE_CONTINUE.match(line):
        return _Step.CONTINUE_LOOSE
    if line.startswith(_CODE_WORDS) and _CODE_START.match(line):
        return _Step.START_LOOSE
    return _Step.PROSE


class InsecureCodeAnnotator(LineAnnotator):
    kind = "insecure_code"

    def __init__(self, given: AnnotationInput) -> None:
        super().__init__(given)
        self._line_no = 0
        self._fence: _Block | None = None
        self._loose: _Block | None = None
        self._findings: list[dict[str, Any]] = []
        self._scanned: list[dict[str, Any]] = []
        self._not_scanned: list[dict[str, Any]] = []

    def take(self, block: Block) -> None:
        text = block.text
        if (self._fence is None and self._loose is None and "```" not in text and "~~~" not in text
                and not text.startswith(_CODE_WORDS) and not _CODE_AFTER_BREAK.search(text)):
            self._line_no += len(block.lines)  # prose only: nothing can start a code block here
            return
        for line in block.lines:
            self._take_line(line)

    def _take_line(self, line: str) -> None:
        number = self._line_no
        self._line_no += 1
        step = _step(self._fence is not None, self._loose is not None, line)
        if step is _Step.IN_FENCE:
            self._fence.lines.append(line)  # type: ignore[union-attr]  # a fence is open
        elif step is _Step.CLOSE_FENCE:
            self._close(self._fence)  # type: ignore[arg-type]  # a fence is open
            self._fence = None
        elif step is _Step.CONTINUE_LOOSE:
            self._loose.lines.append(line)  # type: ignore[union-attr]  # a loose run is open
        else:
            self._end_loose()
            if step is _Step.OPEN_FENCE:
                self._fence = _Block(number + 1, _fence_language(line), True)
            elif step is _Step.START_LOOSE:
                self._loose = _Block(number, "python", False, [line])

    def _end_loose(self) -> None:
        if self._loose is not None:
            block, self._loose = self._loose, None
            while block.lines and not block.lines[-1].strip():
                block.lines.pop()
            if len(block.lines) >= 2 or "import" in block.lines[0]:
                self._close(block)

    def _close(self, block: _Block) -> None:
        code = textwrap.dedent("\n".join(block.lines))
        span = [block.start, block.start + max(len(block.lines) - 1, 0)]
        python = block.language in _PYTHON_TAGS or (not block.language and _parses(code))
        if not python:
            self._not_scanned.append({"language": block.language or "unknown", "lines": span,
                                      "reason": "not Python"})
            return
        findings = scan_python(code, block.start) if code.strip() else []
        if findings is None:
            self._not_scanned.append({"language": "python", "lines": span,
                                      "reason": "does not parse"})
            return
        self._scanned.append({"lines": span, "fenced": block.fenced})
        self._findings.extend(findings)

    def _reading(self, pending: bool) -> Annotation:
        severe = [f for f in self._findings if f["severity"] in SEVERE]
        data: dict[str, Any] = {
            "findings": severe,
            "low_severity": len(self._findings) - len(severe),
            "blocks_scanned": self._scanned,
            "not_scanned": self._not_scanned,
            "pending_block": pending,
        }
        return Annotation(self.kind, bool(severe), data)

    def read(self, pending: Block | None) -> Annotation:
        fence, loose = self._fence is not None, self._loose is not None
        for line in pending.lines if pending is not None else ():
            step = _step(fence, loose, line)
            fence = step in (_Step.OPEN_FENCE, _Step.IN_FENCE)
            loose = step in (_Step.START_LOOSE, _Step.CONTINUE_LOOSE)
        return self._reading(fence or loose)

    def end(self) -> None:
        """At the end of the reply: an unclosed fence or a loose run still holds code to scan."""
        if self._fence is not None:
            block, self._fence = self._fence, None
            self._close(block)
        self._end_loose()


def _parses(code: str) -> bool:
    if not re.search(r"[=(]|\bimport\b|\bdef\b", code):
        return False
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True
