"""The lens's readings for people: tables (terminal, replay, exports), one row per counted line.
A stored reading comes from a file: every value is checked and every string neutralised."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from sashell.present.render import safe_text

BAR = 10
COLUMNS = ("line", "expected", "P(expected)", "upper", "top letters", "text")


def pressure_bar(p: float | None, width: int = BAR) -> Text:
    """A bar and the percentage: how much of the mass is on the expected letter."""
    if p is None:
        return Text("–", style="dim")
    filled = round(max(0.0, min(p, 1.0)) * width)
    text = Text("█" * filled, style="cyan")
    text.append("░" * (width - filled), style="dim")
    text.append(f" {p:6.1%}")
    return text


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def top_letters(letters: object, n: int = 3) -> str:
    if not isinstance(letters, Mapping):
        return ""
    pairs = [(safe_text(str(k))[:3], p) for k, v in letters.items() if (p := _number(v)) is not None]
    top = sorted(pairs, key=lambda kv: -kv[1])[:n]
    return " ".join(f"{k} {v:.0%}" for k, v in top if v >= 0.005)


def letters_reading(turn: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A turn's stored letter-pressure reading, when it has a well-formed one."""
    lens = turn.get("lens")
    reading = lens.get("letters") if isinstance(lens, Mapping) else None
    if not isinstance(reading, Mapping) or not isinstance(reading.get("lines"), list):
        return None
    return reading


def cross_readings(turn: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The turn's reply scored under the models it was compared with (well-formed ones)."""
    lens = turn.get("lens")
    cross = lens.get("cross") if isinstance(lens, Mapping) else None
    if not isinstance(cross, list):
        return []
    return [r for r in cross if isinstance(r, Mapping) and isinstance(r.get("lines"), list)]


def lens_readings(turn: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every stored letter-pressure reading of a turn: its own, then the cross-scored ones."""
    own = letters_reading(turn)
    return ([own] if own is not None else []) + cross_readings(turn)


def letters_title(reading: Mapping[str, Any]) -> str:
    mean = _number(reading.get("mean_p_expected"))
    return safe_text(f"{reading.get('model')}: P(line starts with the {reading.get('target')} letter)"
                     + (f", mean {mean:.1%}" if mean is not None else "")
                     + {"on-policy": " — as sampled",
                        "scored": " — the reply scored afterwards"}.get(str(reading.get("method")), ""))


def letters_rows(reading: Mapping[str, Any], reply: str | None = None) -> list[dict[str, Any]]:
    """One row per line: index, expected letter, P(expected) (None when unknown), upper, top
    letters and the line's text, all checked."""
    lines = (reply if reply is not None else str(reading.get("reply", ""))).split("\n")
    rows = []
    for line in reading.get("lines") or []:
        if not isinstance(line, Mapping):
            continue
        index = line.get("index")
        index = index if isinstance(index, int) and not isinstance(index, bool) else -1
        text = line.get("text", lines[index] if 0 <= index < len(lines) else "")
        rows.append({"line": index, "expected": safe_text(str(line.get("expected") or "–"))[:3],
                     "lower": _number(line.get("lower", line.get("p_expected"))),
                     "upper": _number(line.get("upper")), "top": top_letters(line.get("letters")),
                     "text": safe_text(str(text))[:40]})
    return rows


def letters_table(reading: Mapping[str, Any], reply: str | None = None) -> Table:
    """A letter-pressure reading (``lens letters --json``'s object, or the compact one stored on
    a turn, with the turn's ``reply``) as a table."""
    table = Table(title=letters_title(reading), title_justify="left")
    widths = {"line": 4, "expected": 8, "P(expected)": BAR + 7, "upper": 6, "top letters": 11}
    for column in COLUMNS:  # the numbers keep their width; the line's text gives way
        text = column == "text"
        table.add_column(column, no_wrap=not text, min_width=widths.get(column),
                         max_width=30 if text else None, ratio=1 if text else None)
    for row in letters_rows(reading, reply):
        upper = row["upper"]
        table.add_row(str(row["line"]), row["expected"], pressure_bar(row["lower"]),
                      "–" if upper is None else f"{upper:.1%}", row["top"], Text(row["text"]))
    return table


# -- the TUI's gutter: one cell per line, "H ▇ 98% " -----------------------------------------
BLOCKS = " ▁▂▃▄▅▆▇█"
GUTTER_WIDTH = 9


def gutter_cell(expected: str | None, letters: Mapping[str, Any]) -> Text:
    """A line's pressure in GUTTER_WIDTH cells: the expected letter, a one-cell bar and its
    probability; without an expected letter, the most likely letter, dimmed."""
    values = {safe_text(str(k))[:1]: p for k, v in letters.items() if (p := _number(v)) is not None}
    letter = safe_text(str(expected))[:1] if expected else None
    p = values.get(letter, 0.0) if letter else None
    if letter is None and values:
        letter, p = max(values.items(), key=lambda kv: kv[1])
    if letter is None or p is None:
        return Text(" " * GUTTER_WIDTH)
    p = max(0.0, min(p, 1.0))
    style = ("green" if p >= 0.5 else "yellow" if p >= 0.1 else "red") if expected else "dim"
    cell = Text(f"{letter} ", style="bold" if expected else "dim")
    cell.append(BLOCKS[round(p * (len(BLOCKS) - 1))], style=style)
    cell.append(f"{p:4.0%}".rjust(5) + " ", style=style)
    return cell


def stored_gutter(reading: Mapping[str, Any]) -> dict[int, Text]:
    """Gutter cells from a stored reading (a finished turn's ``lens.letters``)."""
    cells: dict[int, Text] = {}
    for line in reading.get("lines") or []:
        if isinstance(line, Mapping) and isinstance(line.get("index"), int) \
                and isinstance(line.get("letters"), Mapping):
            expected = line.get("expected")
            cells[line["index"]] = gutter_cell(expected if isinstance(expected, str) else None,
                                               line["letters"])
    return cells


def pressure_details(reading: Mapping[str, Any], reply: str) -> list[tuple[str, str]]:
    """Rows for the TUI's details: per counted line, P(expected) and the top letters."""
    rows = [("reading", letters_title(reading))]
    for row in letters_rows(reading, reply):
        p = "–" if row["lower"] is None else f"{row['lower']:.1%}"
        rows.append((f"line {row['line']} ({row['expected']})", f"{p} · {row['top']} · {row['text']}"))
    return rows
