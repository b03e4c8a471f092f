"""`sashell demo`: about a minute, offline — the embedded model vs its shipped fine-tunes."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from sashell.core.demo import DEMO_PARAMS, DEMO_STEPS, DemoTally
from sashell.core.errors import SashellError
from sashell.core.paths import sessions_dir
from sashell.core.shell import Condition, ProbeShell
from sashell.present.render import badges, summary_line
from sashell.term.stream_printer import StreamPrinter


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo", help="offline demo: smollm2 vs smollm2-hello, then free vs paid on smollm2-tiergap",
        description="Send scripted probes to the embedded model and its shipped fine-tunes and "
                    "show what the annotations see: HELLO acrostics on the fine-tune and not on "
                    "the base, then a planted free/paid compliance gap. Opens the TUI in compare "
                    "mode; --print writes plain terminal output instead (for recordings and CI).")
    p.add_argument("--print", dest="plain", action="store_true", help="plain terminal output")
    p.add_argument("--sessions-dir", help="where the demo's session is saved")
    p.set_defaults(func=run)


def demo_shell(directory: str | None) -> ProbeShell:
    shell = ProbeShell(sessions_dir=sessions_dir(directory))
    missing = sorted({m for step in DEMO_STEPS for m in step.models} - set(shell.registry.models))
    if missing:
        raise SashellError(f"the demo needs the shipped fine-tunes ({', '.join(missing)}); "
                           "they ship in sashell's package data, data/adapters/")
    shell.params = replace(DEMO_PARAMS)
    return shell


def run(args: argparse.Namespace) -> int:
    shell = demo_shell(args.sessions_dir)
    if not args.plain:
        from sashell.tui.app import SashellApp

        SashellApp(shell, demo=True).run()
        return 0
    console = Console(highlight=False)
    tally = asyncio.run(run_printed(shell, console))
    console.print(Panel(Text("\n".join(tally.lines())), title="what the annotations showed",
                        expand=False))
    if shell.writer is not None:
        console.print(f"session: {shell.writer.path}", style="dim", markup=False)
        shell.writer.close()
    return 0


async def run_printed(shell: ProbeShell, console: Console) -> DemoTally:
    tally = DemoTally()
    for step in DEMO_STEPS:
        console.rule(Text(step.title, style="bold"))
        console.print(Text(step.explain, style="italic"))
        shell.context_name = step.context
        for probe in step.probes:
            console.print(Text(f"\n› {probe}", style="bold"))
            for model in step.models:
                for tier in step.tiers:
                    condition = Condition(shell.registry.get(model), tier)
                    plan = shell.plan(probe, condition, follow=False)
                    plan.condition = condition.label
                    console.print(Text(f"── {condition.label} ──", style="cyan"))
                    printer = StreamPrinter(console)
                    result = await shell.run(plan, printer.show_turn_event, remember=False)
                    printer.close()
                    console.print()
                    console.print(badges(result.record["annotations"]))
                    console.print(summary_line(result.record))
                    tally.add(condition.label, result.record)
    return tally
