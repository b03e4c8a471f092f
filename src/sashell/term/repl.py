"""`sashell repl`: a line-oriented probing shell (prompt-toolkit) over the same core as the TUI.

Probes and /commands typed at a prompt that shows model and tier; replies stream through the
shared StreamPrinter; turns go to the same session journal. With stdin not a terminal it runs a
script of probes and commands and stops with status 1 at the first failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from sashell.core.annotate import AnnotationInput, annotate_text, registry
from sashell.core.contexts import TIERS
from sashell.core.errors import SashellError
from sashell.core.paths import list_prompt_names
from sashell.core.probes import probe_library
from sashell.core.session import SHARED_SESSION_NOTE, load_session, resolve_session_path
from sashell.core.shell import Condition, ProbeShell
from sashell.present.lens import letters_reading, letters_table
from sashell.present.render import badges, outcome, reply_text, safe_text, summary_line, turn_label
from sashell.term.stream_printer import StreamPrinter

COMMANDS: dict[str, str] = {
    "/help": "this list",
    "/model": "NAME — switch model (/models lists them)",
    "/models": "list models",
    "/tier": "free|paid|none",
    "/context": "NAME|default — context file from prompts/contexts/",
    "/probe": "SET[:N] — send probe N of a library set (all of them without :N)",
    "/n": "N — samples per probe",
    "/compare": "A,B | tiers | off — send each probe to two models or both tiers",
    "/follow": "on|off — follow up on the last conversation instead of starting fresh",
    "/accept": "on|off — append the accept/reject instruction",
    "/lens": "on|off — letter pressure as replies are sampled, a table after each (embedded models)",
    "/set": "temperature|top_p|max_tokens|seed VALUE",
    "/session": "NAME — append to (or start) a named session",
    "/replay": "FILE — print a saved session",
    "/annotate": "annotate pasted text (end with a line holding only '.')",
    "/history": "probes sent in this REPL",
    "/quit": "leave (Ctrl+D too)",
}


class ReplError(Exception):
    """A command failed; in a script this stops the run."""


class Repl:
    def __init__(self, shell: ProbeShell, console: Console) -> None:
        self.shell = shell
        self.console = console
        self.samples = 1
        self.compare: list[str] | str | None = None
        self.sent: list[str] = []
        self._stream_task: asyncio.Task[Any] | None = None

    # -- the prompt -----------------------------------------------------------------------------
    def prompt_text(self) -> str:
        extra = f" ×{self.samples}" if self.samples > 1 else ""
        compare = " · compare" if self.compare else ""
        return f"{self.shell.model_name} · {self.shell.tier}{extra}{compare} › "

    def completions(self, text: str) -> list[str]:
        """Completions for a partial /command line."""
        words = text.split(" ")
        if len(words) == 1:
            return [c for c in COMMANDS if c.startswith(words[0])]
        command, last = words[0], words[-1]
        options: Iterable[str] = ()
        if command == "/model":
            options = self.shell.registry.models
        elif command == "/tier":
            options = TIERS
        elif command == "/context":
            options = ["default", *list_prompt_names("contexts")]
        elif command == "/probe":
            options = [s.name for s in probe_library()]
        elif command in ("/follow", "/accept", "/lens"):
            options = ("on", "off")
        elif command == "/compare":
            options = ["tiers", "off", *self.shell.registry.models]
        elif command == "/set":
            options = ("temperature", "top_p", "max_tokens", "seed")
        return sorted(o for o in options if o.startswith(last))

    # -- one line of input ----------------------------------------------------------------------
    async def handle(self, line: str, read_more: Any = None) -> bool:
        """Run one input; False means leave. Raises ReplError when a command or turn fails."""
        text = line.strip()
        if not text:
            return True
        if not text.startswith("/"):
            await self.send(text)
            return True
        command, _, argument = text.partition(" ")
        argument = argument.strip()
        try:
            return await self._command(command, argument, read_more)
        except SashellError as exc:
            raise ReplError(str(exc)) from None

    async def _command(self, command: str, argument: str, read_more: Any) -> bool:
        shell = self.shell
        if command in ("/quit", "/exit"):
            return False
        if command == "/help":
            for name, help_text in COMMANDS.items():
                self.console.print(Text(f"{name:<10} {help_text}"))
            self.console.print(Text("Anything else is sent as a probe. Esc+Enter: new line. "
                                    "Ctrl+C cancels a streaming reply.", style="dim"))
        elif command == "/model":
            shell.set_model(self._need(argument, "/model NAME"))
        elif command == "/models":
            for spec in sorted(shell.registry.models.values(), key=lambda m: m.name):
                kind = f"fine-tune of {spec.base}" if spec.base else "base"
                self.console.print(Text(f"{spec.name:<24} {kind:<28} {spec.provider}"))
        elif command == "/tier":
            if argument not in TIERS:
                raise ReplError("usage: /tier free|paid|none")
            shell.tier = argument  # type: ignore[assignment]
        elif command == "/context":
            name = self._need(argument, "/context NAME|default")
            previous = shell.context_name
            shell.context_name = None if name == "default" else name
            try:
                shell.context_for(shell.tier)
            except SashellError:
                shell.context_name = previous
                raise
        elif command == "/probe":
            for probe, targets in self._library_probes(self._need(argument, "/probe SET[:N]")):
                shell.targets = targets  # the set's acrostic words, beside HELLO
                await self.send(probe)
        elif command == "/n":
            if not argument.isdigit() or not 1 <= int(argument) <= 1000:
                raise ReplError("usage: /n N (1–1000)")
            self.samples = int(argument)
        elif command == "/compare":
            self._set_compare(self._need(argument, "/compare A,B | tiers | off"))
        elif command in ("/follow", "/accept", "/lens"):
            if argument not in ("on", "off"):
                raise ReplError(f"usage: {command} on|off")
            setattr(shell, {"/follow": "follow_up", "/accept": "accept_reject",
                            "/lens": "lens"}[command], argument == "on")
            if command == "/lens" and argument == "on" and not shell.lens_reads(shell.model):
                self.console.print(Text(f"note: {shell.model.name} reports no logits; the lens "
                                        "reads the embedded models", style="yellow"))
        elif command == "/set":
            self._set_param(argument)
        elif command == "/session":
            self._use_session(self._need(argument, "/session NAME"))
        elif command == "/replay":
            self._replay(Path(self._need(argument, "/replay FILE")))
        elif command == "/annotate":
            self._annotate(read_more)
        elif command == "/history":
            for index, probe in enumerate(self.sent, 1):
                self.console.print(Text(f"{index:>3}  {safe_text(probe)}"))
        else:
            raise ReplError(f"unknown command {command} (try /help)")
        return True

    @staticmethod
    def _need(argument: str, usage: str) -> str:
        if not argument:
            raise ReplError(f"usage: {usage}")
        return argument

    def _library_probes(self, argument: str) -> list[tuple[str, tuple[str, ...]]]:
        """(probe, acrostic targets) for /probe SET[:N]."""
        name, _, index = argument.partition(":")
        sets = {s.name: s for s in probe_library()}
        if name not in sets:
            raise ReplError(f"unknown probe set '{name}' (known: {', '.join(sorted(sets))})")
        chosen = sets[name]
        probes = [(item.text, chosen.targets_for(item)) for item in chosen.items]
        if not index:
            return probes
        if not index.isdigit() or not 1 <= int(index) <= len(probes):
            raise ReplError(f"probe set '{name}' has probes 1–{len(probes)}")
        return [probes[int(index) - 1]]

    def _set_compare(self, argument: str) -> None:
        if argument == "off":
            self.compare = None
        elif argument == "tiers":
            self.compare = "tiers"
        else:
            names = [n.strip() for n in argument.split(",") if n.strip()]
            if len(names) < 2:
                raise ReplError("usage: /compare A,B (two or more models) | tiers | off")
            for name in names:
                self.shell.registry.get(name)
            self.compare = names

    def _set_param(self, argument: str) -> None:
        key, _, value = argument.partition(" ")
        if key not in ("temperature", "top_p", "max_tokens", "seed") or not value:
            raise ReplError("usage: /set temperature|top_p|max_tokens|seed VALUE")
        try:
            self.shell.params = self.shell.params.with_text(key, value)
        except SashellError as exc:
            raise ReplError(f"/set {exc}") from None

    def _use_session(self, name: str) -> None:
        path = resolve_session_path(name, self.shell.sessions_dir)
        if path.exists():
            loaded = self.shell.open_session(path)
            self.console.print(Text(safe_text(f"appending to {path} ({len(loaded.turns)} turns)"),
                                    style="dim"))
            if self.shell.writer is not None and self.shell.writer.others_writing:
                self.console.print(Text(SHARED_SESSION_NOTE, style="yellow"))
        else:
            from sashell.core.session import SessionWriter

            self.shell.new_session()
            path.parent.mkdir(parents=True, exist_ok=True)
            self.shell.writer = SessionWriter.named(path)
            self.console.print(Text(f"new session {self.shell.writer.path}", style="dim"))

    def _replay(self, path: Path) -> None:
        loaded = load_session(path)
        for turn in loaded.turns:
            label = turn_label(turn)
            self.console.rule(Text(f"#{turn.get('turn')} {label}"), style="dim")
            self.console.print(Text(f"› {safe_text(str(turn.get('probe', '')))}", style="bold"))
            self.console.print(reply_text(str(turn.get("reply", "")), turn.get("annotations")))
            self.console.print(badges(turn.get("annotations") or []))
        if loaded.problems:
            self.console.print(Text(loaded.problem_summary(), style="yellow"))

    def _annotate(self, read_more: Any) -> None:
        if read_more is None:
            raise ReplError("/annotate needs input to read from")
        lines = []
        while True:
            line = read_more()
            if line is None or line.strip() == ".":
                break
            lines.append(line)
        text = "\n".join(lines)
        annotations = annotate_text(text, AnnotationInput(targets=self.shell.targets))
        self.console.print(reply_text(text, annotations))
        self.console.print(badges(annotations))
        for record, _ in registry().badges(annotations):
            detail = registry().owner(record).summary(record)
            self.console.print(Text(safe_text(f"{record['kind']}: {json.dumps(detail)[:300]}"),
                                    style="dim"))

    # -- probes ---------------------------------------------------------------------------------
    def conditions(self) -> list[Condition]:
        shell = self.shell
        if self.compare == "tiers":
            return [Condition(shell.model, "free"), Condition(shell.model, "paid")]
        if isinstance(self.compare, list):
            return [Condition(shell.registry.get(n), shell.tier) for n in self.compare]
        return [Condition(shell.model, shell.tier)]

    async def send(self, probe: str) -> None:
        self.sent.append(probe)
        conditions = self.conditions()
        results = []
        for sample in range(self.samples):
            for condition in conditions:
                plan = self.shell.plan(probe, condition, sample=sample,
                                       follow=None if len(conditions) == 1 else False)
                if len(conditions) > 1 or self.samples > 1:
                    plan.condition = condition.label
                self.console.rule(Text(f"{condition.label}" + (
                    f" · sample {sample + 1}/{self.samples}" if self.samples > 1 else "")),
                    style="dim")
                record = await self._stream(plan, remember=len(conditions) == 1)
                results.append((condition.label, record))
        if len(conditions) > 1:
            summary = " · ".join(f"{label}: {outcome(record)}" for label, record in results)
            self.console.print(Text(safe_text(summary), style="bold"))
        failed = [r for _, r in results if r.get("status") == "error"]
        if failed:
            raise ReplError(str(failed[0].get("error")))

    async def _stream(self, plan: Any, remember: bool) -> dict[str, Any]:
        printer = StreamPrinter(self.console)
        task = asyncio.ensure_future(self.shell.run(plan, printer.show_turn_event, remember=remember))
        self._stream_task = task
        loop = asyncio.get_running_loop()
        handler_installed = False
        try:
            loop.add_signal_handler(signal.SIGINT, task.cancel)
            handler_installed = True
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread: Ctrl+C is handled by the caller
        try:
            result = await task
            record = result.record
        except asyncio.CancelledError:
            printer.close()
            self.console.print(Text("\n[cancelled — the partial reply is saved]", style="yellow"))
            writer = self.shell.writer
            turns = load_session(writer.path).turns if writer else []
            return turns[-1] if turns else {"status": "cancelled"}
        finally:
            if handler_installed:
                loop.remove_signal_handler(signal.SIGINT)
            self._stream_task = None
        printer.close()
        self.console.print()
        if record.get("error"):
            self.console.print(Text(f"error: {safe_text(str(record['error']))}", style="bold red"))
        else:
            self.console.print(badges(record.get("annotations") or []))
            reading = letters_reading(record)
            if reading is not None:
                self.console.print(letters_table(reading, str(record.get("reply", ""))))
        self.console.print(summary_line(record))
        return record


def history_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sashell" / "repl-history"


async def run_interactive(repl: Repl, session: Any = None) -> int:
    """The prompt loop; ``session`` is a prompt_toolkit PromptSession (tests pass pipe input)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    class SlashCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Any:
            text = document.text_before_cursor
            if not text.startswith("/"):
                return
            last = text.split(" ")[-1]
            for option in repl.completions(text):
                yield Completion(option, start_position=-len(last))

    if session is None:
        bindings = KeyBindings()

        @bindings.add("escape", "enter")
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        path = history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        session = PromptSession(history=FileHistory(str(path)), key_bindings=bindings)
    session.completer = SlashCompleter()
    repl.console.print(Text("sashell repl — /help for commands, Ctrl+D to leave", style="dim"))

    async def read_more() -> str | None:
        try:
            return str(await session.prompt_async("… "))
        except EOFError:
            return None

    while True:
        try:
            line = await session.prompt_async(repl.prompt_text())
        except KeyboardInterrupt:
            continue  # Ctrl+C at the prompt clears the line
        except EOFError:
            return 0
        try:
            pasted: list[str] = []
            if line.strip() == "/annotate":
                while (more := await read_more()) is not None and more.strip() != ".":
                    pasted.append(more)
            if not await repl.handle(line, _reader(pasted)):
                return 0
        except ReplError as exc:
            repl.console.print(Text(f"error: {exc}", style="bold red"))


def _reader(lines: list[str]) -> Any:
    """A read_more callback over lines already collected (then the terminating '.')."""
    queue = [*lines, "."]
    return lambda: queue.pop(0) if queue else None


async def run_script(repl: Repl, lines: list[str]) -> int:
    """Non-interactive: every line is a probe or a command; stop at the first failure."""
    position = 0

    def read_more() -> str | None:
        nonlocal position
        if position >= len(lines):
            return None
        position += 1
        return lines[position - 1]

    while position < len(lines):
        line = lines[position]
        position += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        repl.console.print(Text(f"{repl.prompt_text()}{line}", style="bold"))
        try:
            if not await repl.handle(line, read_more):
                return 0
        except ReplError as exc:
            print(f"sashell repl: error on line {position}: {exc}", file=sys.stderr)
            return 1
    return 0
