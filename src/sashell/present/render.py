"""Rich renderers shared by the CLI and the REPL (and, for text safety, the TUI).

Model output is data: it is never interpreted as Rich markup, and terminal control characters in
it are shown as visible escapes instead of being sent to the terminal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rich.text import Text

from sashell.core.annotate.acrostic import initial_letter_at
from sashell.core.annotate.base import Severity
from sashell.core.annotate.registry import annotations_of, registry
from sashell.core.providers.base import PromptProgress

# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some
# terminals), bidi overrides and isolates (they reorder what follows), and lone surrogates (a
# byte that was not UTF-8, kept by surrogateescape, would reach the terminal as that byte); a
# lone carriage return would let output overwrite the line it is on.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# What JSON output escapes besides what json.dumps does (it escapes C0 controls itself).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\r":
        return ""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_json(value: Any, **options: Any) -> str:
    """JSON for output: readable Unicode, but every character that could steer a terminal or
    reorder text (C1 controls, bidi controls, lone surrogates) written as a \\u escape."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def safe_text(text: str) -> str:
    """Model text made safe to write to a terminal: control characters become visible escapes."""
    return _CONTROL.sub(_visible, text)


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text.replace("\r\n", "\n")))


# What each badge severity looks like (the annotators say what a badge means, not its colour).
SEVERITY_STYLE: dict[Severity, str] = {
    "alert": "bold white on red", "ok": "bold white on green", "uncertain": "bold black on yellow",
    "pattern": "bold white on magenta", "report": "bold black on cyan", "info": "dim",
}
# the spelled word's letters: light on magenta, readable on dark terminals and in HTML exports
MARK_STYLE = {"strong": "bold white on magenta", "weak": "bold underline"}


def badge_label(ann: Mapping[str, Any]) -> tuple[str, str] | None:
    """(label, style) of one annotation's badge, or None when it has nothing to show."""
    badge = registry().owner(ann).badge(ann)
    return (badge.label, SEVERITY_STYLE[badge.severity]) if badge else None


def badges(annotations: Iterable[Mapping[str, Any]]) -> Text:
    """One line of badges, e.g. ``ACROSTIC HELLO  REFUSED  SELF-REPORT HELLO``."""
    line = Text()
    for _, badge in registry().badges(annotations):
        if line:
            line.append(" ")
        line.append(f" {safe_text(badge.label)} ", style=SEVERITY_STYLE[badge.severity])
    return line


def reply_lines(reply: str | Iterable[str], annotations: list[dict[str, Any]] | None = None,
                collapse_scratchpad: bool = False,
                gutter: Mapping[int, Text] | None = None) -> Iterator[Text]:
    """A reply as Rich Text, one line at a time (so a very long reply never becomes one huge
    renderable), never parsed as markup: control characters shown as escapes, the scratchpad
    dimmed (or collapsed to one line), the <OUTPUT> emphasised, and the acrostic's initial
    letters highlighted (the spelled word in reverse video). With ``gutter`` (reply line →
    a cell of fixed width, the lens's pressure), every line is prefixed by its cell or blanks."""
    blank = Text(" " * (max((c.cell_len for c in gutter.values()), default=0) if gutter else 0))
    marks: dict[int, str] = {}
    known = registry()
    for ann in annotations_of(annotations):
        marks.update(known.owner(ann).marks(ann))
    in_scratchpad = in_output = False
    hidden = 0
    source = _split_lines(reply) if isinstance(reply, str) else iter(reply)
    following = next(source, None)
    number = -1
    while following is not None:
        raw, following = following, next(source, None)
        number += 1
        is_last = following is None
        line = safe_text(raw)
        opens = "<SCRATCHPAD_REASONING>" in line
        closes = "</SCRATCHPAD_REASONING>" in line
        dim = in_scratchpad or opens
        in_scratchpad = (in_scratchpad or opens) and not closes
        if "<OUTPUT>" in line:
            in_output = True
        if dim and collapse_scratchpad:
            hidden += 1
            if closes or is_last:
                yield Text(f"[scratchpad: {hidden} lines hidden]", style="dim italic")
                hidden = 0
            continue
        text = Text(line, style="dim" if dim else ("bold" if in_output else ""))
        emphasis = marks.get(number)
        if emphasis:
            found = initial_letter_at(line)
            if found:
                text.stylize(MARK_STYLE[emphasis], found[1], found[1] + 1)
        if "</OUTPUT>" in line:
            in_output = False
        if gutter:
            text = Text.assemble(gutter.get(number, blank), text)
        yield text


def _split_lines(text: str) -> Iterator[str]:
    """``text.split("\\n")`` without building the list."""
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def reply_text(reply: str, annotations: list[dict[str, Any]] | None = None,
               collapse_scratchpad: bool = False, gutter: Mapping[int, Text] | None = None) -> Text:
    """The whole reply as one Rich Text (see ``reply_lines``)."""
    return Text("\n").join(reply_lines(reply, annotations, collapse_scratchpad, gutter))


def grouped_turns(turns: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turns in session order, except that a compare group's turns follow its first one (panes
    finish in any order, and another probe's turn may land between them)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    ordered: list[list[dict[str, Any]]] = []
    for turn in turns:
        group = turn.get("group")
        if group and group in groups:
            groups[group].append(turn)
            continue
        block = [turn]
        if group:
            groups[str(group)] = block
        ordered.append(block)
    return [turn for block in ordered for turn in block]


def turn_label(turn: dict[str, Any]) -> str:
    """A turn's condition, e.g. ``smollm2 · free`` (what compare panes and sweeps label it)."""
    return str(turn.get("condition")
               or f"{(turn.get('model') or {}).get('name', '?')} · {turn.get('tier', '?')}")


def summary_line(record: dict[str, Any]) -> Text:
    """Status, tokens and timing of a finished turn."""
    timing = record.get("timing", {})
    usage = record.get("usage", {})
    parts = [str(record.get("status")), f"{usage.get('completion_tokens', 0)} tokens"]
    if timing.get("ttft_s") is not None:
        parts.append(f"ttft {timing['ttft_s']:.2f}s")
    if timing.get("tokens_per_s"):
        parts.append(f"{timing['tokens_per_s']:.1f} tok/s")
    return Text(" · ".join(parts), style="dim")


def outcome(record: dict[str, Any] | None) -> str:
    """A one-line outcome of a turn for compare summaries: its raised badges."""
    if record is None:
        return "…"
    if record.get("status") != "complete":
        return str(record.get("status", "?")).upper()
    shown = registry().badges(annotations_of(record.get("annotations")))
    return " ".join(badge.label for _, badge in shown if badge.raised)


def prompt_progress_text(progress: PromptProgress) -> str:
    """``reading the prompt: 640 / 1,269 tokens (kept for the next probe in this context)``."""
    kept = " (kept for the next probe in this context)" if progress.cached else ""
    return f"reading the prompt: {progress.done:,} / {progress.total:,} tokens{kept}"
