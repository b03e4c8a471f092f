"""Modal screens: model picker, probe library, context viewer, badge details, sessions, prompts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from sashell.core.annotate import registry
from sashell.core.errors import SashellError
from sashell.core.probes import fuzzy_score, probe_library
from sashell.core.registry import Registry
from sashell.core.session import load_session
from sashell.present.render import safe_text


class _Modal(ModalScreen[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "close")]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        if event.widget is self:  # the dimmed background around the dialog
            self.dismiss(None)


class ModelPicker(_Modal):
    """Models grouped base → fine-tunes, with availability; returns the chosen name."""

    def __init__(self, registry: Registry, current: str) -> None:
        super().__init__()
        self.registry, self.current = registry, current

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        specs = sorted(self.registry.models.values(), key=lambda m: m.name)
        for base in (m for m in specs if m.base is None or m.base not in self.registry.models):
            for spec in [base, *sorted(self.registry.fine_tunes_of(base.name), key=lambda m: m.name)]:
                available = self.registry.availability(spec)
                label = Text()
                label.append("  └ " if spec.base else "", style="dim")
                label.append(safe_text(spec.name), style="bold" if spec.name == self.current else "")
                label.append(f"  {spec.provider}/{spec.endpoint}", style="dim")
                label.append("  fine-tune" if spec.base else "  base", style="magenta")
                if not available.available:
                    label.append(f"  unavailable: {safe_text(available.reason)}", style="red")
                options.append(Option(label, id=spec.name, disabled=not available.available))
        with Vertical():
            yield Static("Pick a model (Enter), Esc to close", classes="title")
            yield OptionList(*options, id="models")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        for index in range(option_list.option_count):
            if option_list.get_option_at_index(index).id == self.current:
                option_list.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ProbeLibrary(_Modal):
    """Fuzzy search over prompts/probes/; returns (probe text, the acrostic targets its set
    names)."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[str, str, tuple[str, ...]]] = []
        self.error: str | None = None
        try:
            for probe_set in probe_library():
                self.entries.extend((probe_set.name, item.text, probe_set.targets_for(item))
                                    for item in probe_set.items)
        except SashellError as exc:
            self.error = str(exc)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Probe library (type to filter, Enter to use)", classes="title")
            yield Input(placeholder="filter…", id="filter")
            yield OptionList(id="probes")
            if self.error:
                yield Static(Text(self.error, style="red"))

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        scored = []
        for index, (set_name, text, _) in enumerate(self.entries):
            score = fuzzy_score(query, f"{set_name} {text}")
            if score is not None:
                scored.append((-score, index))
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        for _, index in sorted(scored)[:200]:
            set_name, text, _ = self.entries[index]
            label = Text()
            label.append(f"{set_name}: ", style="dim")
            label.append(safe_text(text))
            option_list.add_option(Option(label, id=str(index)))
        if option_list.option_count:
            option_list.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            option = option_list.get_option_at_index(option_list.highlighted)
            self.dismiss(self.entries[int(option.id or 0)][1:])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.entries[int(event.option.id or 0)][1:])

    def key_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()


class TextViewer(_Modal):
    """Read-only text: the exact context sent, a badge's details, help. Esc, q or F1 closes it
    (there is nothing to type into)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "dismiss_none", "close", priority=True)]

    def __init__(self, title: str, body: Any, hint: str = "Esc, q or F1 to close") -> None:
        super().__init__()
        self.title_text, self.body, self.hint = title, body, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            with VerticalScroll():
                yield Static(self.body, classes="viewer-body")
            yield Static(self.hint, classes="hint")


def context_view(messages: list[dict[str, str]]) -> Text:
    text = Text()
    for message in messages:
        text.append(f"── {message['role']} ──\n", style="bold cyan")
        text.append(safe_text(message["content"]) + "\n\n")
    return text


def badge_details(annotation: dict[str, Any]) -> Text:
    """A badge's record for a reader: what the badge means, then its annotator's rows."""
    owner = registry().owner(annotation)
    text = Text()
    if owner.title:
        text.append(safe_text(owner.title) + "\n\n", style="italic")
    rows = owner.explain(annotation)
    width = max((len(heading) for heading, _ in rows), default=0)
    for heading, body in rows:
        text.append(f"{safe_text(heading):>{width}}  ", style="bold")
        text.append(safe_text(body) + "\n")
    return text


def badge_json(annotation: dict[str, Any]) -> Syntax:
    return Syntax(safe_text(json.dumps(annotation, indent=2, ensure_ascii=False)), "json",
                  word_wrap=True, theme="ansi_dark")


class BadgeDetails(TextViewer):
    """A badge's details, readable; j shows the raw record (and back)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("j", "toggle_json", "raw record")]

    def __init__(self, annotation: dict[str, Any]) -> None:
        kind = str(annotation.get("kind", "annotation")).replace("_", " ")
        super().__init__(f"{kind} details", badge_details(annotation),
                         hint="j: the raw record · Esc, q or F1 to close")
        self.annotation = annotation
        self.raw = False

    def action_toggle_json(self) -> None:
        self.raw = not self.raw
        self.query_one(".viewer-body", Static).update(
            badge_json(self.annotation) if self.raw else badge_details(self.annotation))


class SessionsBrowser(_Modal):
    """Past sessions, newest first; returns the chosen path."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self.paths = paths

    def compose(self) -> ComposeResult:
        options = []
        for index, path in enumerate(self.paths):
            label = Text(safe_text(path.name), style="bold")
            try:
                loaded = load_session(path, summary_only=True)
                label.append(f"  {len(loaded.turns)} turns", style="dim")
                models = sorted({str((t.get('model') or {}).get('name')) for t in loaded.turns})
                label.append(f"  {', '.join(models)}", style="dim")
                if loaded.problems:
                    label.append(f"  ⚠ {safe_text(loaded.problems[0])}", style="yellow")
            except SashellError as exc:
                label.append(f"  unreadable: {safe_text(str(exc))}", style="red")
            options.append(Option(label, id=str(index)))
        with Vertical():
            yield Static("Sessions (Enter to open)", classes="title")
            yield OptionList(*options) if options else Static("no sessions yet", classes="hint")

    def on_mount(self) -> None:
        for option_list in self.query(OptionList):
            option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.paths[int(event.option.id or 0)])


class Prompt(_Modal):
    """Ask for one value (a session name, a sample count)."""

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="title")
            yield Input(value=self.value)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)
