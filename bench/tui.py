"""TUI speed (issue 4, acceptances 3 and 4).

1. Start-up: process start to first paint of `SashellApp`, ÷ the same for a minimal Textual app
   (one Static) in the same run. Both run headless in a fresh interpreter, measured 5 times.
2. Throughput: tokens/s of a reply streamed into the TUI (the turn's decode rate, with the app's
   event loop rendering every update) ÷ raw llama-cpp-python on the same prompt and parameters
   (run in a separate process, alternating with the TUI runs), 5 rounds. Also ÷ the same
   provider streaming the same reply just before in the same process with the app idle: that
   isolates the UI's cost from the machine's speed drifting between runs.
3. Responsiveness: while 4 compare panes stream, the worst delay of a 10 ms timer on the app's
   event loop (what a keypress would wait for).

    .venv/bin/python bench/tui.py
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

FIRST_PAINT = """
import sys, time
start = float(sys.argv[1])
from textual.app import App
from textual.widgets import Static
MODE = sys.argv[2]
if MODE == "sashell":
    from sashell.core.shell import ProbeShell
    from sashell.tui.app import SashellApp
    app = SashellApp(ProbeShell())
else:
    class Minimal(App):
        def compose(self):
            yield Static("hello")
    app = Minimal()
def painted():
    print(time.time() - start)
    app.exit()
app.call_after_refresh(painted)
app.run(headless=True)
"""

ROUNDS = 5  # the machine's own speed drifts between runs; alternate and take medians
PROBE = "Write a detailed, step-by-step guide to baking sourdough bread at home."


def first_paint(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", FIRST_PAINT, str(time.time()), mode],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


async def tui_throughput(max_tokens: int) -> tuple[float, float, float, float, float]:
    """(tokens/s of a reply streamed into the TUI, the same reply's tokens/s when the same
    provider streams it with the app idle — run just before, in this process —, the worst
    event-loop delay while 4 panes stream, and the share of a core the event loop's thread used
    while the reply streamed with the app idle and into the TUI)."""
    from sashell.core.shell import Condition, ProbeShell
    from sashell.tui.app import SashellApp
    from sashell.tui.widgets import TurnView

    with tempfile.TemporaryDirectory() as tmp:
        shell = ProbeShell(sessions_dir=Path(tmp))
        shell.params = replace(shell.params, temperature=0.0, max_tokens=max_tokens, seed=1)
        app = SashellApp(shell, cursor_blink=False)
        async with app.run_test(size=(120, 40)):
            await shell.run(shell.plan("warm up", Condition(shell.model, "none")))  # load model
            cpu, wall = time.thread_time(), time.perf_counter()  # the event loop's thread
            idle = await shell.run(shell.plan(PROBE, Condition(shell.model, "none"), follow=False),
                                   remember=False)
            loop_idle = (time.thread_time() - cpu) / (time.perf_counter() - wall)
            headless = float(idle.record["timing"]["tokens_per_s"])
            cpu, wall = time.thread_time(), time.perf_counter()
            app.send(PROBE)
            # Poll with a plain sleep: Pilot.pause() makes every widget process its messages,
            # work the app does not do by itself, which would be charged to the TUI.
            while not app.query(TurnView):
                await asyncio.sleep(0.01)
            view = app.query(TurnView).first()
            while not view.record:
                await asyncio.sleep(0.05)
            loop_tui = (time.thread_time() - cpu) / (time.perf_counter() - wall)
            record = view.record
            assert record is not None
            tps = float(record["timing"]["tokens_per_s"])
            # responsiveness while 4 panes stream (2 models x 2 tiers)
            shell.params = replace(shell.params, max_tokens=96)
            app.compare = "grid"
            lags: list[float] = []
            stop = False

            async def ticker() -> None:
                while not stop:
                    before = time.perf_counter()
                    await asyncio.sleep(0.01)
                    lags.append(time.perf_counter() - before - 0.01)

            tick = asyncio.ensure_future(ticker())
            app.send("Write a short poem about the sea.")
            while len(app.query(TurnView)) < 5:
                await asyncio.sleep(0.01)
            views = list(app.query(TurnView))
            while not all(v.record for v in views):
                await asyncio.sleep(0.05)
            stop = True
            await tick
        return tps, headless, max(lags), loop_idle, loop_tui


RAW = """
import sys
sys.path.insert(0, sys.argv[2])
from stream import raw_tokens_per_s
from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from sashell.core.models import embedded_gguf_path
from sashell.core.providers.local import _threads
threads = _threads()
llm = Llama(model_path=str(embedded_gguf_path()), n_ctx=0, n_threads=threads,
            n_threads_batch=threads, n_batch=512, verbose=False)
prompt = Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"], "<|im_end|>",
                             "<|im_start|>")(messages=[{"role": "user", "content": sys.argv[3]}]).prompt
tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
print(raw_tokens_per_s(llm, tokens, int(sys.argv[1]))[0])
"""


def raw_throughput(max_tokens: int) -> float:
    """Raw llama-cpp-python in its own process (a second model in this one would share its
    thread pool with the TUI's and distort both)."""
    out = subprocess.run([sys.executable, "-c", RAW, str(max_tokens), str(Path(__file__).parent),
                          PROBE], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import os

    os.environ.setdefault("SASHELL_CACHE_DIR", tempfile.mkdtemp())
    (Path(os.environ["SASHELL_CACHE_DIR"]) / "sashell.toml").write_text("")
    paints = {mode: [first_paint(mode) for _ in range(5)] for mode in ("minimal", "sashell")}
    ours, base = statistics.median(paints["sashell"]), statistics.median(paints["minimal"])
    print(f"first paint: sashell {ours:.3f}s, minimal Textual app {base:.3f}s, "
          f"ratio {ours / base:.2f}")
    ratios, raws, tuis, idle_ratios = [], [], [], []
    for _ in range(ROUNDS):
        raw = raw_throughput(256)
        tui, headless, worst_lag, loop_idle, loop_tui = asyncio.run(tui_throughput(256))
        ratios.append(tui / raw)
        idle_ratios.append(tui / headless)
        raws.append(raw)
        tuis.append(tui)
        print(f"throughput: raw {raw:.1f} tok/s, in the TUI {tui:.1f} tok/s, ratio {tui / raw:.3f}; "
              f"same provider with the app idle {headless:.1f} tok/s, TUI ÷ idle "
              f"{tui / headless:.3f}; event loop's CPU while streaming: idle app "
              f"{loop_idle:.0%}, TUI {loop_tui:.0%} of a core; worst event-loop delay while 4 panes "
              f"stream: {worst_lag * 1000:.0f} ms")
    print(f"median throughput ratio {statistics.median(ratios):.3f}; median TUI ÷ median raw "
          f"{statistics.median(tuis) / statistics.median(raws):.3f} (goal >= 0.9); median TUI ÷ "
          f"idle, same process {statistics.median(idle_ratios):.3f}")


if __name__ == "__main__":
    main()
