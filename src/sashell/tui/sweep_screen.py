"""The TUI's sweep: choose a probe set, run it over the current conditions, watch progress and
the rates (table and bar charts) fill in; Esc stops it (`sashell sweep --resume DIR` finishes)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from sashell.core.probes import probe_library
from sashell.core.session import slugify
from sashell.core.shell import Condition, ProbeShell
from sashell.core.sweep import Sweep, SweepProgress, SweepSpec, summarise
from sashell.core.sweep.outputs import write_outputs
from sashell.core.sweep.summary import CellOutcome
from sashell.present.render import safe_text
from sashell.present.sweep import bar_chart, shown_metrics, summary_renderable
from sashell.tui.chrome import KeysFooter
from sashell.tui.screens import _Modal

REDRAW_S = 0.5


class ProbeSetPicker(_Modal):
    """Probe sets from prompts/probes/; returns the chosen set's name."""

    def compose(self) -> ComposeResult:
        options = []
        for probe_set in probe_library():
            label = Text(safe_text(probe_set.name), style="bold")
            label.append(f"  {len(probe_set.items)} probes  ", style="dim")
            label.append(safe_text(probe_set.description[:70]), style="dim")
            options.append(Option(label, id=probe_set.name))
        with Vertical():
            yield Static("Sweep which probe set? (Enter)", classes="title")
            yield OptionList(*options)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


def sweep_for(shell: ProbeShell, conditions: list[Condition], probe_set_name: str,
              samples: int) -> Sweep:
    """A sweep over the shell's current conditions, context and sampling parameters."""
    probe_set = next(s for s in probe_library() if s.name == probe_set_name)
    models = tuple(dict.fromkeys(c.model.name for c in conditions))
    tiers = tuple(dict.fromkeys(c.tier for c in conditions))
    spec = SweepSpec(probe_set=probe_set, models=models, tiers=tiers, samples=samples,
                     params=shell.params, context=shell.context_name,
                     no_scratchpad=shell.no_scratchpad, accept_reject=shell.accept_reject,
                     lens=shell.lens,
                     # the lens on: self-reports on a scale are read as expected scores
                     logprobs=shell.lens and any(p.scale for p in probe_set.items))
    out = Path("sweeps") / f"{datetime.now():%Y%m%d-%H%M%S}-{slugify(probe_set.name)}"
    return Sweep.create(spec, out, shell.registry, shell.sessions_dir)


class SweepScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "stop / back", priority=True),
    ]
    CSS = """
    SweepScreen #title { text-style: bold; padding: 0 1; height: auto; }
    SweepScreen #state { color: $text-muted; padding: 0 1; height: auto; }
    SweepScreen ProgressBar { padding: 0 1; height: 1; }
    SweepScreen #results-scroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, sweep: Sweep) -> None:
        super().__init__()
        self.sweep = sweep
        self.outcomes: dict[str, CellOutcome] = {}
        self.finished = False
        self.summary: dict[str, Any] | None = None
        self._drawn = 0.0

    def compose(self) -> ComposeResult:
        spec = self.sweep.spec
        yield Static(Text(safe_text(
            f"sweep '{spec.probe_set.name}': {len(spec.probe_set.items)} probes × "
            f"{', '.join(spec.models)} × {', '.join(spec.tiers)} × {spec.samples} samples "
            f"→ {self.sweep.out_dir}")), id="title")
        yield ProgressBar(total=len(spec.cells()) + len(spec.score_readings()), show_eta=True,
                          id="bar")
        yield Static("starting…", id="state")
        with VerticalScroll(id="results-scroll"):
            yield Static("", id="results")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.run_worker(self._run(), group="sweep", exclusive=True)

    async def _run(self) -> None:
        try:
            outcomes = await self.sweep.run(self._progress)
        except asyncio.CancelledError:
            self.query_one("#state", Static).update(Text(
                f"stopped. `sashell sweep --resume {self.sweep.out_dir}` finishes it "
                "(finished cells are kept). Esc to go back.", style="yellow"))
            self.finished = True
            raise
        summary = summarise(self.sweep.spec, outcomes, self.sweep.expected_scores())
        written = await asyncio.to_thread(write_outputs, self.sweep.out_dir, summary, outcomes,
                                          True, self.sweep.spec.title())
        self.finished = True
        self._draw(summary)
        self.query_one("#state", Static).update(Text(
            f"done: {summary['complete']}/{summary['cells']} cells, {summary['failed']} failed. "
            f"Wrote {', '.join(p.name for p in written)} to {self.sweep.out_dir}. Esc to go back.",
            style="green" if not summary["failed"] else "yellow"))

    def _progress(self, progress: SweepProgress, outcome: CellOutcome | None) -> None:
        if outcome is not None:
            self.outcomes[outcome.cell.key] = outcome
        self.query_one(ProgressBar).update(progress=progress.finished)
        notes = progress.notes()
        self.query_one("#state", Static).update(
            f"{progress.finished}/{progress.total} "
            + ("cells and readings" if self.sweep.spec.logprobs else "cells")
            + (f", {notes}" if notes else ""))
        now = time.monotonic()
        if now - self._drawn >= REDRAW_S:  # live rates, redrawn at most twice a second
            self._drawn = now
            self._draw(summarise(self.sweep.spec, list(self.outcomes.values()),
                                 self.sweep.expected_scores()))

    def _draw(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        charts = [bar_chart(summary, metric) for metric in shown_metrics(summary)]
        self.query_one("#results", Static).update(Group(summary_renderable(summary), *charts))

    def action_close(self) -> None:
        if not self.finished:
            self.workers.cancel_group(self, "sweep")
            return
        self.app.pop_screen()
