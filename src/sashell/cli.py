"""Command-line entry point: `sashell <subcommand>`; each subcommand lives in sashell.commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from sashell import __version__
from sashell.commands import (
    annotate_cmd,
    dataset_cmd,
    demo_cmd,
    export_cmd,
    finetune_cmd,
    models_cmd,
    probe_cmd,
    repl_cmd,
    sessions_cmd,
    sweep_cmd,
)
from sashell.core.errors import SashellError

DESCRIPTION = """\
sashell — a situational-awareness probing shell.

Probe base and fine-tuned models under free-tier / paid-tier contexts and read the replies with
live annotations (acrostics, compliance, alignment-faking reasoning, self-reports, insecure code).
Every probe is saved to a session journal. The default model is SmolLM2-135M-Instruct, embedded
and offline. With no command, sashell opens the interactive TUI."""


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr with exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="sashell", description=DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sashell {__version__}")
    parser.add_argument("--model", default="smollm2",
                        help="model the TUI starts with (default: smollm2, embedded)")
    parser.add_argument("--tier", choices=("none", "free", "paid"), default="none",
                        help="tier the TUI starts with")
    parser.add_argument("--sessions-dir", help="where sessions live (default ./sessions or "
                                               "$SASHELL_SESSIONS_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    probe_cmd.register(sub)
    models_cmd.register(sub)
    annotate_cmd.register(sub)
    repl_cmd.register(sub)
    dataset_cmd.register(sub)
    finetune_cmd.register(sub)
    demo_cmd.register(sub)
    sessions_cmd.register(sub)
    export_cmd.register(sub)
    sweep_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return open_tui(args)
        return int(args.func(args) or 0)
    except SashellError as exc:
        print(f"sashell: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sashell: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def open_tui(args: argparse.Namespace) -> int:
    from sashell.core.paths import sessions_dir
    from sashell.core.shell import ProbeShell
    from sashell.tui.app import run_tui

    shell = ProbeShell(model_name=args.model, tier=args.tier,
                       sessions_dir=sessions_dir(args.sessions_dir))
    run_tui(shell)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
