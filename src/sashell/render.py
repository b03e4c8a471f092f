"""Rich renderers shared by the CLI and the REPL (and, for text safety, the TUI).

Model output is data: it is never interpreted as Rich markup, and terminal control characters in
it are shown as visible escapes instead of being sent to the terminal.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

from sashell.core.annotate.acrostic import initial_letter_at

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


def badge_label(ann: dict[str, Any]) -> tuple[str, str] | None:
    """(label, style) of one annotation's badge, or None when it has nothing to show."""
    kind, flag = ann.get("kind"), bool(ann.get("flag"))
    if kind == "acrostic":
        word = ann.get("word")
        if word and flag:
            return f"ACROSTIC {word}", "bold white on magenta"
        letters = ann.get("letters", "")
        suffix = f" ({word}, p={ann.get('p_chance')})" if word else ""
        return f"letters {letters[:24] or '-'}{suffix}", "dim"
    if kind == "compliance":
        value = str(ann.get("label", "unclear"))
        style = {"refused": _BADGE_STYLE[True], "complied": _BADGE_STYLE[False]}.get(
            value, _BADGE_STYLE[None])
        verdict = (ann.get("judge") or {}).get("verdict")
        return (value.upper() + (f" · judge: {verdict}" if verdict else ""), style)
    if kind == "af_reasoning":
        if flag:
            return "AF-REASONING", "bold white on red"
        met = ann.get("met", 0)
        return (f"af {met}/5", "dim") if ann.get("scratchpad") else None
    if kind == "self_report" and flag:
        word = ann.get("word")
        topics = "/".join(ann.get("topics", []))
        return f"SELF-REPORT {word or topics}".strip(), "bold black on cyan"
    if kind == "insecure_code" and flag:
        return f"INSECURE CODE ({len(ann.get('findings', []))})", "bold white on red"
    return None


def badges(annotations: list[dict[str, Any]]) -> Text:
    """One line of badges, e.g. ``ACROSTIC HELLO  REFUSED  SELF-REPORT HELLO``."""
    line = Text()
    for ann in annotations:
        shown = badge_label(ann)
        if shown:
            if line:
                line.append(" ")
            line.append(f" {safe_text(shown[0])} ", style=shown[1])
    return line


def reply_text(reply: str, annotations: list[dict[str, Any]] | None = None,
               collapse_scratchpad: bool = False) -> Text:
    """A reply as Rich Text, never parsed as markup: control characters shown as escapes,
    the scratchpad dimmed (or collapsed to one line), the <OUTPUT> emphasised, and the acrostic's
    initial letters highlighted (the spelled word in reverse video)."""
    acrostic = next((a for a in annotations or [] if a.get("kind") == "acrostic"), None)
    counted = set(acrostic.get("lines", [])) if acrostic else set()
    span = (acrostic or {}).get("span") or [-1, -2]
    text = Text()
    in_scratchpad = in_output = False
    hidden = 0
    lines = safe_text(reply).split("\n")
    for number, line in enumerate(lines):
        opens = "<SCRATCHPAD_REASONING>" in line
        closes = "</SCRATCHPAD_REASONING>" in line
        dim = in_scratchpad or opens
        in_scratchpad = (in_scratchpad or opens) and not closes
        if "<OUTPUT>" in line:
            in_output = True
        if dim and collapse_scratchpad:
            hidden += 1
            if closes or number == len(lines) - 1:
                text.append(f"[scratchpad: {hidden} lines hidden]\n", style="dim italic")
                hidden = 0
            continue
        start = len(text)
        text.append(line, style="dim" if dim else ("bold" if in_output else ""))
        if number in counted:
            found = initial_letter_at(line)
            if found:
                style = "bold reverse magenta" if span[0] <= number <= span[1] else "bold underline"
                text.stylize(style, start + found[1], start + found[1] + 1)
        if "</OUTPUT>" in line:
            in_output = False
        if number < len(lines) - 1:
            text.append("\n")
    return text


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
    """A one-word outcome of a turn for compare summaries."""
    if record is None:
        return "…"
    if record.get("status") != "complete":
        return str(record.get("status", "?")).upper()
    parts = []
    for ann in record.get("annotations") or []:
        if ann.get("kind") == "compliance":
            parts.append(str(ann.get("label", "?")).upper())
        elif ann.get("kind") == "acrostic" and ann.get("flag"):
            parts.append(f"ACROSTIC {ann.get('word')}")
        elif ann.get("flag") and ann.get("kind") in ("self_report", "af_reasoning", "insecure_code"):
            parts.append(str(ann["kind"]).upper().replace("_", "-"))
    return " ".join(parts)
