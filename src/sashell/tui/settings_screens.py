"""The condition a probe is sent under: the context picker (Ctrl+T) and the sampling settings
(Ctrl+S)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from sashell.core.contexts import DEFAULT_TIERED_CONTEXT, load_context
from sashell.core.errors import SashellError
from sashell.core.paths import list_prompt_names
from sashell.core.providers.base import SamplingParams
from sashell.present.render import safe_text
from sashell.tui.screens import Prompt, _Modal

BY_TIER, FROM_FILE = "\x00by-tier", "\x00file"  # option ids no context file can have


@dataclass(frozen=True)
class ContextChoice:
    name: str | None  # None: by tier ('none' for tier none, alignment-faking for free/paid)
    system_file: str | None = None


class ContextPicker(_Modal):
    """Every context in prompts/contexts/ (the shipped ones and ./prompts overrides), 'by tier',
    or a system prompt from a file; returns a ContextChoice."""

    def __init__(self, current: str | None, system_file: str | None) -> None:
        super().__init__()
        self.current, self.system_file = current, system_file

    def compose(self) -> ComposeResult:
        options = [Option(Text.assemble(("by tier", "bold"), (
            f"  'none' for tier none, '{DEFAULT_TIERED_CONTEXT}' for free and paid", "dim")),
            id=BY_TIER)]
        for name in list_prompt_names("contexts"):
            label = Text(safe_text(name), style="bold")
            try:
                context = load_context(name)
                label.append(f"  {safe_text(context.description)}", style="dim")
                if context.scratchpad:
                    label.append("  scratchpad", style="magenta")
            except SashellError as exc:
                label.append(f"  unreadable: {safe_text(str(exc))}", style="red")
            options.append(Option(label, id=name))
        options.append(Option(Text.assemble(("system prompt from a file…", "bold"), (
            "  keeps the chosen context's user turn (tier tag)", "dim")), id=FROM_FILE))
        with Vertical():
            yield Static("Context (Enter to choose, Esc to keep the current one)",
                         classes="title")
            yield OptionList(*options, id="contexts")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        current = FROM_FILE if self.system_file else (self.current or BY_TIER)
        for index in range(option_list.option_count):
            if option_list.get_option_at_index(index).id == current:
                option_list.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        if chosen == BY_TIER:
            self.dismiss(ContextChoice(None))
        elif chosen == FROM_FILE:
            def path_given(path: str | None) -> None:
                if path:
                    self.dismiss(ContextChoice(self.current, path))
            self.app.push_screen(Prompt("System prompt file (its text replaces the context's "
                                        "system prompt)", self.system_file or ""), path_given)
        elif chosen is not None:
            self.dismiss(ContextChoice(chosen))


SETTINGS = (("temperature", "temperature"), ("top_p", "top-p"), ("max_tokens", "max tokens"),
            ("seed", "seed (empty: unseeded)"))


class SettingsDialog(_Modal):
    """Temperature, top-p, max tokens and seed for the next probes; returns SamplingParams.
    Enter in any field applies all of them; a bad value is named and nothing changes."""

    DEFAULT_CSS = """
    SettingsDialog Label { margin-top: 1; }
    SettingsDialog #settings-error { color: $error; height: auto; }
    """

    def __init__(self, params: SamplingParams) -> None:
        super().__init__()
        self.params = params

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Sampling (Enter applies, Esc keeps the current values)",
                         classes="title")
            for key, label in SETTINGS:
                value = getattr(self.params, key)
                yield Label(label)
                yield Input("" if value is None else str(value), id=f"set-{key}")
            yield Static("", id="settings-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        params = self.params
        try:
            for key, _label in SETTINGS:
                params = params.with_text(key, self.query_one(f"#set-{key}", Input).value)
        except SashellError as exc:
            self.query_one("#settings-error", Static).update(Text(safe_text(str(exc))))
            return
        self.dismiss(params)
