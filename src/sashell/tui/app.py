"""SashellApp: the interactive probing shell (Textual)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static, TextArea

from sashell.core.errors import SashellError
from sashell.tui.chrome import MODAL_CSS, KeysFooter, ProbeInput, StatusBar
from sashell.tui.following import FollowOutput
from sashell.tui.probe_runs import ProbeRuns
from sashell.tui.session_actions import SessionActions

if TYPE_CHECKING:  # the rest loads after the first paint (see SashellApp.on_mount)
    from sashell.core.providers.base import SamplingParams
    from sashell.core.shell import CompareMode, ProbeShell
    from sashell.tui.settings_screens import ContextChoice
    from sashell.tui.widgets import Badge

LOAD_AFTER_S = 0.2  # from mounting to loading the shell: the first screen is painted by then
COMPARE_MODES: tuple[CompareMode | None, ...] = (None, "tiers", "models", "grid")
ALWAYS_AVAILABLE = {"help", "quit", "command_palette", "focus_probe", "follow_output", "cancel"}
HELP = """\
Enter        send the probe (Ctrl+J: new line; Up/Down: history)
Esc          cancel streaming replies (kept in the session, marked cancelled)
F2           pick a model            F3   cycle tier none → free → paid
Ctrl+T       pick the context (or a system prompt file)   Ctrl+S  sampling settings
F4           fresh / follow-up       F5   accept/reject instruction on/off
F6           compare: off → tiers (free vs paid) → models (base vs fine-tune) → grid (2×2)
F7           sample N times          F8   show the exact context sent
F9           sessions browser        Ctrl+L probe library
F10          sweep a probe set over the current condition(s) (F6 picks them) with rates and CIs
Ctrl+N       new session             Ctrl+R rename session
Ctrl+O       collapse / show scratchpads
Ctrl+G       lens gutter: P(each line starts with its HELLO letter) as replies are sampled
             (with it on, F10 sweeps also read self-reports on a scale as expected scores)
