"""Command-line entry point: `sashell <subcommand>`; each subcommand lives in sashell.commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from sashell import __version__
from sashell.core.errors import SashellError

# subcommand → the module that registers it, in --help order. Only the module of the command
# given is imported, so `sashell replay --summary` does not pay for the annotators or the TUI.
COMMANDS = {
    "probe": "probe_cmd", "models": "models_cmd", "annotate": "annotate_cmd",
    "repl": "repl_cmd", "dataset": "dataset_cmd", "finetune": "finetune_cmd",
    "demo": "demo_cmd", "sessions": "sessions_cmd", "replay": "sessions_cmd",
    "export": "export_cmd", "sweep": "sweep_cmd", "probes": "probes_cmd",
    "lens": "lens_cmd", "validate": "validate_cmd",
}

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


def _modules_for(argv: Sequence[str] | None) -> list[str]:
    """The command modules to register: the named command's only; all for --help and for a
    word that names no command (so argparse lists the choices); none for the TUI, whose
    start-up should not pay for them."""
    args = list(sys.argv[1:] if argv is None else argv)
    named = next((a for a in args if a in COMMANDS), None)
    if named is not None and not any(a in ("-h", "--help") for a in args[:args.index(named)]):
        return [COMMANDS[named]]
    options_with_values = {"--model", "--tier", "--context", "--system-file", "--sessions-dir"}
    words = [a for i, a in enumerate(args) if not a.startswith("-")
             and (i == 0 or args[i - 1] not in options_with_values)]
    if named is None and not words and not any(a in ("-h", "--help") for a in args):
        return []
    return list(dict.fromkeys(COMMANDS.values()))


def build_parser(argv: Sequence[str] | None = ()) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the subcommand it names is registered (all by default)."""
    parser = OneLineParser(prog="sashell", description=DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sashell {__version__}")
    parser.add_argument("--model", default="smollm2",
                        help="model the TUI starts with (default: smollm2, embedded)")
    parser.add_argument("--tier", choices=("none", "free", "paid"), default="none",
                        help="tier the TUI starts with")
    parser.add_argument("--context", help="context the TUI starts with, from prompts/contexts/ "
                                          "(default: 'none' for tier none, 'alignment-faking' "
                                          "for free/paid; Ctrl+T changes it)")
    parser.add_argument("--system-file", help="a file whose text replaces the context's system "
                                              "prompt in the TUI")
    parser.add_argument("--no-scratchpad", action="store_true",
                        help="the context's variant without a hidden scratchpad")
    parser.add_argument("--sessions-dir", help="where sessions live (default ./sessions or "
                                               "$SASHELL_SESSIONS_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in _modules_for(argv):
        importlib.import_module(f"sashell.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv if argv is not None else sys.argv[1:])
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
    except OSError as exc:  # a filesystem fault (a full disk, a read-only mount) wherever it hit
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sashell: error: {SashellError(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return SashellError.exit_code


def open_tui(args: argparse.Namespace) -> int:
    """The TUI, painted before anything else loads: the registry, the context and the shell
    (annotators, providers) are made in a thread after the first paint. A model, context or
    system file given on the command line is checked first (one line and exit 2 when bad,
    before the screen changes); the defaults need no check."""
    from sashell.tui.app import run_tui

    if args.model != "smollm2" or args.context or args.system_file:
        from sashell.core.contexts import TIERS, resolve_context
        from sashell.core.registry import load_registry

        load_registry().get(args.model)
        for tier in TIERS:
            resolve_context(args.context, tier, no_scratchpad=args.no_scratchpad,
                            system_file=args.system_file)

    def make_shell() -> object:
        from sashell.core.paths import sessions_dir
        from sashell.core.shell import ProbeShell

        shell = ProbeShell(model_name=args.model, tier=args.tier,
                           no_scratchpad=args.no_scratchpad,
                           sessions_dir=sessions_dir(args.sessions_dir))
        shell.set_context(args.context, args.system_file)
        return shell

    return run_tui(make_shell)  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main())
