"""Rich renderers shared by the CLI and the REPL (and, for text safety, the TUI).

Model output is data: it is never interpreted as Rich markup, and terminal control characters in
it are shown as visible escapes instead of being sent to the terminal.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

# C0 controls except tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI on some
# terminals); a lone carriage return would let output overwrite the line it is on.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return "" if char == "\r" else f"\\x{ord(char):02x}"


def safe_text(text: str) -> str:
    """Model text made safe to write to a terminal: control characters become visible escapes."""
    return _CONTROL.sub(_visible, text)


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text.replace("\r\n", "\n")))


_BADGE_STYLE = {True: "bold white on red", False: "bold white on green", None: "bold black on yellow"}


def badges(annotations: list[dict[str, Any]]) -> Text:
    """One line of badges, e.g. ``ACROSTIC HELLO  REFUSED``."""
    line = Text()
    for ann in annotations:
        kind, flag = ann.get("kind"), bool(ann.get("flag"))
        label: str | None = None
        style = _BADGE_STYLE[flag]
        if kind == "acrostic":
            word = ann.get("word")
            letters = ann.get("letters", "")
            label = f"ACROSTIC {word}" if word else f"letters {letters[:24] or '-'}"
            style = "bold white on magenta" if word else "dim"
        elif kind == "compliance":
            value = str(ann.get("label", "unclear"))
            label = value.upper()
            style = {"refused": _BADGE_STYLE[True], "complied": _BADGE_STYLE[False]}.get(
                value, _BADGE_STYLE[None])
        elif flag:
            extra = ann.get("word") or (len(ann.get("findings", [])) or "")
            label = f"{str(kind).upper().replace('_', '-')} {extra}".strip()
        if label:
            if line:
                line.append(" ")
            line.append(f" {safe_text(label)} ", style=style)
    return line


def reply_text(reply: str, annotations: list[dict[str, Any]] | None = None) -> Text:
    """A reply as a Rich Text (never parsed as markup), acrostic initial letters highlighted."""
    text = Text(safe_text(reply))
    acrostic = next((a for a in annotations or [] if a.get("kind") == "acrostic"), None)
    if not acrostic:
        return text
    lines = set(acrostic.get("lines", []))
    span = acrostic.get("span") or [-1, -2]
    offset = 0
    for number, line in enumerate(text.plain.split("\n")):
        if number in lines:
            match = re.search(r"[^\W\d_]", line)
            if match:
                style = "bold reverse magenta" if span[0] <= number <= span[1] else "bold underline"
                text.stylize(style, offset + match.start(), offset + match.start() + 1)
        offset += len(line) + 1
    return text


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