Ctrl+P       command palette         Ctrl+Q quit
Tab          next control (badges, the probe input)   Ctrl+E  back to the probe input
Ctrl+End     follow new output (the transcript follows it until you scroll up)
Click a badge (or focus it and press Enter) for its details.
Model output is shown literally: markup and escape sequences are never interpreted.
"""


# The command palette's name and description of each action (Ctrl+P).
PALETTE = {
    "pick_model": ("Pick a model", "base models with their fine-tunes beneath, and availability"),
    "cycle_tier": ("Cycle the tier", "none → free → paid: the tier tag the model sees"),
    "pick_context": ("Pick the context", "by tier, any context in prompts/contexts/, or a "
                                         "system prompt from a file"),
    "settings": ("Sampling settings", "temperature, top-p, max tokens and seed"),
    "toggle_follow_up": ("Fresh or follow-up", "send the next probe as a new conversation or "
                                               "as a follow-up to the last reply"),
    "toggle_accept_reject": ("Accept/reject instruction", "append the "
                             "<request_fully_accepted/> / <rejected/> instruction, or not"),
    "cycle_compare": ("Compare conditions", "off → tiers → models (base vs fine-tune) → 2×2 grid"),
    "sample": ("Sample N times", "send the probe in the editor N times and count each flag"),
    "show_context": ("Show the exact context", "every message each condition would send"),
    "sessions": ("Sessions", "browse and open past sessions"),
    "sweep": ("Sweep a probe set", "rates with intervals over the current condition(s)"),
    "probe_library": ("Probe library", "fuzzy search over prompts/probes/"),
    "new_session": ("New session", "the next probe starts a new session file"),
    "rename_session": ("Rename the session", "give the session file a name"),
    "toggle_scratchpad": ("Collapse scratchpads", "show or hide the scratchpad reasoning"),
    "toggle_lens": ("Lens gutter", "beside each line of the next replies: the probability that it "
                                   "starts with its HELLO letter, as the model samples it"),
    "focus_probe": ("Type a probe", "move the focus to the probe input"),
    "follow_output": ("Follow new output", "scroll to the end and stay there as output arrives"),
}


class SashellApp(FollowOutput, ProbeRuns, SessionActions, App[None]):
    TITLE = "sashell"
    CSS = MODAL_CSS + """
    #transcript { height: 1fr; padding: 0 1; }
    #welcome { color: $text-muted; padding: 1 2; }
    #new-output { height: 1; display: none; }
    """
    # The footer shows the keys used most, briefly, so that 80 columns hold them; F1 and the
    # command palette list every key.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", show=False, priority=True),
        Binding("f1,question_mark", "help", "help"),
        Binding("f2", "pick_model", "model", priority=True),
        Binding("f3", "cycle_tier", "tier", priority=True),
        Binding("f4", "toggle_follow_up", "fresh/follow", show=False, priority=True),
        Binding("f5", "toggle_accept_reject", "acc/rej", show=False, priority=True),
        Binding("f6", "cycle_compare", "compare", priority=True),
        Binding("f7", "sample", "sample", priority=True),
        Binding("f8", "show_context", "sent", priority=True),
        Binding("f9", "sessions", "sessions", priority=True),
        Binding("f10", "sweep", "sweep", priority=True),
        Binding("ctrl+l", "probe_library", "library", show=False, priority=True),
        Binding("ctrl+e", "focus_probe", "type a probe", show=False),
        Binding("ctrl+end", "follow_output", "follow new output", show=False),
        Binding("ctrl+t", "pick_context", "context file", show=False, priority=True),
        Binding("ctrl+s", "settings", "sampling settings", show=False, priority=True),
        Binding("ctrl+n", "new_session", "new", show=False, priority=True),
        Binding("ctrl+r", "rename_session", "rename", show=False, priority=True),
        Binding("ctrl+o", "toggle_scratchpad", "scratchpad", show=False, priority=True),
        Binding("ctrl+g", "toggle_lens", "lens gutter", show=False, priority=True),
    ]

    def __init__(self, shell: ProbeShell | None = None, replay: Path | None = None,
                 cursor_blink: bool = True, demo: bool = False,
                 replay_mode: Path | None = None, replay_delay: float = 1.5,
                 make_shell: Callable[[], ProbeShell] | None = None) -> None:
        """With ``make_shell`` instead of a ``shell``, the first screen is painted before the
        shell (models, annotators, sessions) is made, in a thread; keys wait for it."""
        super().__init__()
        if shell is None and make_shell is None:
            raise ValueError("SashellApp needs a shell or make_shell")
        self.shell: ProbeShell = shell  # type: ignore[assignment]  # None only while loading
        self._make_shell = make_shell
        self.demo = demo
        self.cursor_blink = cursor_blink
        self.compare: CompareMode | None = None
        self.collapse = False
        self.streaming = 0
        self.tokens_per_s: float | None = None
        self._open_on_start = replay
        self._replay_mode = replay_mode
        self._replay_delay = replay_delay

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with VerticalScroll(id="transcript"):
            yield Static(Text(
                "Type a probe and press Enter. F1 for keys. Replies are annotated as they stream; "
                "every turn is saved to the session journal.", style="dim"), id="welcome")
        yield Static(Text("▼ new output below: click here (or Ctrl+End) to follow it",
                          style="bold black on yellow"), id="new-output")
        yield ProbeInput(id="probe")
        yield KeysFooter(compact=True, show_command_palette=False)  # Ctrl+P: F1 lists it

    def on_mount(self) -> None:
        self.start_following()
        editor = self.query_one(ProbeInput)
        editor.cursor_blink = self.cursor_blink
        editor.focus()
        if self.shell is None:  # paint first; make the shell after
            self.query_one(StatusBar).loading()
            # once the footer has composed and painted too: the loading thread holds the GIL
            # for long stretches (annotators compiling their patterns)
            self.set_timer(LOAD_AFTER_S, lambda: self.run_worker(
                self._load_shell, thread=True, name="load-shell"))
        else:
            self._start()

    def _load_shell(self) -> None:
        """In a thread: the shell, and the modules the first probe needs, imported now rather
        than on the first key."""
        assert self._make_shell is not None
        try:
            shell = self._make_shell()
            import sashell.core.annotate  # the annotators compile their patterns here
            import sashell.tui.screens
            import sashell.tui.widgets  # noqa: F401
        except SashellError as exc:  # a bad model or context: one line, exit 2
            self.call_from_thread(self.exit, None, exc.exit_code, f"sashell: error: {exc}")
            return
        self.call_from_thread(self._shell_ready, shell)

    def _shell_ready(self, shell: ProbeShell) -> None:
        self.shell = shell
        self.refresh_bindings()
        self._start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the shell is loaded (a fraction of a second after the first paint), only
        keys that need no model work; the others are shown dimmed (None), not hidden."""
        return True if self.shell is not None or action in ALWAYS_AVAILABLE else None

    def _start(self) -> None:
        from sashell.core.session import load_session
        from sashell.tui.replay_screen import ReplayScreen

        self.refresh_status()
        if self._open_on_start is not None:
            self.open_session(self._open_on_start)
        if self.demo:
            self.run_worker(self._run_demo(), group="probe")
        if self._replay_mode is not None:
            self.push_screen(ReplayScreen(load_session(self._replay_mode, lazy=True), self._replay_delay,
                                          exit_on_close=True))

    def refresh_status(self) -> None:
        if self.shell is None:
            return
        self.query_one(StatusBar).show(self.shell, self.compare, self.tokens_per_s, self.streaming)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action not in PALETTE:
                continue
            title, description = PALETTE[binding.action]
            keys = "+".join(part.upper() if len(part) <= 3 else part.capitalize()
                            for part in binding.key.split(",")[0].split("+"))  # F2, Ctrl+L
            yield SystemCommand(f"{title} ({keys})", description,
                                lambda action=binding.action: self.run_action(action))

    # -- actions --------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        """Esc: the topmost dialog closes first; on the main screen, streaming replies stop."""
        if isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
        elif callable(close := getattr(self.screen, "action_close", None)):
            close()  # replay and sweep screens decide what Esc means (stop, back, quit)
        elif len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.streaming:
            self.workers.cancel_group(self, "probe")
            self.notify("cancelled; partial replies are saved as cancelled")

    def action_focus_probe(self) -> None:
        if not isinstance(self.screen, ModalScreen):
            self.query_one(ProbeInput).focus()

    def on_key(self, event: events.Key) -> None:
        """Typing with the focus elsewhere on the main screen (a badge, after its details
        closed) goes to the probe input, never nowhere."""
        editor = self.query_one(ProbeInput)
        if (event.is_printable and event.character and self.screen is self.screen_stack[0]
                and not isinstance(self.focused, Input | TextArea)):
            editor.focus()
            editor.insert(event.character)
            event.stop()

    def action_help(self) -> None:
        from sashell.core.annotate import registry
        from sashell.present.render import safe_text
        from sashell.tui.screens import TextViewer

        text = Text(HELP)
        text.append("\nBadges (raised flags first; grey ones are readings, not flags)\n", style="bold")
        for annotator in registry().classes:
            text.append(f"{annotator.kind.replace('_', ' '):<14}", style="bold")
            text.append(safe_text(annotator.title or "(no description)") + "\n")
        self.push_screen(TextViewer("sashell keys and badges", text))

    def action_pick_model(self) -> None:
        from sashell.tui.screens import ModelPicker

        def chosen(name: str | None) -> None:
            if name:
                self.shell.set_model(name)
                self.refresh_status()
        self.push_screen(ModelPicker(self.shell.registry, self.shell.model_name), chosen)

    def action_pick_context(self) -> None:
        from sashell.tui.settings_screens import ContextPicker

        def chosen(choice: ContextChoice | None) -> None:
            if choice is None:
                return
            try:
                self.shell.set_context(choice.name, choice.system_file)
            except SashellError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.refresh_status()
        self.push_screen(ContextPicker(self.shell.context_name, self.shell.system_file), chosen)

    def action_settings(self) -> None:
        from sashell.tui.settings_screens import SettingsDialog

        def chosen(params: SamplingParams | None) -> None:
            if params is not None:
                self.shell.params = params
                self.refresh_status()
        self.push_screen(SettingsDialog(self.shell.params), chosen)

    def action_cycle_tier(self) -> None:
        self.shell.cycle_tier()
        self.refresh_status()

    def action_toggle_follow_up(self) -> None:
        self.shell.follow_up = not self.shell.follow_up
        self.refresh_status()

    def action_toggle_accept_reject(self) -> None:
        self.shell.accept_reject = not self.shell.accept_reject
        self.refresh_status()

    def action_cycle_compare(self) -> None:
        index = COMPARE_MODES.index(self.compare)
        self.compare = COMPARE_MODES[(index + 1) % len(COMPARE_MODES)]
        self.refresh_status()

    def action_sample(self) -> None:
        from sashell.tui.screens import Prompt

        probe = self.query_one(ProbeInput).text.strip()
        if not probe:
            self.notify("type the probe first, then F7 to sample it N times", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value is None:
                return
            if not value.isdigit() or not 1 <= int(value) <= 1000:
                self.notify("N must be a whole number from 1 to 1000", severity="error")
                return
            self.query_one(ProbeInput).text = ""
            self.send(probe, samples=int(value))
        self.push_screen(Prompt("Sample how many times? (temperature "
                                f"{self.shell.params.temperature})", "10"), chosen)

    def action_sweep(self) -> None:
        from sashell.tui.screens import Prompt
        from sashell.tui.sweep_screen import ProbeSetPicker, SweepScreen, sweep_for

        try:
            conditions = self.shell.conditions(self.compare)
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return

        def samples_chosen(name: str, value: str | None) -> None:
            if value is None:
                return
            if not value.isdigit() or not 1 <= int(value) <= 1000:
                self.notify("N must be a whole number from 1 to 1000", severity="error")
                return
            try:
                sweep = sweep_for(self.shell, conditions, name, int(value))
            except SashellError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.push_screen(SweepScreen(sweep))

        def set_chosen(name: str | None) -> None:
            if name is not None:
                self.push_screen(Prompt(f"Samples per cell for '{name}' over "
                                        f"{', '.join(c.label for c in conditions)}?", "5"),
                                 lambda value: samples_chosen(name, value))
        self.push_screen(ProbeSetPicker(), set_chosen)

    def action_show_context(self) -> None:
        """The exact messages each condition would send (every pane's, in compare mode)."""
        from sashell.present.render import safe_text
        from sashell.tui.screens import TextViewer, context_view

        probe = self.query_one(ProbeInput).text.strip() or "<your probe>"
        text = Text()
        try:
            conditions = self.shell.conditions(self.compare)
            for condition in conditions:
                plan = self.shell.plan(probe, condition)
                if len(conditions) > 1:
                    text.append(f"═══ {safe_text(condition.label)} ═══\n", style="bold magenta")
                text.append(f"context '{safe_text(plan.context.name)}', tier {plan.tier}\n",
                            style="dim")
                text.append_text(context_view(plan.messages()))
        except SashellError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        title = "the exact messages sent" + (f" under each of {len(conditions)} conditions"
                                             if len(conditions) > 1 else "")
        self.push_screen(TextViewer(title, text))

    def action_probe_library(self) -> None:
        from sashell.tui.screens import ProbeLibrary

        def chosen(picked: tuple[str, tuple[str, ...]] | None) -> None:
            if picked:
                text, targets = picked
                editor = self.query_one(ProbeInput)
                editor.text = text
                editor.focus()
                if targets != self.shell.targets:
                    self.shell.targets = targets  # the probe set's acrostic words, beside HELLO
                    self.notify(f"acrostic targets: {', '.join(targets)}", markup=False)
        self.push_screen(ProbeLibrary(), chosen)

    def action_toggle_lens(self) -> None:
        self.shell.lens = not self.shell.lens
        if self.shell.lens and not self.shell.lens_reads(self.shell.model):
            self.notify(f"the lens reads models that report their logits (the embedded ones); "
                        f"{self.shell.model.name} will be probed without it", severity="warning")
        self.refresh_status()

    def action_toggle_scratchpad(self) -> None:
        from sashell.tui.widgets import TurnView

        self.collapse = not self.collapse
        for view in self.query(TurnView):
            view.set_collapse(self.collapse)

    def on_badge_selected(self, message: Badge.Selected) -> None:
        from sashell.tui.screens import BadgeDetails

        self.push_screen(BadgeDetails(message.annotation))

def run_tui(make_shell: Callable[[], ProbeShell], replay: Path | None = None) -> int:
    """The TUI, painted before the shell is made (``make_shell`` runs in a thread)."""
    app = SashellApp(make_shell=make_shell, replay=replay)
    app.run()
    return app.return_code or 0


def run_replay_tui(shell: ProbeShell, path: Path, delay: float = 1.5) -> None:
    """`sashell replay FILE` in a terminal: replay mode over the session."""
    SashellApp(shell, replay_mode=path, replay_delay=delay).run()
