"""Sending probes from the TUI: one pane per condition streaming at once, N samples into a
sample view, and the demo's steps."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from sashell.core.errors import SashellError
from sashell.tui.chrome import ProbeInput

if TYPE_CHECKING:
    from sashell.core.shell import Condition
    from sashell.core.turn import TurnResult
    from sashell.tui.widgets import CompareGrid, SampleView, TurnView


class ProbeRuns:
    """SashellApp's probe sending (a mixin: ``self`` is the app)."""

    shell: Any
    streaming: int

    def on_probe_input_submitted(self, message: ProbeInput.Submitted) -> None:
        if self.shell is None:
            self.query_one(ProbeInput).text = message.text
            self.notify("still loading the models: press Enter again in a moment")
            return
        self.send(message.text)

    def send(self, probe: str, samples: int = 1) -> None:
        from sashell.tui.widgets import SampleView

        try:
            conditions = self.shell.conditions(self.compare)
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.follow_output()  # sending a probe means wanting to see what it brings
        if samples > 1:
            view = SampleView(probe, [c.label for c in conditions], samples)
            self.query_one("#transcript", VerticalScroll).mount(view)
            self.run_worker(self._sample(view, probe, conditions, samples), group="probe")
        else:
            self.run_worker(self.run_conditions(probe, conditions), group="probe")

    async def run_conditions(self, probe: str, conditions: list[Condition]) -> list[Any]:
        """Send one probe to each condition at once (one pane each) and wait for every reply."""
        from sashell.tui.widgets import CompareGrid, TurnView

        compare = len(conditions) > 1
        try:
            plans = [self.shell.plan(probe, c, follow=None if not compare else False,
                                     partner=self.shell.partner(c, conditions) if compare else None)
                     for c in conditions]
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return []
        group = uuid.uuid4().hex[:12]
        for plan, condition in zip(plans, conditions, strict=True):
            plan.group = group if compare else None
            plan.condition = condition.label if compare else plan.condition
        views = [TurnView(c.label, probe, self.collapse) for c in conditions]
        grid = CompareGrid(views) if compare else None
        transcript = self.query_one("#transcript", VerticalScroll)
        await transcript.mount(grid if grid is not None else views[0])
        results = await asyncio.gather(*(self._stream(view, plan, grid, remember=not compare)
                                         for view, plan in zip(views, plans, strict=True)))
        return results

    async def _stream(self, view: TurnView, plan: Any, grid: CompareGrid | None,
                      remember: bool) -> TurnResult | None:
        self.streaming += 1
        self.refresh_status()
        try:
            result = await self.shell.run(plan, view.show_turn_event, remember=remember)
        except asyncio.CancelledError:
            view.fail("cancelled (saved as cancelled)")
            raise
        except SashellError as exc:
            view.fail(str(exc))
            self.notify(str(exc), severity="error", markup=False)
            return None
        finally:
            self.streaming -= 1
            self.refresh_status()
        view.finish(result.record)
        from sashell.present.lens import cross_readings  # not on the first paint's import path

        scored = {str(r.get("model")) for r in cross_readings(result.record)}
        for other in plan.lens_cross:
            if other.name not in scored and result.status == "complete":
                self.notify(f"the lens could not score this reply under {other.name}",
                            severity="warning", markup=False)
        if result.error:
            self.notify(result.error, severity="error", markup=False)
        if result.record["timing"].get("tokens_per_s"):
            self.tokens_per_s = result.record["timing"]["tokens_per_s"]
        if grid is not None:
            grid.update_summary()
        self.refresh_status()
        self.query_one("#transcript", VerticalScroll).scroll_end(animate=False)
        return result

    async def _sample(self, view: SampleView, probe: str, conditions: list[Condition],
                      samples: int) -> None:
        self.streaming += 1
        self.refresh_status()
        try:
            group = f"sample-{uuid.uuid4().hex[:8]}"
            for index in range(samples):
                for condition in conditions:
                    plan = self.shell.plan(probe, condition, sample=index, follow=False)
                    plan.group = group
                    result = await self.shell.run(plan, remember=False)
                    view.add(condition.label, result.record)
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
        finally:
            self.streaming -= 1
            self.refresh_status()

    async def _run_demo(self) -> None:
        from sashell.core.demo import DEMO_STEPS, DemoTally
        from sashell.core.shell import Condition

        tally = DemoTally()
        transcript = self.query_one("#transcript", VerticalScroll)
        for step in DEMO_STEPS:
            self.shell.context_name = step.context
            self.compare = "demo" if len(step.models) * len(step.tiers) > 1 else None  # type: ignore[assignment]
            self.refresh_status()
            await transcript.mount(Static(Text.assemble((step.title, "bold"), "\n",
                                                        (step.explain, "italic"))))
            for probe in step.probes:
                conditions = [Condition(self.shell.registry.get(m), t)
                              for m in step.models for t in step.tiers]
                for condition, result in zip(conditions, await self.run_conditions(probe, conditions),
                                             strict=True):
                    if result is not None:
                        tally.add(condition.label, result.record)
        self.compare = None
        self.refresh_status()
        summary = Text("What the annotations showed\n", style="bold")
        summary.append("\n".join(tally.lines()))
        await transcript.mount(Static(summary, id="demo-summary"))
        transcript.scroll_end(animate=False)
        self.notify("demo finished: the summary is at the end of the transcript")
