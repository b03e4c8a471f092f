"""Sessions in the TUI: open one (its turns laid out as they were, compare groups as grids),
browse, start a new one, rename."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.containers import VerticalScroll

from sashell.core.errors import SashellError


class SessionActions:
    """SashellApp's session actions (a mixin: ``self`` is the app)."""

    shell: Any
    collapse: bool

    def action_sessions(self) -> None:
        from sashell.tui.screens import SessionsBrowser

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.open_session(path)
        self.push_screen(SessionsBrowser(self.shell.list_sessions()), chosen)

    def action_new_session(self) -> None:
        self.shell.new_session()
        self.query_one("#transcript", VerticalScroll).remove_children()
        self.follow_output()
        self.notify("new session: it starts with the next probe")
        self.refresh_status()

    def action_rename_session(self) -> None:
        from sashell.tui.screens import Prompt

        def chosen(name: str | None) -> None:
            if name:
                try:
                    path = self.shell.rename_session(name)
                except SashellError as exc:
                    self.notify(str(exc), severity="error", markup=False)
                    return
                self.notify(f"session renamed to {path.name}", markup=False)
                self.refresh_status()
        current = self.shell.writer.path.stem if self.shell.writer else ""
        self.push_screen(Prompt("Rename the session", current), chosen)

    def open_session(self, path: Path) -> None:
        from sashell.core.session import SHARED_SESSION_NOTE
        from sashell.present.render import safe_text, turn_label
        from sashell.tui.widgets import CompareGrid, TurnView

        try:
            loaded = self.shell.open_session(path)
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if self.shell.writer is not None and self.shell.writer.others_writing:
            self.notify(SHARED_SESSION_NOTE, severity="warning", markup=False)
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.remove_children()
        transcript.anchor(False)  # a session opened is read from its start; a new probe follows
        self._want_follow, self._seen_bottom = False, float("inf")  # and nothing is "new" in it
        blocks: list[Any] = []
        pending: list[tuple[TurnView, dict[str, Any]]] = []
        groups: dict[str, CompareGrid] = {}
        for turn in loaded.turns:
            label = turn_label(turn)
            view = TurnView(f"#{turn.get('turn')} {label}", str(turn.get("probe", "")),
                            self.collapse)
            pending.append((view, turn))
            group = turn.get("group")
            if group and group in groups:
                groups[group].views.append(view)
            elif group:
                groups[group] = CompareGrid([view])
                blocks.append(groups[group])
            else:
                blocks.append(view)
        transcript.mount(*blocks)
        for view, turn in pending:
            view.call_after_refresh(view.finish, turn)
        for grid in groups.values():
            grid.call_after_refresh(grid.update_summary)
        self.notify(f"opened {safe_text(path.name)}: {len(loaded.turns)} turns", markup=False)
        self.refresh_status()
