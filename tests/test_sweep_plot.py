"""The sweep plot draws names from outside (registry, probe sets) as text."""

from __future__ import annotations

import json
from pathlib import Path

from sashell.core.sweep.outputs import plot_rates

GOLDEN = Path(__file__).parent / "golden" / "differential" / "sweep-summary.json"


def test_dollar_signs_in_names_and_titles_are_text_not_mathtext(tmp_path: Path) -> None:
    summary = json.loads(GOLDEN.read_text())
    assert summary["conditions"]
    for index, condition in enumerate(summary["conditions"]):
        # mathtext would fail on these ("\frac" without arguments, an unclosed group)
        condition["model"] = ["$\\frac{$", "m$_{x", "$\\notacommand$"][index % 3]
    path = tmp_path / "rates.png"
    assert plot_rates(summary, path, title="probe set $\\frac{1}{$ · tiers")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
