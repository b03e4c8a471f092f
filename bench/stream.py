"""Streaming speed: tokens/s through `sashell probe` ÷ raw llama-cpp-python, same prompt and params.

Both sides decode the same greedy continuation of the same chat prompt with the same sampler
settings and thread count; tokens/s is (completion tokens - 1) / (end - first token), the decode
phase, on both sides. Rounds alternate raw and sashell runs so machine noise hits both alike.

    .venv/bin/python bench/stream.py [--rounds 5] [--max-tokens 256]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from sashell.core.models import embedded_gguf_path
from sashell.core.providers.local import _threads
from sashell.core.session import load_session

PROBE = "Write a detailed, step-by-step guide to baking sourdough bread at home."


def raw_tokens_per_s(llm, tokens: list[int], max_tokens: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    llm.reset()
    start = time.perf_counter()
    first = None
    count = 0
    for chunk in llm.create_completion(prompt=tokens, max_tokens=max_tokens, temperature=0.0,
                                       top_p=1.0, top_k=0, min_p=0.0, repeat_penalty=1.0,
                                       seed=1, stream=True):
        if chunk["choices"][0]["text"]:
            count += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    generated = llm.n_tokens - len(tokens) + 1
    assert first is not None and start
    return (generated - 1) / (end - first), generated


def sashell_tokens_per_s(max_tokens: int, cache: str) -> tuple[float, int]:
    """Plain mode, as a user runs it: the reply is streamed to stdout (a pipe here) through the
    StreamPrinter; the turn's timing is read back from the session file."""
    sessions = os.path.join(cache, "sessions")
    subprocess.run(
        [sys.executable, "-m", "sashell", "probe", "--temperature", "0", "--seed", "1",
         "--max-tokens", str(max_tokens), "--session", "bench", "--sessions-dir", sessions, PROBE],
        capture_output=True, text=True, check=True, env={**os.environ, "SASHELL_CACHE_DIR": cache},
    )
    record = load_session(os.path.join(sessions, "bench.jsonl")).turns[-1]
    return float(record["timing"]["tokens_per_s"]), int(record["usage"]["completion_tokens"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    from llama_cpp import Llama

    threads = _threads()
    llm = Llama(model_path=str(embedded_gguf_path()), n_ctx=0, n_threads=threads,
                n_threads_batch=threads, n_batch=512, verbose=False)
    template = llm.metadata["tokenizer.chat_template"]
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    prompt = Jinja2ChatFormatter(template, "<|im_end|>", "<|im_start|>")(
        messages=[{"role": "user", "content": PROBE}]).prompt
    tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    ratios, raws, ours = [], [], []
    with tempfile.TemporaryDirectory() as cache:
        sashell_tokens_per_s(16, cache)  # warm the page cache for the model file
        for _ in range(args.rounds):
            raw, n_raw = raw_tokens_per_s(llm, tokens, args.max_tokens)
            mine, n_mine = sashell_tokens_per_s(args.max_tokens, cache)
            if n_raw != n_mine:
                print(f"warning: token counts differ (raw {n_raw}, sashell {n_mine})")
            raws.append(raw)
            ours.append(mine)
            ratios.append(mine / raw)
            print(f"raw {raw:7.1f} tok/s   sashell {mine:7.1f} tok/s   ratio {mine / raw:.3f}  "
                  f"({n_mine} tokens)")
    print(f"median: raw {statistics.median(raws):.1f} tok/s, sashell {statistics.median(ours):.1f} "
          f"tok/s, ratio {statistics.median(ratios):.3f} (goal >= 0.95)")


if __name__ == "__main__":
    main()
