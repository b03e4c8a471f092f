"""Replay mode: a saved session turn by turn (n / p), or played with a delay; each turn's
annotations are recomputed with today's annotators and differences from the stored ones shown;
the exact context is one key away; `a` re-runs the whole session against another model."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from sashell.core.errors import SashellError
from sashell.core.replay import flag_names, reannotate
from sashell.core.rerun import rerun_session
from sashell.core.session import LoadedSession, load_session
from sashell.present.lens import letters_reading, stored_gutter
from sashell.present.render import badges, reply_text, safe_text, summary_line, turn_label
from sashell.tui.chrome import KeysFooter
from sashell.tui.screens import ModelPicker, TextViewer, context_view


class ReplayScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,right,j", "step(1)", "next"),
        Binding("p,left,k", "step(-1)", "previous"),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
        Binding("space", "play", "play/pause"),
        Binding("c", "context", "context"),
        Binding("a", "rerun", "re-run against…"),
        Binding("escape,q", "close", "back"),
    ]
    CSS = """
    ReplayScreen #replay-head { background: $boost; padding: 0 1; height: auto; }
    ReplayScreen #replay-body { height: 1fr; padding: 0 1; }
    """

    def __init__(self, loaded: LoadedSession, delay: float = 1.5, start: int = 0,
                 exit_on_close: bool = False) -> None:
        super().__init__()
        self.loaded = loaded
        self.exit_on_close = exit_on_close
        self._source: dict[int, dict[str, Any]] | None = None  # a re-run's source turns
        self.delay = delay
        self.index = min(max(start, 0), max(len(loaded.turns) - 1, 0))
        self.playing = False
        self.fresh: list[dict[str, Any]] = []
        self.differences: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="replay-head")
        with VerticalScroll(id="replay-body"):
            yield Static("", id="replay-turn")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show_turn()

    @property
    def turn(self) -> dict[str, Any]:
        return self.loaded.turns[self.index]

    def show_turn(self) -> None:
        turns = self.loaded.turns
        head = Text(f"replay · {safe_text(self.loaded.name)} · ", style="bold")
        if not turns:
            head.append("no readable turns")
            self.query_one("#replay-head", Static).update(head)
            return
        turn = self.turn
        self.fresh, self.differences = reannotate(turn)  # only the turn on screen: opens fast
        label = turn_label(turn)
        head.append(f"turn {self.index + 1}/{len(turns)} (#{turn.get('turn')}) · ")
        head.append(safe_text(str(label)))
        head.append(f" · {turn.get('status')}", style="" if turn.get("status") == "complete"
                    else "bold red")
        if self.playing:
            head.append("  ▶ playing", style="green")
        if self.loaded.problems:
            head.append(f"\n⚠ {safe_text(self.loaded.problem_summary())}", style="yellow")
        self.query_one("#replay-head", Static).update(head)
        reading = letters_reading(turn)
        gutter = stored_gutter(reading) if reading is not None else None
        parts: list[Any] = [Text(f"› {safe_text(str(turn.get('probe', '')))}", style="bold"),
                            Text(""), reply_text(str(turn.get("reply", "")), self.fresh,
                                                 gutter=gutter),
                            Text(""), badges(self.fresh), summary_line(turn)]
        if turn.get("error"):
            parts.append(Text(f"error: {safe_text(str(turn['error']))}", style="red"))
        original = self.source_turn(turn)
        if original is not None:
            before = ", ".join(flag_names(original.get("annotations") or [])) or "–"
            after = ", ".join(flag_names(self.fresh)) or "–"
            parts.append(Text(f"re-run of source turn #{original.get('turn')}: {before} → {after}",
                              style="bold yellow" if before != after else "dim"))
        if self.differences:
            parts.append(Text("recomputed with today's annotators; changed since recorded:",
                              style="yellow"))
            parts += [Text(f"  {safe_text(d)}", style="yellow") for d in self.differences]
        else:
            parts.append(Text("recomputed annotations match the stored ones", style="dim"))
        self.query_one("#replay-turn", Static).update(Group(*parts))
        self.query_one("#replay-body", VerticalScroll).scroll_home(animate=False)

    def action_step(self, delta: int) -> None:
        if self.loaded.turns:
            self.index = min(max(self.index + delta, 0), len(self.loaded.turns) - 1)
            self.show_turn()

    def action_jump(self, index: int) -> None:
        if self.loaded.turns:
            self.index = index % len(self.loaded.turns)
            self.show_turn()

    def action_play(self) -> None:
        self.playing = not self.playing
        if self.playing:
            self.run_worker(self._play(), group="play", exclusive=True)
        else:
            self.workers.cancel_group(self, "play")
        self.show_turn()

    async def _play(self) -> None:
        while self.playing and self.index < len(self.loaded.turns) - 1:
            await asyncio.sleep(self.delay)
            self.action_step(1)
        self.playing = False
        self.show_turn()

    def action_context(self) -> None:
        if self.loaded.turns:
            turn = self.turn
            self.app.push_screen(TextViewer(
                f"turn #{turn.get('turn')}: the exact messages sent "
                f"(context '{(turn.get('context') or {}).get('name')}', tier {turn.get('tier')})",
                context_view(turn.get("messages") or [])))

    def action_rerun(self) -> None:
        shell = getattr(self.app, "shell", None)
        if shell is None:
            return

        def chosen(name: str | None) -> None:
            if name:
                self.run_worker(self._rerun(name), group="rerun", exclusive=True)
        self.app.push_screen(ModelPicker(shell.registry, shell.model_name), chosen)

    async def _rerun(self, model_name: str) -> None:
        shell = getattr(self.app, "shell")  # noqa: B009
        self.notify(f"re-running {len(self.loaded.turns)} turns against {model_name}…",
                    markup=False)
        try:
            result = await rerun_session(self.loaded, shell.registry.get(model_name), None,
                                         shell.sessions_dir, shell.targets)
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        totals = result.totals()
        self.notify(f"re-run saved to {result.session}: {totals['changed']} of "
                    f"{totals['rerun']} turns changed flags", markup=False, timeout=8)
        if result.session is not None:
            self.app.push_screen(ReplayScreen(load_session(result.session, lazy=True), self.delay))

    def action_close(self) -> None:
        self.playing = False
        if self.exit_on_close:
            self.app.exit()
        else:
            self.app.pop_screen()

    def source_turn(self, turn: dict[str, Any]) -> dict[str, Any] | None:
        """For a re-run session: the stored turn this one re-ran (read once, lazily)."""
        source = self.loaded.header.get("source") or {}
        if turn.get("source_turn") is None or not source.get("path"):
            return None
        if self._source is None:
            try:
                self._source = {t.get("turn"): t for t in load_session(source["path"]).turns}
            except SashellError:
                self._source = {}
        return self._source.get(turn["source_turn"])
