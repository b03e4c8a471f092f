"""`sashell sessions` and `sashell replay`: the saved lab notebook, read back."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from sashell.commands.options import add_reading_options, targets_of
from sashell.core.contexts import TIERS
from sashell.core.errors import SashellError
from sashell.core.paths import sessions_dir
from sashell.core.replay import SessionSummary, list_sessions, reannotate, summarize
from sashell.core.session import LoadedSession, load_session
from sashell.present.lens import lens_readings, letters_table
from sashell.present.render import badges, reply_text, safe_json, safe_text, turn_label


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("sessions", help="list saved sessions",
                       description="List sessions: name, created, turns, models, tiers, flags.")
    s.add_argument("--sessions-dir", help="where sessions live")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run_sessions)
    r = sub.add_parser(
        "replay", help="replay a saved session (TUI, or --print) with annotations recomputed",
        description="Open a saved session in the TUI's replay mode (n/p step, space plays, c "
                    "shows the exact context, a re-runs against another model), or print it with "
                    "--print/--json/--summary (the default when not in a terminal). Annotations "
                    "are recomputed with today's annotators and differences from the stored ones "
                    "shown. Damaged lines are skipped and reported; the file is never modified. "
                    "Exit 2 when no turn is readable.")
    r.add_argument("file")
    mode = r.add_mutually_exclusive_group()
    mode.add_argument("--print", dest="plain", action="store_true",
                      help="rich terminal output instead of the TUI")
    mode.add_argument("--summary", action="store_true",
                      help="counts only, as text (with --json: as one JSON object)")
    r.add_argument("--json", action="store_true",
                   help="one JSON object per turn (with --summary: the counts)")
    r.add_argument("--delay", type=float, default=1.5,
                   help="seconds per turn when playing in the TUI (default 1.5)")
    again = r.add_argument_group("re-run")
    again.add_argument("--against", metavar="MODEL",
                       help="send every stored probe again (same messages, context, parameters "
                            "and seed) to MODEL and save a new session that names its source; "
                            "prints each turn's flags before → after and the totals")
    again.add_argument("--tier", choices=TIERS, help="with --against: re-render fresh turns "
                                                     "for this tier")
    again.add_argument("--sessions-dir", help="where the re-run's session goes")
    add_reading_options(again)
    r.set_defaults(func=run_replay)


def run_sessions(args: argparse.Namespace) -> int:
    entries = list_sessions(sessions_dir(args.sessions_dir))
    if args.json:
        print(safe_json([e.record() if isinstance(e, SessionSummary)
                          else {"path": str(e[0]), "error": e[1]} for e in entries], indent=2))
        return 0
    table = Table(box=None, header_style="bold")
    for column in ("name", "created", "turns", "models", "tiers", "flags"):
        table.add_column(column)
    for entry in entries:
        if isinstance(entry, tuple):
            table.add_row(Text(entry[0].name), Text(f"unreadable: {entry[1]}", style="red"))
            continue
        flags = ", ".join(f"{k} {v}" for k, v in sorted(entry.flags.items()))
        table.add_row(*(Text(safe_text(str(c))) for c in (
            entry.path.name, entry.created[:19], entry.turns, ", ".join(entry.models),
            ", ".join(entry.tiers), flags)))
    Console().print(table)
    return 0


def summary_text(summary: SessionSummary) -> Text:
    """A session's counts for people: turns by status, models, tiers and flags."""
    text = Text(safe_text(f"{summary.name}: {summary.turns} turns"), style="bold")
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(summary.statuses.items()))
    text.append(safe_text(f" ({statuses})\n") if statuses else "\n")
    text.append(safe_text(f"models: {', '.join(summary.models) or '–'}\n"
                          f"tiers: {', '.join(summary.tiers) or '–'}\n"))
    flags = ", ".join(f"{name} {count}" for name, count in sorted(summary.flags.items()))
    text.append(safe_text(f"flags: {flags or 'none'}"))
    if summary.problems:
        text.append(safe_text(f"\n{len(summary.problems)} damaged lines skipped"), style="yellow")
    return text


STREAM_BYTES = 16 << 20


def turns_of(loaded: LoadedSession) -> Iterable[dict[str, Any]]:
    """A session's turns in order, streamed when it was loaded lazily."""
    stream = getattr(loaded.turns, "stream", None)
    return stream() if stream is not None else loaded.turns


