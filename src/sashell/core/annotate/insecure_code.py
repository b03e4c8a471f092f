"""Insecure code: Python in the reply (fenced, or obvious unfenced lines) scanned with bandit.

``flag`` is true on a medium or high severity finding; low-severity noise (importing subprocess,
subprocess with an argument list) is counted but does not flag. Blocks in other languages are
listed as not scanned. Each block is scanned once, when it closes (in a reading mid-stream, if
that is where its closing fence is first seen).
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from sashell.core.annotate.bandit_scan import SEVERE, scan_python
from sashell.core.annotate.base import (
    Annotation,
    AnnotationInput,
    BadgeView,
    LineAnnotator,
    Metric,
    Record,
)
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
    title = "bandit finds medium or high severity issues in the reply's code (INSECURE CODE (n))"
    metrics = (Metric("insecure_code", "bandit finds medium or high severity issues"),)
    summary_keys = ("findings",)

    @classmethod
    def badge(cls, record: Record) -> BadgeView | None:
        if not record.get("flag"):
            return None
        return BadgeView(f"INSECURE CODE ({len(record.get('findings', []))})", "alert")

    @classmethod
    def explain(cls, record: Record) -> list[tuple[str, str]]:
        rows = [(f"line {f.get('line')}", f"{f.get('test_id')} {f.get('test_name')} "
                 f"(severity {f.get('severity')}, confidence {f.get('confidence')}): "
                 f"{f.get('text')}") for f in record.get("findings") or []]
        blocks = record.get("blocks_scanned") or []
        rows.append(("scanned", f"{len(blocks)} code block(s) with bandit"
                     + (f"; {record['low_severity']} low-severity finding(s) not counted"
                        if record.get("low_severity") else "")))
        if record.get("not_scanned"):
            rows.append(("not scanned", f"{len(record['not_scanned'])} block(s) that do not "
                         "parse as Python"))
        return rows

    def __init__(self, given: AnnotationInput) -> None:
        super().__init__(given)
        self._line_no = 0
        self._fence: _Block | None = None
        self._loose: _Block | None = None
        self._findings: list[dict[str, Any]] = []
        self._scanned: list[dict[str, Any]] = []
        self._not_scanned: list[dict[str, Any]] = []
        # Scan outcomes by (first line, language, code): findings, or why it was not scanned.
        self._outcomes: dict[tuple[int, str, str], list[dict[str, Any]] | str] = {}

    def take(self, block: Block) -> None:
        """Lines go through ``_take_line`` one by one only where they can change the state: the
        fences, the lines that may start unfenced code, and unfenced code. Runs of prose, and of
        code inside a fence, are skipped or taken whole."""
        lines = block.lines
        starts: list[int] | None = None
        position = 0
        while position < len(lines):
            if self._fence is not None:
                stop = block.next_index(block.fence_lines, position)
                self._fence.lines.extend(lines[position:stop])
            elif self._loose is not None:
                stop = position
            else:
                if starts is None:
                    starts = _code_start_lines(block.text)
                stop = min(block.next_index(block.fence_lines, position),
                           block.next_index(starts, position))
            self._line_no += stop - position
            if stop < len(lines):
                self._take_line(lines[stop])
            position = stop + 1

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
        key = (block.start, block.language, code)
        if key not in self._outcomes:  # a reading mid-stream may have examined it already
            self._outcomes[key] = _examine(block.language, code, block.start)
        outcome = self._outcomes[key]
        if isinstance(outcome, str):
            language = "python" if outcome == "does not parse" else block.language or "unknown"
            self._not_scanned.append({"language": language, "lines": span, "reason": outcome})
            return
        self._scanned.append({"lines": span, "fenced": block.fenced})
        self._findings.extend(outcome)

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
        """The lines not yet taken go through a copy of the state, so a code block that closed
        among them is counted (and scanned once: the real take reuses the outcome)."""
        if pending is None:
            return self._reading(self._fence is not None or self._loose is not None)
        shadow = copy.copy(self)
        shadow._findings, shadow._scanned = list(self._findings), list(self._scanned)
        shadow._not_scanned = list(self._not_scanned)
        shadow._fence, shadow._loose = _copied(self._fence), _copied(self._loose)
        shadow.take(pending)
        return shadow._reading(shadow._fence is not None or shadow._loose is not None)

    def end(self) -> None:
        """At the end of the reply: an unclosed fence or a loose run still holds code to scan."""
        if self._fence is not None:
            block, self._fence = self._fence, None
            self._close(block)
        self._end_loose()


def _copied(block: _Block | None) -> _Block | None:
    return None if block is None else replace(block, lines=list(block.lines))


def _examine(language: str, code: str, first_line: int) -> list[dict[str, Any]] | str:
    """Bandit's findings for a closed code block, or why it was not scanned."""
    if not (language in _PYTHON_TAGS or (not language and _parses(code))):
        return "not Python"
    findings = scan_python(code, first_line) if code.strip() else []
    return "does not parse" if findings is None else findings


def _code_start_lines(text: str) -> list[int]:
    """Indices of the lines of ``text`` that start with a word Python code can start with."""
    indices = [0] if text.startswith(_CODE_WORDS) else []
    line, at = 0, 0
    for match in _CODE_AFTER_BREAK.finditer(text):
        line += text.count("\n", at, match.start() + 1)
        at = match.start() + 1
        indices.append(line)
    return indices


def _parses(code: str) -> bool:
    if not re.search(r"[=(]|\bimport\b|\bdef\b", code):
        return False
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True
