"""`sashell probes`: the probe library (shipped sets, ./prompts and $SASHELL_PROMPTS_DIR), or one
set's probes."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sashell.core.probes import probe_library, resolve_probe_set
from sashell.present.render import safe_json, safe_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "probes", help="list the probe library, or the probes of one set",
        description="List the probe sets sashell finds (./prompts/probes, $SASHELL_PROMPTS_DIR "
                    "and the shipped sets; a name found earlier shadows a later one), or with "
                    "SET the probes of that set or file.")
    parser.add_argument("set", nargs="?", metavar="SET", help="a set name or a probe file")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if args.set:
        probe_set = resolve_probe_set(args.set)
        items = [{"id": p.id, "text": p.text, "scale": list(p.scale) if p.scale else None,
                  "targets": list(probe_set.targets_for(p))} for p in probe_set.items]
        if args.json:
            print(safe_json({"name": probe_set.name, "path": probe_set.path, "probes": items}))
            return 0
        table = Table(title=safe_text(f"{probe_set.name}: {probe_set.description}"),
                      title_justify="left")
        for column in ("id", "probe", "scale"):
            table.add_column(column, overflow="fold")
        for item in items:
            scale = item["scale"]
            table.add_row(Text(safe_text(str(item["id"]))), Text(safe_text(str(item["text"]))),
                          f"{scale[0]:g}–{scale[1]:g}" if scale else "")
        console.print(table)
        return 0
    sets = probe_library()
    if args.json:
        print(safe_json([{"name": s.name, "probes": len(s.items), "description": s.description,
                           "targets": list(s.targets), "path": s.path} for s in sets]))
        return 0
    table = Table(title="probe library", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("probes", justify="right")
    table.add_column("description", overflow="fold", ratio=2)
    table.add_column("file", overflow="fold", ratio=1)
    for s in sets:
        summary = s.description.split(". ")[0].rstrip(".")
        table.add_row(Text(safe_text(s.name)), str(len(s.items)), Text(safe_text(summary)),
                      Text(safe_text(s.path or ""), style="dim"))
    console.print(table)
    return 0
