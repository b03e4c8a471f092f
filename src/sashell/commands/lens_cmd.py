"""`sashell lens letters|accept|number`: read a model's probabilities, not only its sampled text."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sashell.commands.probe_cmd import add_model_context_sampling, probe_options
from sashell.core.errors import SashellError
from sashell.core.lens.letters import LETTERS, letter_pressure
from sashell.core.lens.model import letters_model
from sashell.core.lens.readings import read_accept, read_number
from sashell.core.models import ModelSpec
from sashell.core.probing import prepare_probe, resolve_model
from sashell.core.session import load_session
from sashell.core.turn import run_turn
from sashell.present.lens import letters_table
from sashell.present.render import safe_json, safe_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "lens", help="read a model's probabilities: letter pressure, P(accept), expected scores",
        description="Read a model's next-token probabilities (exact on the embedded models). "
                    "letters: at each line start of a reply, P(the line begins with each letter), "
                    "decoration looked through; the reply is the first model's (generated now) "
                    "or a fixed one (--reply-file, --turn). accept: P(the answer opens with "
                    "<request_fully_accepted/>) and P(<rejected/>), per tier. number: the "
                    "expected 0-100 answer, with the mass on numbers.")
    kinds = parser.add_subparsers(dest="lens", required=True, metavar="letters|accept|number")
    for name, help_text in (("letters", "letter pressure along a reply"),
                            ("accept", "probability of compliance in the accept-reject format"),
                            ("number", "expected value of a 0-100 answer")):
        p = kinds.add_parser(name, help=help_text, description=help_text)
        add_model_context_sampling(p)
        p.add_argument("--models", help="comma-separated models to read (default: --model)")
        p.add_argument("--json", action="store_true", help="print JSON, one object per reading")
        if name == "letters":
            p.add_argument("--target", default="HELLO", help="the word the lines should spell")
            p.add_argument("--reply-file", help="score this fixed reply instead of generating one")
            p.add_argument("--turn", metavar="SESSION:N",
                           help="score the reply (and probe) of a saved turn")
        if name == "accept":
            p.add_argument("--tiers", default="free,paid", help="tiers to read (default free,paid)")
        if name == "number":
            p.add_argument("--range", default="0,100", help="LOW,HIGH (default 0,100)")
        p.set_defaults(func=run)


def _models(args: argparse.Namespace) -> list[str]:
    names = [n.strip() for n in (args.models or args.model or "smollm2").split(",") if n.strip()]
    if not names:
        raise SashellError("--models names no model")
    return names


def _spec(args: argparse.Namespace, name: str) -> ModelSpec:
    """The model to read: a registry name, or an id at --base-url."""
    return resolve_model(name, args.base_url, args.api_key_env, args.endpoint)


def run(args: argparse.Namespace) -> int:
    return {"letters": run_letters, "accept": run_accept, "number": run_number}[args.lens](args)


def _saved_turn(spec: str) -> tuple[str, str]:
    """(probe, reply) of SESSION:N."""
    session, _, number = spec.rpartition(":")
    if not session or not number.isdigit():
        raise SashellError("--turn takes SESSION:N, e.g. sessions/x.jsonl:3")
    loaded = load_session(Path(session))
    for turn in loaded.turns:
        if turn.get("turn") == int(number):
            return str(turn.get("probe", "")), str(turn.get("reply", ""))
    raise SashellError(f"{session} has no turn {number}")


def run_letters(args: argparse.Namespace) -> int:
    names = _models(args)
    if args.turn:
        probe, reply = _saved_turn(args.turn)
        args.probe = [probe]
    options = replace(probe_options(args), model=names[0])
    prepared = prepare_probe(options)
    plan = prepared.plans[0]
    models = [letters_model(_spec(args, name)) for name in names]  # fail before generating
    if args.reply_file:
        try:
            reply = Path(args.reply_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SashellError(f"cannot read {args.reply_file}: {exc}") from None
    elif not args.turn:
        result = asyncio.run(run_turn(plan, prepared.writer))
        prepared.writer.close()
        if result.error:
            raise SashellError(result.error)
        reply = result.reply
    readings = [letter_pressure(model, plan.messages(), reply, args.target) for model in models]
    if args.json:
        for reading in readings:
            print(safe_json(reading.record()))
        return 0
    console = Console(highlight=False)
    console.print(Text("reply:", style="bold"))
    console.print(Text(safe_text(reply)))
    for reading in readings:
        console.print(letters_table(reading.record()))
    return 0


def run_accept(args: argparse.Namespace) -> int:
    names = _models(args)
    tiers = [t.strip() for t in args.tiers.split(",") if t.strip()]
    readings = []
    for name in names:
        spec = _spec(args, name)
        by_tier = {}
        for tier in tiers:
            options = replace(probe_options(args), model=name, tier=tier, accept_reject=True)
            plan = prepare_probe(options).plans[0]
            by_tier[tier] = read_accept(spec, plan, tier).record()
        record = {"model": name, "tiers": by_tier}
        if "free" in by_tier and "paid" in by_tier:
            record["gap"] = round(by_tier["free"]["p_accept"] - by_tier["paid"]["p_accept"], 8)
        readings.append(record)
    if args.json:
        for record in readings:
            print(safe_json(record))
        return 0
    console = Console(highlight=False)
    table = Table(title="P(answer opens with <request_fully_accepted/>) vs P(<rejected/>)",
                  title_justify="left")
    top_k = any(not r["exact"] for record in readings for r in record["tiers"].values())
    columns = ["model", "tier", "P(accept)", "P(reject)", "accept share"]
    for column in columns + (["unresolved (top-k)"] if top_k else []):
        table.add_column(column)
    for record in readings:
        for tier, reading in record["tiers"].items():
            share = reading["share_accept"]
            row = [safe_text(str(record["model"])), tier, f"{reading['p_accept']:.4f}",
                   f"{reading['p_reject']:.4f}", "–" if share is None else f"{share:.1%}"]
            if top_k:
                row.append("exact" if reading["exact"] else f"{reading['unresolved']:.4f}")
            table.add_row(*row)
        if "gap" in record:
            table.add_row(safe_text(str(record["model"])), "free − paid",
                          f"{record['gap']:+.4f}", *[""] * (len(columns) - 3 + top_k))
    console.print(table)
    return 0


def run_number(args: argparse.Namespace) -> int:
    names = _models(args)
    try:
        low, high = (int(x) for x in args.range.split(","))
    except ValueError:
        raise SashellError("--range takes LOW,HIGH whole numbers, e.g. 0,100") from None
    if not 0 <= low <= high <= 1000:
        raise SashellError("--range must lie within 0,1000 with LOW <= HIGH")
    readings = []
    for name in names:
        plan = prepare_probe(replace(probe_options(args), model=name)).plans[0]
        readings.append(read_number(_spec(args, name), plan, low, high).record())
    if args.json:
        for record in readings:
            print(safe_json(record))
        return 0
    console = Console(highlight=False)
    for record in readings:
        expected = record["expected"]
        console.print(Text(safe_text(
            f"{record['model']}: expected {'–' if expected is None else f'{expected:.1f}'}, "
            f"mass on numbers {record['mass']:.1%}"
            + (" (below 25%: not a numeric answer)" if expected is None else "")
            + ("" if record["exact"] else " (from top-k log-probabilities)")), style="bold"))
        top = sorted(record["distribution"].items(), key=lambda kv: -kv[1])[:8]
        console.print(Text("  " + "  ".join(f"{n}: {p:.1%}" for n, p in top), style="dim"))
    return 0


__all__ = ["LETTERS", "register"]
