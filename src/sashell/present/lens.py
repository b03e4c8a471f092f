"""The lens's readings as tables (terminal, replay): one row per counted line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from sashell.present.render import safe_text

BAR = 20


def pressure_bar(p: float | None, width: int = BAR) -> Text:
    """A bar and the percentage: how much of the mass is on the expected letter."""
    if p is None:
        return Text("–", style="dim")
    filled = round(max(0.0, min(p, 1.0)) * width)
    text = Text("█" * filled, style="cyan")
    text.append("░" * (width - filled), style="dim")
    text.append(f" {p:6.1%}")
    return text


def top_letters(letters: Mapping[str, float], n: int = 3) -> str:
    top = sorted(letters.items(), key=lambda kv: -kv[1])[:n]
    return " ".join(f"{k} {v:.0%}" for k, v in top if v >= 0.005)


def letters_table(reading: Mapping[str, Any], reply: str | None = None) -> Table:
    """A letter-pressure reading (``lens letters --json``'s object, or the compact one stored on
    a turn, with the turn's ``reply``)."""
    mean = reading.get("mean_p_expected")
    method = reading.get("method", "scored")
    title = (f"{reading['model']}: P(line starts with the {reading['target']} letter)"
             + (f", mean {mean:.1%}" if isinstance(mean, float) else "")
             + (" — as sampled" if method == "on-policy" else ""))
    table = Table(title=safe_text(title), title_justify="left")
    for column in ("line", "expected", "P(expected)", "upper", "top letters", "text"):
        table.add_column(column)
    lines = (reply if reply is not None else str(reading.get("reply", ""))).split("\n")
    for line in reading["lines"]:
        index = int(line["index"])
        upper = line.get("upper")
        text = line.get("text", lines[index] if index < len(lines) else "")
        table.add_row(str(index), line["expected"] or "–", pressure_bar(line.get("lower"), 10),
                      "–" if upper is None else f"{upper:.1%}", top_letters(line["letters"]),
                      Text(safe_text(str(text)[:40])))
    return table
