"""What the TUI paints first: the status line and the probe editor. Light to import (the
models, annotators and sessions load after the first paint); the core is imported when a
status line is drawn for a loaded shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message
from textual.widgets import Footer, Static, TextArea

if TYPE_CHECKING:
    from textual.screen import Screen

    from sashell.core.providers.base import SamplingParams
    from sashell.core.shell import ProbeShell

# App-level (unscoped) CSS for every modal: a centred, bordered box.
MODAL_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical { width: 90%; height: 80%; border: thick $accent; background: $surface;
                         padding: 0 1; }
ModalScreen .title { text-style: bold; height: auto; }
ModalScreen .hint { color: $text-muted; height: 1; }
Prompt > Vertical { height: 8; width: 64; }
SettingsDialog > Vertical { height: auto; width: 64; }
ContextPicker > Vertical { height: auto; max-height: 80%; }
ContextPicker OptionList { height: auto; max-height: 30; }
"""

TIER_STYLE = {"none": "bold white on grey37", "free": "bold black on green3",
              "paid": "bold white on dark_orange3"}


def sampling_changes(params: SamplingParams) -> str:
    """The sampling settings that differ from the shell's defaults, briefly."""
    from sashell.core.shell import DEFAULT_PARAMS

    names = {"temperature": "T", "top_p": "top-p", "max_tokens": "max", "seed": "seed"}
    return " ".join(f"{short} {getattr(params, key)}" for key, short in names.items()
                    if getattr(params, key) != getattr(DEFAULT_PARAMS, key))


class KeysFooter(Footer):
    """Textual's footer, rebuilt once per burst of binding changes. The stock footer queues a
    full rebuild (~30 ms here) for every change, and mounting the main screen makes five
    (focus, the keys dimmed while the shell loads), so its keys were painted ~150 ms after
    the rest of the first screen."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:  # the queued rebuild reads the bindings when it runs
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()


class StatusBar(Static):
    DEFAULT_CSS = "StatusBar { height: 1; background: $panel; padding: 0 1; }"

    def loading(self) -> None:
        self.update(Text(" loading models, annotators and sessions…", style="dim"), layout=False)

    def show(self, shell: ProbeShell, compare: str | None, tokens_per_s: float | None,
             streaming: int) -> None:
        from sashell.present.render import safe_text

        spec = shell.model
        kind = f"fine-tune of {spec.base}" if spec.base else "base"
        line = Text()
        line.append(f" {safe_text(spec.name)} ", style="bold white on blue")
        line.append(f" {kind} · {spec.provider} ", style="white on grey23")
        line.append(" ")
        line.append(f" {shell.tier.upper()} ", style=TIER_STYLE[shell.tier])
        context = shell.context_for(shell.tier).name
        line.append(f"  ctx {safe_text(context)}")
        line.append(f"  {'follow-up' if shell.follow_up else 'fresh'}")
        if shell.accept_reject:
            line.append("  accept/reject", style="bold")
        if shell.lens:
            line.append("  lens", style="bold green")
        changed = sampling_changes(shell.params)
        if changed:
            line.append(f"  {changed}", style="bold cyan")
        if compare:
            line.append(f"  compare:{compare}", style="bold magenta")
        session = shell.writer.path.name if shell.writer else "(new session)"
        line.append(f"  {safe_text(session)}", style="dim")
        if tokens_per_s:
            line.append(f"  {tokens_per_s:.1f} tok/s", style="cyan")
        if streaming:
            line.append(f"  streaming {streaming}", style="bold yellow")
        self.update(line, layout=False)  # one fixed line: a repaint, never a new layout


class ProbeInput(TextArea):
    """Multi-line probe editor: Enter sends, Ctrl+J inserts a newline, Up/Down walk the history."""

    DEFAULT_CSS = "ProbeInput { height: 4; border: round $accent; }"

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(show_line_numbers=False, soft_wrap=True, tab_behavior="focus", **kwargs)
        self.probe_history: list[str] = []
        self._history_index: int | None = None

    async def _on_key(self, event: Any) -> None:
        key = event.key
        if key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text.strip()
            if text:
                if not self.probe_history or self.probe_history[-1] != text:
                    self.probe_history.append(text)
                self._history_index = None
                self.text = ""
                self.post_message(self.Submitted(text))
            return
        if key in ("ctrl+j", "shift+enter", "alt+enter"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if key == "up" and self.cursor_location[0] == 0 and self.probe_history:
            event.stop()
            event.prevent_default()
            index = len(self.probe_history) if self._history_index is None else self._history_index
            self._history_index = max(0, index - 1)
            self.text = self.probe_history[self._history_index]
            return
        if key == "down" and self._history_index is not None and \
                self.cursor_location[0] == self.document.line_count - 1:
            event.stop()
            event.prevent_default()
            self._history_index += 1
            if self._history_index >= len(self.probe_history):
                self._history_index, self.text = None, ""
            else:
                self.text = self.probe_history[self._history_index]
            return
        await super()._on_key(event)
