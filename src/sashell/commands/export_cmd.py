"""`sashell export`: a saved session in formats other tools read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sashell.core.errors import SashellError
from sashell.core.session import load_session
from sashell.present.exporters import FORMATS, export_session

SUFFIX = {"md": ".md", "html": ".html", "jsonl": ".chat.jsonl", "inspect": ".eval"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export", help="export a session as Markdown, HTML, fine-tuning JSONL or an Inspect log",
        description="Export a saved session: md (Markdown), html (one self-contained file with "
                    "badges and highlighted acrostic letters), jsonl (OpenAI chat fine-tuning "
                    "format: one example per complete turn, so a session becomes a dataset), or "
                    "inspect (an Inspect AI eval log, one sample per turn, that `inspect view` "
                    "opens; needs the 'inspect' extra). The session file is never modified.")
    p.add_argument("file", help="session file (.jsonl)")
    p.add_argument("--format", "-f", choices=FORMATS, required=True)
    p.add_argument("-o", "--out", help="output file (default: beside the session, new suffix)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_session(Path(args.file))
    out = Path(args.out) if args.out else Path(args.file).with_suffix(SUFFIX[args.format])
    if out.resolve() == Path(args.file).resolve():
        raise SashellError("the output would overwrite the session file; pass another -o")
    skipped = export_session(loaded, args.format, out)
    note = loaded.problem_summary()
    if note:
        print(f"sashell: warning: {note}", file=sys.stderr)
    for reason in skipped[:5]:
        print(f"sashell: left out {reason}", file=sys.stderr)
    if len(skipped) > 5:
        print(f"sashell: left out {len(skipped) - 5} more turns", file=sys.stderr)
    print(f"wrote {out} ({len(loaded.turns) - len(skipped)} turns)")
    return 0
