"""Arguments and input handling that several subcommands share."""

from __future__ import annotations

import argparse
import sys

from sashell.core.errors import SashellError


def add_reading_options(group: argparse._ActionsContainer) -> None:
    """--target and --judge: how replies are read, for every command that annotates."""
    group.add_argument("--target", action="append", default=[], metavar="WORD",
                       help="acrostic target word (repeatable; HELLO is always a target)")
    group.add_argument("--judge", metavar="MODEL", help="also ask this registry model to judge "
                                                        "compliance and alignment-faking reasoning")


def targets_of(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(dict.fromkeys(("HELLO", *(t.upper() for t in args.target))))


def read_stdin(what: str) -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise SashellError(f"no {what} given (pass it as an argument or on stdin)")
    return sys.stdin.read()
