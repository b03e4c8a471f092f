"""Sweeps: every probe × model × tier × sample, run concurrently, summarised with intervals."""

from sashell.core.sweep.runner import MANIFEST, Sweep, SweepProgress
from sashell.core.sweep.spec import Cell, SweepSpec
from sashell.core.sweep.summary import CellOutcome, summarise

__all__ = ["MANIFEST", "Cell", "CellOutcome", "Sweep", "SweepProgress", "SweepSpec", "summarise"]
