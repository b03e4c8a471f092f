"""`sashell annotate`: run the annotators on any text (a file or stdin)."""

from __future__ import annotations

import argparse
import codecs
import sys
from collections.abc import Iterator
from typing import BinaryIO

from rich.console import Console
from rich.text import Text

from sashell.commands.options import add_reading_options, targets_of
from sashell.core.annotate import AnnotationInput, AnnotationSet
from sashell.core.errors import SashellError
from sashell.present.render import badges, reply_lines, safe_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("annotate", help="run the annotators on text from a file or stdin",
                       description="Run the same annotators as live probing on any text.")
    p.add_argument("file", nargs="?", default="-", help="text file ('-' or nothing: stdin)")
    p.add_argument("--probe", default="", help="the probe the text answers (for self-reports)")
    add_reading_options(p)
    p.add_argument("--json", action="store_true", help='print {"annotations": [...]}')
    p.set_defaults(func=run)


PRINT_BATCH = 500
READ_CHUNK = 1 << 20


def _chunks(args: argparse.Namespace) -> Iterator[str]:
    """The text, a megabyte at a time: a file strictly as UTF-8, stdin keeping bytes that are
    not UTF-8 (they are shown as escapes, never echoed)."""
    errors = "surrogateescape" if args.file == "-" else "strict"
    decoder = codecs.getincrementaldecoder("utf-8")(errors)
    if args.file == "-" and getattr(sys.stdin, "buffer", None) is None:  # a text stream
        yield sys.stdin.read()
        return
    try:
        source: BinaryIO = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        raise SashellError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    if args.file == "-" and source.isatty():
        raise SashellError("no text given (pass a file, or pipe it on stdin)")
    try:
        while chunk := source.read(READ_CHUNK):
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise SashellError(f"cannot read {args.file}: {exc}") from None
    finally:
        if source is not sys.stdin.buffer:
            source.close()


def _file_lines(path: str) -> Iterator[str]:
    ended = True  # an empty file is one empty line
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            ended = line.endswith("\n")
            yield line.removesuffix("\n")
    if ended:  # the text's last line is the empty one after its newline
        yield ""


def run(args: argparse.Namespace) -> int:
    """Annotate a megabyte at a time and print a batch of lines at a time, so memory stays
    bounded by the annotators' state, not the text (stdin in plain mode keeps the text)."""
    annotations_set = AnnotationSet(AnnotationInput(probe=args.probe, targets=targets_of(args)))
    kept: list[str] | None = [] if (args.file == "-" and not args.json) or args.judge else None
    for text in _chunks(args):
        annotations_set.feed(text)
        annotations_set.catch_up()
        if kept is not None:
            kept.append(text)
    annotations = [a.record() for a in annotations_set.finish()]
    if args.judge:
        import asyncio

        from sashell.core.judging import add_judgements
        from sashell.core.registry import load_registry

        judge = load_registry().get(args.judge)
        asyncio.run(add_judgements(annotations, args.probe, "".join(kept or []), judge))
    if args.json:
        print(safe_json({"annotations": annotations}))
        return 0
    console = Console(highlight=False)
    source = "".join(kept) if kept is not None else _file_lines(args.file)
    batch: list[Text] = []
    for line in reply_lines(source, annotations):  # a batch of lines at a time
        batch.append(line)
        if len(batch) == PRINT_BATCH:
            console.print(Text("\n").join(batch))
            batch.clear()
    if batch:
        console.print(Text("\n").join(batch))
    console.print(badges(annotations))
    return 0
