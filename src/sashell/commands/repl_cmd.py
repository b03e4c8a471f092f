"""`sashell repl`: the prompt-toolkit shell, or a script of probes and commands on stdin."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console

from sashell.core.contexts import TIERS
from sashell.core.paths import sessions_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "repl", help="a line-oriented probing shell (or run a script of probes from stdin)",
        description="A prompt-toolkit shell over the same core as the TUI. Type probes, or "
                    "/commands (/help lists them). With stdin not a terminal, runs it as a "
                    "script and exits 1 at the first failure.")
    p.add_argument("--model", default="smollm2", help="model to start with (default smollm2)")
    p.add_argument("--tier", choices=TIERS, default="none", help="tier to start with")
    p.add_argument("--session", help="append to this named session")
    p.add_argument("--sessions-dir", help="where sessions live")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sashell.core.shell import ProbeShell
    from sashell.term.repl import Repl, ReplError, run_interactive, run_script

    shell = ProbeShell(model_name=args.model, tier=args.tier,
                       sessions_dir=sessions_dir(args.sessions_dir))
    repl = Repl(shell, Console(highlight=False))
    if args.session:
        try:
            repl._use_session(args.session)
        except ReplError as exc:
            print(f"sashell: error: {exc}", file=sys.stderr)
            return 2
    try:
        if sys.stdin is not None and not sys.stdin.isatty():
            return asyncio.run(run_script(repl, sys.stdin.read().splitlines()))
        return asyncio.run(run_interactive(repl))
    finally:
        if shell.writer is not None:
            shell.writer.close()
