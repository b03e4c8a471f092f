"""Widgets of the main screen: status bar, probe editor, turn views, compare grid, sample counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from sashell.core.annotate import annotations_of, registry
from sashell.core.lens.events import LineLetters
from sashell.core.providers.base import PromptProgress, TextDelta
from sashell.core.turn import AnnotationUpdate, TurnEvent
from sashell.present.lens import (
    GUTTER_WIDTH,
    cross_readings,
    gutter_cell,
    letters_reading,
    stored_gutter,
)
from sashell.present.render import (
    badge_label,
    badges,
    outcome,
    prompt_progress_text,
    reply_text,
    safe_text,
    summary_line,
)

REDRAW_INTERVAL_S = 0.25
GROW_ROWS = 10


class Badge(Static, can_focus=True):
    DEFAULT_CSS = "Badge { width: auto; margin-right: 1; } Badge:focus { text-style: underline; }"

    class Selected(Message):
        def __init__(self, annotation: dict[str, Any]) -> None:
            super().__init__()
            self.annotation = annotation

    def __init__(self, kind: str) -> None:
        super().__init__("", classes=f"badge-{kind}")
        self.kind = kind
        self.annotation: dict[str, Any] = {}
        self._shown: tuple[str, str] | None = None

    def set(self, annotation: dict[str, Any]) -> None:
        """Show an annotation (a finished turn's: badges are widgets only once a reply is
        complete; while it streams, TurnView shows them as one line of text)."""
        self.annotation = annotation
        shown = badge_label(annotation)
        if shown == self._shown:
            return  # unchanged: no repaint, no relayout
        self._shown = shown
        self.display = shown is not None
        if shown:
            self.update(Text(f" {safe_text(shown[0])} ", style=shown[1]))

    @property
    def raised(self) -> bool:
        badge = registry().owner(self.annotation).badge(self.annotation) if self.annotation \
            else None
        return bool(badge and badge.raised and self.display)

    def on_click(self) -> None:
        self.post_message(self.Selected(self.annotation))

    def key_enter(self) -> None:
        self.post_message(self.Selected(self.annotation))


class TurnView(Vertical):
    """One reply: header, streamed text with live highlights, badges, status line."""

    DEFAULT_CSS = """
    TurnView { height: auto; border: round $primary-darken-2; padding: 0 1; margin-bottom: 1; }
    TurnView .turn-header { color: $text-muted; }
    TurnView .badges { height: 1; }
    TurnView .live-badges { height: 1; }
    TurnView .turn-status { color: $text-muted; }
    """

    def __init__(self, label: str, probe: str, collapse: bool = False) -> None:
        super().__init__()
        self.label, self.probe = label, probe
        self.collapse = collapse
        self.reply_parts: list[str] = []
        self.annotations: list[dict[str, Any]] = []
        self.record: dict[str, Any] | None = None
        self._dirty = False
        self._rows = -1  # wrapped height of the body at the last redraw
        self._streaming_shown = False
        self._live_labels: list[tuple[str, str] | None] = []
        self.pressure: dict[int, Text] = {}  # reply line → the lens's pressure cell
        self.cross_pressure: dict[int, Text] = {}  # the same lines scored under the compared model
        self.cross_label: str | None = None

    def compose(self) -> ComposeResult:
        header = Text()
        header.append(safe_text(self.label), style="bold")
        header.append(f"  › {safe_text(self.probe[:200])}")
        yield Static(header, classes="turn-header")
        yield Static(Text("…", style="dim"), classes="turn-body")
        yield Static(Text(""), classes="live-badges")  # while streaming: repainted, never laid out
        with Horizontal(classes="badges"):  # once finished: selectable badges
            for kind in registry().kinds:
                yield Badge(kind)
        yield Static(Text("waiting", style="dim"), classes="turn-status")

    def on_mount(self) -> None:
        # Redraw a few times a second: each repaint costs the event loop (and, on a small
        # machine, the CPU the model decodes with); tokens in between are batched.
        self._body = self.query_one(".turn-body", Static)
        self._status = self.query_one(".turn-status", Static)
        self._badges = list(self.query(Badge))
        self._live_badges = self.query_one(".live-badges", Static)
        self._badge_row = self.query_one(".badges", Horizontal)
        self._badge_row.display = False
        self._timer = self.set_interval(REDRAW_INTERVAL_S, self._redraw)

    def show_turn_event(self, event: TurnEvent) -> None:
        """run_turn's events: text and the core's annotation readings (never recomputed here).
        The final record arrives through ``finish``."""
        if isinstance(event, TextDelta):
            self.reply_parts.append(event.text)
            self._dirty = True
        elif isinstance(event, PromptProgress) and self.record is None and self.is_mounted:
            self._status.update(Text(prompt_progress_text(event), style="yellow"), layout=False)
        elif isinstance(event, AnnotationUpdate) and self.record is None:
            self.annotations = event.annotations
            self._dirty = True
        elif isinstance(event, LineLetters) and self.record is None:
            self.pressure[event.line] = gutter_cell(event.expected, event.letters)
            self._dirty = True

    @property
    def reply(self) -> str:
        return "".join(self.reply_parts)

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        body = self._body
        text = reply_text(self.reply, self.annotations, self.collapse, self._gutter())
        if self.record is not None:  # final: exact height
            body.styles.height = "auto"
            body.update(text)
        else:
            # While streaming, grow the body in steps of GROW_ROWS so the screen is laid out
            # again once every few lines rather than on every wrapped line.
            width = body.content_size.width or self.app.size.width
            rows = len(text.wrap(self.app.console, max(width, 1)))
            if rows > self._rows:
                self._rows = rows + GROW_ROWS
                body.styles.height = self._rows
            body.update(text, layout=False)
        by_kind = {a.get("kind"): a for a in self.annotations}
        if self.record is None:  # a fixed one-line widget: repainting it never moves the screen
            shown = registry().ordered(by_kind.values())
            labels = [badge_label(a) for a in shown]
            if labels != self._live_labels:  # unchanged badges: no repaint
                self._live_labels = labels
                self._live_badges.update(badges(shown), layout=False)
            if not self._streaming_shown:
                self._streaming_shown = True
                self._status.update(Text("streaming…", style="yellow"), layout=False)
            return
        self._live_badges.display = False
        self._badge_row.display = True
        for badge in self._badges:
            if badge.kind in by_kind:
                badge.set(by_kind[badge.kind])
        ranked = sorted(self._badges, key=lambda b: not b.raised)  # flags first, as everywhere
        for index, badge in enumerate(ranked):
            children = list(self._badge_row.children)
            if children[index] is not badge:
                self._badge_row.move_child(badge, before=children[index])

    def finish(self, record: dict[str, Any]) -> None:
        self.record = record
        self.reply_parts = [str(record.get("reply", ""))]
        self.annotations = list(record.get("annotations") or [])
        reading = letters_reading(record)
        if reading is not None:  # the finished reading counts lines as the annotators do
            self.pressure = stored_gutter(reading)
        cross = cross_readings(record)
        status = summary_line(record)
        if record.get("error"):
            status = Text(f"{record['status']}: {safe_text(str(record['error']))}", style="bold red")
        self.query_one(".turn-status", Static).update(status)
        self._dirty = True
        self._redraw()
        if cross:
            self.set_cross(str(cross[0].get("model")), cross[0])
        if getattr(self, "_timer", None) is not None:
            self._timer.stop()  # a finished turn only changes when asked (set_collapse)

    def _gutter(self) -> dict[int, Text] | None:
        if not self.cross_pressure:
            return self.pressure or None
        blank = Text(" " * GUTTER_WIDTH)
        return {line: Text.assemble(self.pressure.get(line, blank), ("│", "dim"),
                                    self.cross_pressure.get(line, blank))
                for line in self.pressure.keys() | self.cross_pressure.keys()}

    def set_cross(self, label: str, reading: Mapping[str, Any]) -> None:
        """Beside the reply's own pressure, the same reply scored under ``label``'s model."""
        self.cross_pressure, self.cross_label = stored_gutter(reading), label
        legend = Text(f"lens: as sampled │ the same reply under {safe_text(label)}", style="dim")
        status = self.query_one(".turn-status", Static)
        status.update(Text.assemble(summary_line(self.record or {}), "  ", legend))
        self._dirty = True
        self._redraw()

    def fail(self, message: str) -> None:
        self.query_one(".turn-status", Static).update(Text(safe_text(message), style="bold red"))

    def set_collapse(self, collapse: bool) -> None:
        self.collapse = collapse
        self._dirty = True
        self._redraw()


class CompareGrid(Vertical):
    """One probe under 2 or 4 conditions, side by side, with a one-line summary."""

    DEFAULT_CSS = """
    CompareGrid { height: auto; margin-bottom: 1; }
    CompareGrid Grid { grid-size: 2; grid-gutter: 0 1; height: auto; }
    CompareGrid .compare-summary { text-style: bold; padding: 0 1; }
    """

    def __init__(self, views: list[TurnView]) -> None:
        super().__init__()
        self.views = views

    def compose(self) -> ComposeResult:
        with Grid():
            yield from self.views
        yield Static(Text("comparing…", style="dim"), classes="compare-summary")

    def update_summary(self) -> None:
        summary = " · ".join(f"{v.label}: {outcome(v.record)}" for v in self.views)
        self.query_one(".compare-summary", Static).update(Text(safe_text(summary)))


class SampleView(Vertical, can_focus=True):
    """N samples per condition: live counts of each flag, the paired comparison, and the
    replies one at a time with their flags: the latest as they arrive, or any of them paged
    with ←/→ (Home/End) once the view has the focus (Tab to it)."""

    DEFAULT_CSS = """
    SampleView { height: auto; border: round $secondary; padding: 0 1; margin-bottom: 1; }
    SampleView:focus { border: round $accent; }
    SampleView .sample-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "page(-1)", "previous reply", show=False),
        Binding("right", "page(1)", "next reply", show=False),
        Binding("home", "page_to(0)", "first reply", show=False),
        Binding("end", "page_to(-1)", "last reply", show=False),
    ]

    def __init__(self, probe: str, labels: list[str], n: int) -> None:
        super().__init__()
        self.probe, self.labels, self.n = probe, labels, n
        self.records: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
        self.arrived: list[tuple[str, int, dict[str, Any]]] = []  # (label, sample, record)
        self.shown: int | None = None  # the reply paged to (None: follow the latest)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"sample ×{self.n} › {safe_text(self.probe[:200])}", style="bold"))
        yield Static(self._table(), classes="sample-counts")
        yield Static("", classes="sample-paired")
        yield Static("", classes="sample-reply")
        yield Static("Tab here, then ←/→ to page through every reply", classes="sample-hint")

    def add(self, label: str, record: dict[str, Any]) -> None:
        self.records[label].append(record)
        self.arrived.append((label, len(self.records[label]) - 1, record))
        self.query_one(".sample-counts", Static).update(self._table())
        self.query_one(".sample-paired", Static).update(self._paired())
        self._show()

    def action_page(self, step: int) -> None:
        if self.arrived:
            current = len(self.arrived) - 1 if self.shown is None else self.shown
            self.shown = max(0, min(len(self.arrived) - 1, current + step))
            self._show()

    def action_page_to(self, index: int) -> None:
        if self.arrived:
            self.shown = index % len(self.arrived)
            self._show()

    def _show(self) -> None:
        if not self.arrived:
            return
        index = len(self.arrived) - 1 if self.shown is None else self.shown
        label, sample, record = self.arrived[index]
        text = Text(f"reply {index + 1} of {len(self.arrived)}"
                    + (" (latest)" if self.shown is None else "")
                    + f" · {safe_text(label)} · sample {sample + 1}", style="bold")
        if record.get("status") != "complete":
            text.append(f"  {safe_text(str(record.get('status')))}: "
                        f"{safe_text(str(record.get('error') or ''))}", style="red")
        shown_badges = badges(annotations_of(record.get("annotations")))
        if shown_badges:
            text.append("  ")
            text.append_text(shown_badges)
        text.append("\n")
        text.append_text(reply_text(str(record.get("reply", "")),
                                    annotations_of(record.get("annotations"))))
        self.query_one(".sample-reply", Static).update(text)

    def counts(self, label: str) -> Counter[str]:
        counter: Counter[str] = Counter()
        for record in self.records[label]:
            counter["done"] += 1
            if record.get("status") != "complete":
                counter["failed"] += 1
                continue
            for name, value in registry().metric_values(
                    annotations_of(record.get("annotations"))).items():
                counter[name] += value
        return counter

    def _paired(self) -> Text:
        """Each condition against the first, sample k with sample k (the same seed): the flags
        raised on one side only, and McNemar's exact p."""
        from sashell.core.stats import mcnemar_exact
        from sashell.core.sweep.summary import paired_samples

        lines = []
        first = self.labels[0]
        for label in self.labels[1:]:
            differences = paired_samples(self.records[label], self.records[first])
            if not differences:
                continue
            pairs = max(d.pairs for d in differences.values())
            parts = [f"{metric.replace('_', '-')} {d.first_only} vs {d.second_only}, "
                     f"p={mcnemar_exact(d.first_only, d.second_only):.2g}"
                     for metric, d in differences.items()]
            lines.append(f"{label} vs {first}, {pairs} pairs by seed, raised on one side only: "
                         + "; ".join(parts))
        return Text(safe_text("\n".join(lines)), style="dim")

    def _table(self) -> Table:
        table = Table(box=None, pad_edge=False)
        table.add_column("condition")
        static = [m.name for m in registry().metrics()]
        seen = sorted({k for label in self.labels for k in self.counts(label)}
                      - {*static, "done", "failed"})  # per-run metrics: acrostic words
        columns = [*seen, *static, "failed"]
        for column in columns:
            table.add_column(safe_text(column.replace("_", "-")), justify="right")
        for label in self.labels:
            counter = self.counts(label)
            done = counter["done"]
            cells = [f"{counter[c]}/{done}" for c in columns]
            table.add_row(Text(f"{safe_text(label)} ({done}/{self.n})"), *cells)
        return table
