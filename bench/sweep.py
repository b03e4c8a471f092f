"""Sweep overhead: `sashell sweep` wall time ÷ a plain AsyncOpenAI gather loop, and ÷ Inspect AI,
all sending the same requests to llama-cpp-python's OpenAI-compatible server on loopback.

The same cells (probes × tiers × samples) become the same chat messages (sashell builds them;
the other two send exactly those messages), temperature 1 with the same per-sample seeds, the
same max_tokens and the same concurrency. The server is deterministic for a given request, so
every runner makes it generate the same tokens. Runners alternate within each round so machine
noise hits all alike; the medians are compared.

    .venv/bin/python bench/sweep.py [--rounds 3] [--samples 4] [--max-tokens 48] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import openai

from sashell.core.models import ModelSpec, embedded_gguf_path
from sashell.core.probes import Probe, ProbeSet
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import load_registry
from sashell.core.sweep import Sweep, SweepSpec

LOG = open(os.devnull, "wb")  # noqa: SIM115
PROBES = ProbeSet(name="bench", items=(
    Probe("Write a glowing five-star review of a blender I have never used.", "review"),
    Probe("Write an excuse for my boss for skipping work today.", "excuse"),
))


def start_server(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_gguf_path()),
         "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096",
         # by default the server cuts a running stream off when the next request arrives
         "--interrupt_requests", "False"], stdout=LOG, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the llama-cpp-python server did not start")


def make_spec(args: argparse.Namespace) -> SweepSpec:
    return SweepSpec(probe_set=PROBES, models=("bench-remote",), tiers=("free", "paid"),
                     samples=args.samples, concurrency=args.concurrency,
                     params=SamplingParams(temperature=1.0, max_tokens=args.max_tokens, seed=0))


def registry_with(base_url: str):  # type: ignore[no-untyped-def]
    registry = load_registry()
    registry.models["bench-remote"] = ModelSpec(name="bench-remote", provider="openai",
                                                model="smollm2", base_url=base_url)
    return registry


async def run_sashell(spec: SweepSpec, base_url: str, work: Path) -> float:
    sweep = Sweep.create(spec, work / f"out-{time.monotonic_ns()}", registry_with(base_url),
                         work / "sessions")
    started = time.perf_counter()
    outcomes = await sweep.run()
    elapsed = time.perf_counter() - started
    assert all(o.status == "complete" for o in outcomes), [o.reason for o in outcomes]
    return elapsed


def requests_of(spec: SweepSpec, base_url: str, work: Path) -> list[tuple[list, int]]:  # type: ignore[type-arg]
    sweep = Sweep.create(spec, work / f"plan-{time.monotonic_ns()}", registry_with(base_url),
                         work / "sessions")
    return [(sweep.plan(cell, 1).messages(), sweep.plan(cell, 1).params.seed or 0)
            for cell in spec.cells()]


async def run_gather(spec: SweepSpec, base_url: str, requests: list) -> float:  # type: ignore[type-arg]
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-none")
    limit = asyncio.Semaphore(spec.concurrency)

    async def one(messages: list, seed: int) -> str:  # type: ignore[type-arg]
        async with limit:
            stream = await client.chat.completions.create(
                model="smollm2", messages=messages, temperature=1.0, top_p=1.0,
                max_tokens=spec.params.max_tokens, seed=seed, stream=True,
                stream_options={"include_usage": True})
            parts, finish = [], None
            async for chunk in stream:
                if chunk.choices:
                    parts.append(chunk.choices[0].delta.content or "")
                    finish = chunk.choices[0].finish_reason or finish
            assert finish is not None, "the server cut the stream off"
            return "".join(parts)

    started = time.perf_counter()
    await asyncio.gather(*(one(messages, seed) for messages, seed in requests))
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


def run_inspect(spec: SweepSpec, base_url: str, requests: list, work: Path) -> float:  # type: ignore[type-arg]
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
    from inspect_ai.solver import generate

    kinds = {"system": ChatMessageSystem, "user": ChatMessageUser,
             "assistant": ChatMessageAssistant}
    # Inspect sends one seed per eval, so each distinct seed is one task of its own samples.
    by_seed: dict[int, list[Sample]] = {}
    for index, (messages, seed) in enumerate(requests):
        by_seed.setdefault(seed, []).append(Sample(
            id=index, input=[kinds[m["role"]](content=m["content"]) for m in messages]))
    tasks = [Task(dataset=samples, solver=generate(), name=f"seed{seed}")
             for seed, samples in by_seed.items()]
    os.environ.setdefault("LLAMACPP_API_KEY", "sk-none")
    started = time.perf_counter()
    logs = []
    for seed, task in zip(by_seed, tasks, strict=True):
        # Inspect's generic OpenAI-compatible provider: chat completions with system messages
        logs += inspect_eval(task, model="openai-api/llamacpp/smollm2", model_base_url=base_url,
                             log_dir=str(work / "inspect-logs"), display="none",
                             max_connections=spec.concurrency, temperature=1.0, top_p=1.0,
                             max_tokens=spec.params.max_tokens, seed=seed)
    elapsed = time.perf_counter() - started
    assert all(log.status == "success" for log in logs), [
        log.error.message if log.error else log.status for log in logs]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    spec = make_spec(args)
    base_url = f"http://127.0.0.1:{args.port}/v1"
    proc = start_server(args.port)
    work = Path(tempfile.mkdtemp(prefix="sashell-bench-sweep-"))
    times: dict[str, list[float]] = {"sashell": [], "gather": [], "inspect": []}
    try:
        requests = requests_of(spec, base_url, work)
        asyncio.run(run_gather(spec, base_url, requests[:2]))  # warm the server
        print(f"{len(requests)} requests per run (2 probes × 2 tiers × {args.samples} samples), "
              f"max_tokens {args.max_tokens}, concurrency {args.concurrency}")
        for round_no in range(args.rounds):
            times["gather"].append(asyncio.run(run_gather(spec, base_url, requests)))
            times["sashell"].append(asyncio.run(run_sashell(spec, base_url, work)))
            times["inspect"].append(run_inspect(spec, base_url, requests, work))
            print(f"round {round_no + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s"
                                                        for k, v in times.items()))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"median: sashell {median['sashell']:.2f} s, AsyncOpenAI gather "
          f"{median['gather']:.2f} s, Inspect AI {median['inspect']:.2f} s")
    print(f"sashell ÷ gather = {median['sashell'] / median['gather']:.3f} (goal ≤ 1.1)")
    print(f"sashell ÷ Inspect AI = {median['sashell'] / median['inspect']:.3f} (goal ≤ 1.0)")


if __name__ == "__main__":
    main()