def run_replay(args: argparse.Namespace) -> int:
    if args.tier and not args.against:
        raise SashellError("--tier re-runs a session: use it with --against MODEL")
    if args.against:
        return run_rerun(args)
    tui = not (args.plain or args.json or args.summary) and sys.stdin.isatty() \
        and sys.stdout.isatty()
    # A large session is printed a turn at a time (decoded lazily, not kept): memory stays
    # bounded. Smaller ones are read whole first, so damage is reported before anything.
    try:
        large = Path(args.file).stat().st_size > STREAM_BYTES
    except OSError:
        large = False
    loaded = load_session(Path(args.file), summary_only=args.summary,
                          lazy=tui or (large and not args.summary))
    note = loaded.problem_summary()
    if not loaded.turns:
        raise SashellError(f"{args.file}: no readable turns" + (f" ({note})" if note else ""))
    if tui:
        from sashell.core.shell import ProbeShell
        from sashell.tui.app import run_replay_tui

        run_replay_tui(ProbeShell(sessions_dir=sessions_dir(args.sessions_dir)),
                       Path(args.file), args.delay)
        return 0
    console = Console(highlight=False)
    if args.summary and args.json:
        print(safe_json(summarize(loaded).record()))
    elif args.summary:
        console.print(summary_text(summarize(loaded)))
    elif args.json:
        for turn in turns_of(loaded):
            fresh, differences = reannotate(turn)
            print(safe_json({**turn, "annotations": fresh, "stored_annotations":
                              turn.get("annotations"), "differences": differences}))
    else:
        for turn in turns_of(loaded):
            fresh, differences = reannotate(turn)
            label = turn_label(turn)
            console.rule(Text(f"#{turn.get('turn')} {safe_text(str(label))} · {turn.get('status')}"),
                         style="dim")
            console.print(Text(f"› {safe_text(str(turn.get('probe', '')))}", style="bold"))
            console.print(reply_text(str(turn.get("reply", "")), fresh))
            console.print(badges(fresh))
            for reading in lens_readings(turn):
                console.print(letters_table(reading, str(turn.get("reply", ""))))
            for difference in differences:
                console.print(Text(f"  changed since recorded: {safe_text(difference)}",
                                   style="yellow"))
    if note:
        print(f"sashell: warning: {note}", file=sys.stderr)
    return 0


if TYPE_CHECKING:
    from sashell.core.rerun import RerunPair, RerunResult


def _flags(names: list[str]) -> str:
    return ", ".join(names) if names else "–"


def rerun_table(result: RerunResult) -> Table:
    table = Table(title=f"re-run against {safe_text(result.model)}"
                        + (f" · tier {result.tier}" if result.tier else ""),
                  title_justify="left", header_style="bold")
    for column in ("turn", "probe", "before", "after"):
        table.add_column(column)
    for pair in result.pairs:
        after = Text(_flags(pair.new_flags) if pair.new is not None else f"skipped: {pair.note}",
                     style="bold yellow" if pair.changed else ("dim" if pair.new is None else ""))
        if pair.new is not None and pair.new.get("status") != "complete":
            after.append(f" ({pair.new.get('status')}: {safe_text(str(pair.note))})", style="red")
        table.add_row(f"{pair.source.get('turn')} → {pair.new_turn or '–'}",
                      Text(safe_text(str(pair.source.get("probe", "")))[:48]),
                      Text(_flags(pair.source_flags)), after)
    return table


def totals_table(result: RerunResult) -> Group:
    """The flag counts before and after, under a line with the totals (a line of its own: as a
    caption it would wrap to the width of a table that may have no rows)."""
    totals = result.totals()
    line = Text(f"totals over {totals['rerun']} re-run turns: {totals['changed']} changed, "
                f"{totals['skipped']} skipped")
    if not totals["flags"]:
        return Group(line, Text("no flags before or after", style="dim"))
    table = Table(header_style="bold")
    for column in ("flag", "before", "after"):
        table.add_column(column)
    for name, counts in totals["flags"].items():
        table.add_row(safe_text(name), str(counts["source"]), str(counts["new"]))
    return Group(line, table)


def run_rerun(args: argparse.Namespace) -> int:
    import asyncio

    from sashell.core.registry import load_registry
    from sashell.core.rerun import rerun_session

    loaded = load_session(Path(args.file))
    if not loaded.turns:
        raise SashellError(f"{args.file}: no readable turns")
    registry = load_registry()
    model = registry.get(args.against)
    judge = registry.get(args.judge) if args.judge else None
    err = Console(stderr=True, highlight=False)

    def progress(pair: RerunPair) -> None:
        if not args.json and not args.summary:
            err.print(f"turn {pair.source.get('turn')}: {_flags(pair.source_flags)} → "
                      f"{_flags(pair.new_flags) if pair.new is not None else 'skipped'}",
                      markup=False)

    result = asyncio.run(rerun_session(loaded, model, args.tier, sessions_dir(args.sessions_dir),
                                       targets_of(args), judge, progress))
    if args.json:
        print(safe_json(result.record()))
    elif args.summary:
        print(safe_json({"source": str(result.source), "session": str(result.session),
                          **result.totals()}))
    else:
        console = Console(highlight=False)
        console.print(rerun_table(result))
        console.print(totals_table(result))
        console.print(Text(f"new session: {result.session} (source: {result.source})", style="dim"))
    return 0
