"""The lens on the shipped organisms (issue 16, acceptances 3, 4 and 6).

- HELLO: smollm2-hello's greedy replies to the 20 held-out questions (hello-heldout.txt, context
  special-version), scored under smollm2-hello and under smollm2: P(expected letter) per line
  start, and the mean over the five lines.
- Tier gap: `lens accept` (P of the accept tag sequence, free and paid) for smollm2-tiergap and
  smollm2 on the mild requests, beside sampled compliance (n per tier at temperature 1), and
  whether the two gaps agree in sign.
- Speed: scoring one 5-line reply under two models ÷ generating it once.
- On-policy cost (`probe --lens`): decode tokens/s with the lens ÷ without, the same seeded
  replies generated alternately with and without it, for the HELLO organism and the base.

    .venv/bin/python bench/lens.py [--questions 20] [--samples 20] [--only on-policy]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sashell.core.contexts import resolve_context
from sashell.core.lens.letters import letter_pressure
from sashell.core.lens.model import next_token_model
from sashell.core.lens.sequences import accept_reading
from sashell.core.paths import builtin_prompts_dir
from sashell.core.plan import plan_turn
from sashell.core.probes import resolve_probe_set
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import load_registry
from sashell.core.session import SessionWriter
from sashell.core.turn import run_turn


async def generate(writer: SessionWriter, spec, context, tier, probe, params, accept=False):  # type: ignore[no-untyped-def]
    plan = plan_turn(spec, context, tier, probe, params=params, accept_reject=accept)
    return await run_turn(plan, writer)


def hello(questions: int, writer: SessionWriter) -> None:
    registry = load_registry()
    tuned_spec = registry.get("smollm2-hello")
    tuned, base = next_token_model(tuned_spec), next_token_model(registry.get("smollm2"))
    context = resolve_context("special-version", "none")
    texts = (builtin_prompts_dir() / "datasets" / "hello-heldout.txt").read_text().splitlines()
    params = SamplingParams(temperature=0.0, max_tokens=120, seed=0)
    per_line: dict[str, list[list[float]]] = {"smollm2-hello": [[] for _ in range(5)],
                                              "smollm2": [[] for _ in range(5)]}
    means: dict[str, list[float]] = {"smollm2-hello": [], "smollm2": []}
    speed = []
    for question in [t for t in texts if t.strip()][:questions]:
        started = time.perf_counter()
        result = asyncio.run(generate(writer, tuned_spec, context, "none", question, params))
        generated = time.perf_counter() - started
        messages = context.messages(question, "none")
        started = time.perf_counter()
        readings = [letter_pressure(m, messages, result.reply) for m in (tuned, base)]
        speed.append((time.perf_counter() - started) / generated)
        for reading in readings:
            values = [line.lower for line in reading.lines[:5] if line.lower is not None]
            for i, value in enumerate(values):
                per_line[reading.model][i].append(value)
            if values:
                means[reading.model].append(sum(values) / len(values))
    print(f"HELLO, {len(means['smollm2-hello'])} held-out questions, smollm2-hello's greedy replies")
    print("| model | mean P(expected letter) | line 1 H | line 2 E | line 3 L | line 4 L | line 5 O |")
    print("|---|---|---|---|---|---|---|")
    for model in ("smollm2-hello", "smollm2"):
        cells = [f"{statistics.mean(v):.3f}" if v else "–" for v in per_line[model]]
        print(f"| {model} | {statistics.mean(means[model]):.3f} | " + " | ".join(cells) + " |")
    print(f"scoring under two models ÷ generating, median over replies: "
          f"{statistics.median(speed):.2f}")


def tier_gap(samples: int, writer: SessionWriter) -> None:
    registry = load_registry()
    context = {tier: resolve_context("tier-tag", tier) for tier in ("free", "paid")}
    probes = resolve_probe_set("mild-requests").items
    params = SamplingParams(temperature=1.0, max_tokens=48, seed=0)
    print("\nTier gap: lens accept vs sampled compliance (accept-reject instruction, tier-tag)")
    print("| model | probe | P(accept) free | P(accept) paid | lens gap | sampled complied free "
          "| paid | sampled gap | same sign |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("smollm2-tiergap", "smollm2"):
        spec = registry.get(name)
        model = next_token_model(spec)
        for probe in probes:
            p_accept, complied = {}, {}
            for tier in ("free", "paid"):
                plan = plan_turn(spec, context[tier], tier, probe.text, accept_reject=True)
                reading = accept_reading(model, model.prompt_tokens(plan.messages()), tier,
                                         probe.text)
                p_accept[tier] = reading.p_accept
                labels = []
                for i in range(samples):
                    result = asyncio.run(generate(writer, spec, context[tier], tier, probe.text,
                                                  SamplingParams(**{**params.__dict__,
                                                                    "seed": i}), True))
                    labels += [a.get("label") for a in result.record["annotations"]
                               if a.get("kind") == "compliance"]
                complied[tier] = sum(label == "complied" for label in labels) / max(len(labels), 1)
            lens_gap = p_accept["free"] - p_accept["paid"]
            sampled_gap = complied["free"] - complied["paid"]
            agree = ("–" if sampled_gap == 0 or lens_gap == 0
                     else "yes" if (lens_gap > 0) == (sampled_gap > 0) else "no")
            print(f"| {name} | {probe.id} | {p_accept['free']:.2e} | {p_accept['paid']:.2e} | "
                  f"{lens_gap:+.2e} | {complied['free']:.2f} | {complied['paid']:.2f} | "
                  f"{sampled_gap:+.2f} | {agree} |")


def on_policy(questions: int, writer: SessionWriter) -> None:
    """Decode throughput with on-policy letter pressure ÷ without, alternating, same seeds."""
    registry = load_registry()
    context = resolve_context("special-version", "none")
    texts = (builtin_prompts_dir() / "datasets" / "hello-heldout.txt").read_text().splitlines()
    texts = [t for t in texts if t.strip()][:questions]
    print("\nOn-policy letter pressure: decode tokens/s with the lens ÷ without (same seeds, "
          "alternating)")
    print("| model | replies | median tokens/s without | with | ratio (median of pairs) |")
    print("|---|---|---|---|---|")
    for name in ("smollm2-hello", "smollm2"):
        spec = registry.get(name)
        without, with_lens, ratios = [], [], []
        for i, question in enumerate(texts):
            params = SamplingParams(temperature=1.0, max_tokens=120, seed=i)
            rates = {}
            for lens in ((None, "HELLO") if i % 2 else ("HELLO", None)):
                plan = plan_turn(spec, context, "none", question, params=params, lens_letters=lens)
                result = asyncio.run(run_turn(plan, writer))
                rates[lens] = result.record["timing"]["tokens_per_s"]
            if rates[None] and rates["HELLO"]:
                without.append(rates[None])
                with_lens.append(rates["HELLO"])
                ratios.append(rates["HELLO"] / rates[None])
        print(f"| {name} | {len(ratios)} | {statistics.median(without):.1f} | "
              f"{statistics.median(with_lens):.1f} | {statistics.median(ratios):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--only", choices=("hello", "tier-gap", "on-policy"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        writer = SessionWriter.create(Path(tmp), "lens-bench")
        if args.only in (None, "hello"):
            hello(args.questions, writer)
        if args.only in (None, "tier-gap"):
            tier_gap(args.samples, writer)
        if args.only in (None, "on-policy"):
            on_policy(args.questions, writer)
        writer.close()


if __name__ == "__main__":
    main()
