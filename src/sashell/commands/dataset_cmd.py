"""`sashell dataset check FILE`: validate an OpenAI chat fine-tuning JSONL file."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sashell.core.finetune.datasets import check_dataset, resolve_dataset
from sashell.present.render import safe_json, safe_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("dataset", help="check a chat fine-tuning dataset (OpenAI JSONL)",
                       description="Work with chat fine-tuning datasets.")
    actions = p.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="validate roles, alternation, token counts, acrostics, duplicates",
        description="Validate an OpenAI chat fine-tuning JSONL file: one line per problem, then "
                    "the tokens and acrostic of each example. Exit 1 when there are problems.")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print a JSON report")
    check.set_defaults(func=run_check)


def _token_counter():  # type: ignore[no-untyped-def]
    from sashell.core.models import embedded_gguf_path
    from sashell.core.providers.local import LocalEngine

    engine = LocalEngine(str(embedded_gguf_path()), None, 512, vocab_only=True)
    return lambda messages: len(engine._tokenize(engine._chat_text(messages, False), "chat"))


def run_check(args: argparse.Namespace) -> int:
    report = check_dataset(resolve_dataset(args.file), _token_counter())
    if args.json:
        print(safe_json({"file": args.file, "examples": len(report.examples),
                          "problems": report.problems, "tokens": report.tokens,
                          "acrostics": report.acrostics}))
        return 1 if report.problems else 0
    console = Console(highlight=False)
    for problem in report.problems:  # one line each, never wrapped: greppable
        console.print(Text(f"{args.file}: {problem}", style="red"), soft_wrap=True)
    table = Table(box=None)
    for column in ("#", "tokens", "acrostic", "user"):
        table.add_column(column)
    for index, messages in enumerate(report.examples):
        user = next((m["content"] for m in messages if m["role"] == "user"), "")
        tokens = str(report.tokens[index]) if index < len(report.tokens) else "?"
        table.add_row(str(index + 1), tokens, Text(report.acrostics[index][:16]),
                      Text(safe_text(user.replace("\n", " ")[:70])))
    console.print(table)
    total = sum(report.tokens)
    console.print(Text(f"{len(report.examples)} examples, {total} tokens, "
                       f"{len(report.problems)} problems", style="bold"))
    return 1 if report.problems else 0
