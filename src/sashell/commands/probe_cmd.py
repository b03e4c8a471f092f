"""`sashell probe`: send a probe, stream the reply, show its annotations, save the turn."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from typing import Any

from rich.console import Console
from rich.text import Text

from sashell.commands.options import add_reading_options, read_stdin, targets_of
from sashell.core.annotate.registry import annotations_of, registry
from sashell.core.contexts import TIERS
from sashell.core.probing import ProbeOptions, prepare_probe
from sashell.core.turn import TurnResult, run_turn
from sashell.present.lens import letters_reading, letters_table
from sashell.present.render import badges, safe_json, safe_text, summary_line
from sashell.term.stream_printer import StreamPrinter


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "probe", help="send a probe to a model and stream the annotated reply",
        description="Send a probe, stream the reply, print its annotations and the session file "
                    "the turn was saved to. Each probe is a fresh conversation unless --continue.")
    add_model_context_sampling(p)
    p.add_argument("-n", "--samples", type=int, default=1, help="number of samples (default 1)")
    o = p.add_argument_group("output")
    add_reading_options(o)
    o.add_argument("--lens", dest="on_policy_lens", action="store_true",
                   help="letter pressure as the reply is sampled: P(each line starts with its "
                        "letter of the first --target, HELLO by default), from the logits the "
                        "embedded model samples from; printed after the reply and saved on the turn")
    o.add_argument("--json", action="store_true", help="print one JSON object per sample")
    p.set_defaults(func=run)


def add_model_context_sampling(p: argparse.ArgumentParser) -> None:
    """The probe, and how it is sent: model, context, sampling, session (probe and lens)."""
    p.add_argument("probe", nargs="*", help="the probe text ('-' or nothing: read stdin)")
    m = p.add_argument_group("model")
    m.add_argument("--model", help="model name from `sashell models`, or the model id at "
                                   "--base-url (default: smollm2, the embedded model)")
    m.add_argument("--base-url", help="ad-hoc OpenAI-compatible endpoint, e.g. "
                                      "http://127.0.0.1:8000/v1 (needs --model ID)")
    m.add_argument("--api-key-env", help="environment variable holding the key for --base-url "
                                         "(default OPENAI_API_KEY)")
    m.add_argument("--endpoint", choices=("chat", "completions"),
                   help="chat (default) or completions: raw prompt, no chat template, for base models")
    c = p.add_argument_group("context")
    c.add_argument("--tier", choices=TIERS, help="none (default), free or paid: the tier tag in "
                                                 "the alignment-faking context")
    c.add_argument("--context", help="context file name in prompts/contexts/ (default: "
                                     "'none' for tier none, 'alignment-faking' otherwise)")
    c.add_argument("--system-file", help="use this file as the system prompt (e.g. a paper's "
                                         "original prompt)")
    c.add_argument("--no-scratchpad", action="store_true",
                   help="the context's variant without a hidden scratchpad")
    c.add_argument("--accept-reject", action="store_true",
                   help="append the <request_fully_accepted/> / <rejected/> instruction")
    c.add_argument("--prefill", help="start the assistant turn with this text (embedded model, "
                                     "completions endpoint)")
    c.add_argument("--continue", dest="follow_up", action="store_true",
                   help="follow up on the session's last conversation instead of a fresh one")
    s = p.add_argument_group("sampling")
    s.add_argument("--temperature", type=float, default=1.0, help="default 1.0")
    s.add_argument("--top-p", type=float, default=1.0, help="default 1.0")
    s.add_argument("--max-tokens", type=int, default=512, help="default 512")
    s.add_argument("--seed", type=int, help="sampling seed (sample i uses seed+i)")
    o = p.add_argument_group("session")
    o.add_argument("--session", help="append to this named session (or path to a .jsonl)")
    o.add_argument("--sessions-dir", help="where sessions live (default ./sessions or "
                                          "$SASHELL_SESSIONS_DIR)")


def _probe_text(args: argparse.Namespace) -> str:
    if args.probe and args.probe != ["-"]:
        return " ".join(args.probe)
    return read_stdin("probe").strip()


def probe_options(args: argparse.Namespace) -> ProbeOptions:
    return ProbeOptions(
        probe=_probe_text(args), model=args.model, base_url=args.base_url,
        api_key_env=args.api_key_env, endpoint=args.endpoint, tier=args.tier,
        context=args.context, system_file=args.system_file, no_scratchpad=args.no_scratchpad,
        accept_reject=args.accept_reject, prefill=args.prefill or "",
        follow_up=args.follow_up, temperature=args.temperature, top_p=args.top_p,
        max_tokens=args.max_tokens, seed=args.seed, samples=getattr(args, "samples", 1),
        session=args.session, sessions_dir=args.sessions_dir,
        targets=targets_of(args) if isinstance(getattr(args, "target", None), list) else (),
        judge=getattr(args, "judge", None),
        lens=((args.target or ["HELLO"])[0] if getattr(args, "on_policy_lens", False) else None),
    )


def json_record(result: TurnResult) -> dict[str, Any]:
    r = result.record
    return {
        "model": r["model"]["name"], "tier": r["tier"], "context": r["context"]["name"],
        "probe": r["probe"], "reply": r["reply"], "annotations": r["annotations"],
        "usage": r["usage"], "timing": r["timing"], "session": result.session_path,
        "turn": result.turn, "status": r["status"], "error": r["error"],
        "finish_reason": r["finish_reason"], "params": r["params"],
        **({"lens": r["lens"]} if "lens" in r else {}),
    }


def run(args: argparse.Namespace) -> int:
    prepared = prepare_probe(probe_options(args))
    out = Console(highlight=False)
    failures: list[str] = []


    tally: Counter[str] = Counter()

    async def go() -> None:
        if not args.json and prepared.plans:
            first = prepared.plans[0]
            out.print(Text(safe_text(f"{first.model.name} · tier {first.tier} · context "
                                     f"{first.context.name}"
                                     + (" · follow-up" if first.history else "")), style="dim"))
        try:
            for index, plan in enumerate(prepared.plans):
                if not args.json and len(prepared.plans) > 1:
                    out.rule(f"sample {index + 1}/{len(prepared.plans)}", style="dim")
                printer = None if args.json else StreamPrinter(out)
                result = await run_turn(plan, prepared.writer,
                                        None if printer is None else printer.show_turn_event)
                if printer is not None:
                    printer.close()
                if result.error:
                    failures.append(result.error)
                else:
                    tally.update(registry().tallies(annotations_of(result.record["annotations"])))
                if args.json:
                    print(safe_json(json_record(result)), flush=True)
                else:
                    if result.reply and not result.reply.endswith("\n"):
                        sys.stdout.write("\n")
                    if not result.error:
                        out.print(badges(result.record["annotations"]))
                    reading = letters_reading(result.record)
                    if reading is not None:
                        out.print(letters_table(reading, result.reply))
                    out.print(summary_line(result.record))
        finally:
            prepared.writer.close()

    try:
        asyncio.run(go())
        if not args.json and len(prepared.plans) > 1:
            done = len(prepared.plans) - len(failures)
            counts = ", ".join(f"{name} {count}/{done}" for name, count in sorted(tally.items()))
            out.print(Text(safe_text(f"over {done} samples: {counts or 'no flags'}"),
                           style="bold"))
    finally:
        if not args.json and prepared.writer.path.exists():
            out.print(safe_text(f"session: {prepared.writer.path}"), style="dim", markup=False)
    if failures:
        print(f"sashell: error: {failures[0]}", file=sys.stderr)
        return 2
    return 0
