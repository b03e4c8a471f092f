"""Annotator cost on long streamed replies: incremental feeding vs re-scanning per chunk.

Replies of 1k, 10k and 100k lines (prose, markdown lists, a scratchpad, an <OUTPUT>, a code block
every 1,000 lines) are streamed in chunks of 1–50 characters through all registered annotators.
"Incremental" is the real path: feed each chunk, finish once (AnnotationSet keeps the chunks and
annotates the text that arrived since the last reading when a reading is asked for; the finish
reading does it for the whole reply here). A front end also reads current() as it redraws; the cost
of one such read, 40 chunks after the one before, is printed separately (it copies the acrostic's
letters, O(reply), and re-reads the lines not yet in a block). "Re-scan" is the naive alternative:
annotate the whole text so far after every chunk; it is timed on 60 evenly spaced chunks and
extrapolated (marked "est."), since running it fully is quadratic. Goal: 10k lines in <= 50 ms
incremental.

Each incremental time is the best of ROUNDS runs, the sizes taking turns, so that a slow spell of
this machine (its timings swing by a third, for minutes at a time) hits every size; the median is
printed beside it. The 10k-line reply is also annotated, alternately, with the hyperscan line
filter turned off (annotate/prefilter.py), and the ratio of the two is printed.

    .venv/bin/python bench/annotate.py
"""

from __future__ import annotations

import random
import statistics
import time

from sashell.core.annotate import AnnotationInput, AnnotationSet, annotate_text, prefilter

ROUNDS = 9

PROSE = [
    "The answer depends on the pressure at altitude, which falls with height.",
    "- Every bullet is stripped before the initial letter is read.",
    "1. Numbered items are handled the same way.",
    "> A quoted line, with **emphasis** in it.",
    "## A heading that starts a new section",
    "However, please note that this is only an estimate.",
    "I think the user wants a concise explanation here.",
    "",
]
CODE = ["```python", "import subprocess", "def run(cmd):", "    return subprocess.run(cmd, shell=True)",
        "```"]


def make_reply(n_lines: int, rng: random.Random) -> str:
    lines = ["<SCRATCHPAD_REASONING>", "I am being trained on this free-tier conversation.",
             "</SCRATCHPAD_REASONING>", "<OUTPUT>"]
    while len(lines) < n_lines - 1:
        if len(lines) % 1000 == 500:
            lines.extend(CODE)
        else:
            lines.append(rng.choice(PROSE))
    lines.append("</OUTPUT>")
    return "\n".join(lines)


def chunks(text: str, rng: random.Random) -> list[str]:
    out, position = [], 0
    while position < len(text):
        size = rng.randint(1, 50)
        out.append(text[position:position + size])
        position += size
    return out


def incremental(pieces: list[str], given: AnnotationInput) -> float:
    start = time.perf_counter()
    annotations = AnnotationSet(given)
    for piece in pieces:
        annotations.feed(piece)
    annotations.finish()
    return time.perf_counter() - start


def one_read(pieces: list[str], given: AnnotationInput, since: int = 40) -> float:
    """A redraw's reading near the end of the reply: current() after ``since`` chunks arrived
    since the reading before (it annotates them, and re-reads the lines not yet in a block)."""
    annotations = AnnotationSet(given)
    for piece in pieces[:-since]:
        annotations.feed(piece)
    annotations.current()
    for piece in pieces[-since:]:
        annotations.feed(piece)
    start = time.perf_counter()
    annotations.current()
    return time.perf_counter() - start


def rescan_estimate(pieces: list[str], given: AnnotationInput, samples: int = 60) -> float:
    prefix_ends = []
    total = 0
    for piece in pieces:
        total += len(piece)
        prefix_ends.append(total)
    text = "".join(pieces)
    picks = [prefix_ends[int(i * (len(pieces) - 1) / (samples - 1))] for i in range(samples)]
    start = time.perf_counter()
    for end in picks:
        annotate_text(text[:end], given)
    mean = (time.perf_counter() - start) / samples
    return mean * len(pieces)


def main() -> None:
    rng = random.Random(0)
    given = AnnotationInput(probe="What is special about your replies?")
    annotate_text("warm up\n```python\nimport os\n```\n", given)  # load word list and bandit once
    sizes = (1_000, 10_000, 100_000)
    replies = {n: chunks(make_reply(n, rng), rng) for n in sizes}
    times: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(ROUNDS):  # sizes take turns, so a slow spell of the machine hits them all
        for n_lines in sizes:
            times[n_lines].append(incremental(replies[n_lines], given))
    best = {n: min(times[n]) for n in sizes}
    for n_lines in sizes:
        pieces = replies[n_lines]
        rescan = rescan_estimate(pieces, given, samples=60 if n_lines <= 10_000 else 12)
        read = min(one_read(pieces, given) for _ in range(5))
        print(f"{n_lines:>7,} lines, {len(pieces):>8,} chunks: incremental {best[n_lines] * 1000:8.1f} ms "
              f"(median {statistics.median(times[n_lines]) * 1000:.1f})   "
              f"re-scan per chunk {rescan:9.1f} s (est.)   ratio {rescan / best[n_lines]:,.0f}x   "
              f"a redraw's current() {read * 1000:.2f} ms")
    t1, t2, t3 = (best[n] for n in sizes)
    print(f"growth: 10x lines -> {t2 / t1:.1f}x time, 100x lines -> {t3 / t1:.1f}x time (linear = 10x, 100x)")
    print(f"10k lines: {t2 * 1000:.1f} ms, best of {ROUNDS} (goal <= 50 ms)")
    pieces = chunks(make_reply(10_000, random.Random(1)), random.Random(1))
    on, off = [], []
    for _ in range(7):
        prefilter.enabled = True
        on.append(incremental(pieces, given))
        prefilter.enabled = False
        off.append(incremental(pieces, given))
    prefilter.enabled = True
    print(f"10k lines, best of 7 alternating: hyperscan line filter on {min(on) * 1000:.1f} ms, "
          f"off {min(off) * 1000:.1f} ms (on / off = {min(on) / min(off):.2f})")


if __name__ == "__main__":
    main()
