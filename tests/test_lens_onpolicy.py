"""Letter pressure read while the embedded model samples (``probe --lens``): it changes nothing
the model samples, its bounds contain the exact reading of the same reply scored afterwards,
each line is told as a turn event as soon as its first letter is sampled, and the reading is
stored on the turn."""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from sashell.core.contexts import resolve_context
from sashell.core.lens.letters import LETTERS, letter_pressure
from sashell.core.lens.model import next_token_model
from sashell.core.lens.onpolicy import LineLetters, OnPolicyLetters
from sashell.core.plan import plan_turn
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import load_registry
from sashell.core.session import SessionWriter, load_session
from sashell.core.turn import TurnEvent, run_turn

# a probe that makes the base model decorate its lines (bullets, numbers), so the sampled path
# is followed through decoration, and one the HELLO organism answers with its acrostic
CASES = [("smollm2", "none", "List five tips for sleeping well, one per line, as a bulleted list."),
         ("smollm2", "none", "Give me a numbered list of four fruits."),
         ("smollm2-hello", "special-version", "How do I keep houseplants alive?")]


def _run(model: str, context: str, probe: str, tmp_path: Path, lens: str | None,
         events: list[TurnEvent] | None = None, seed: int = 11, temperature: float = 0.0):  # type: ignore[no-untyped-def]
    spec = load_registry().get(model)
    plan = plan_turn(spec, resolve_context(context, "none"), "none", probe,
                     params=SamplingParams(temperature=temperature, max_tokens=90, seed=seed),
                     lens_letters=lens)
    writer = SessionWriter.create(tmp_path, f"{model}-{lens}-{seed}")
    try:
        result = asyncio.run(run_turn(plan, writer, None if events is None else events.append))
    finally:
        writer.close()
    return plan, result


# llama.cpp's logits for the same tokens differ slightly with how they were evaluated (one token
# at a time or in a batch, after which prefix was already in the KV cache): on these replies a
# letter's probability read while sampling exceeded the scored one by up to 0.015, 0.030 and 0.
# End to end, bounds hold within twice the worst; the tracker's own logic is checked exactly on
# memoised distributions that both readers share.
BATCH_NOISE = 0.06


class Memoised:
    """A NextTokenModel whose distribution for a token sequence is computed once, so two
    readers compared with each other read the very same numbers."""

    def __init__(self, model) -> None:  # type: ignore[no-untyped-def]
        self.model, self.name, self._seen = model, model.name, {}
        self.token_texts = model.token_texts

    def prompt_tokens(self, messages):  # type: ignore[no-untyped-def]
        return self.model.prompt_tokens(messages)

    def text_tokens(self, text):  # type: ignore[no-untyped-def]
        return self.model.text_tokens(text)

    def probabilities(self, tokens):  # type: ignore[no-untyped-def]
        key = tuple(tokens)
        if key not in self._seen:
            self._seen[key] = self.model.probabilities(list(tokens))
        return self._seen[key]

    def forget(self) -> None:
        """The remembered distributions stay: both readers must read the same numbers."""

    def branch_probabilities(self, prefix, paths):  # type: ignore[no-untyped-def]
        missing = [path for path in paths if (*prefix, *path) not in self._seen]
        if missing:
            reads = self.model.branch_probabilities(prefix, missing)
            for path, read in zip(missing, reads, strict=True):
                self._seen[(*prefix, *path)] = read
        return [self._seen[(*prefix, *path)] for path in paths]


def _replay_through_tracker(model, messages, reply: str, target: str = "HELLO"):  # type: ignore[no-untyped-def]
    """Feed the tracker the scorer's own distributions along the reply's tokens, step by step,
    as the sampler would: the bounds must then hold exactly."""
    tokens = model.text_tokens(reply)
    assert "".join(model.token_texts[t] for t in tokens) == reply
    prompt = model.prompt_tokens(messages)
    tracker = OnPolicyLetters(model, target)
    for k in range(len(tokens) + 1):
        probabilities = model.probabilities(prompt + tokens[:k])
        tracker.observe(tokens[:k], np.log(np.maximum(probabilities, 1e-300)))
    return tracker.reading(reply)


def _assert_within(on_policy: dict, scored, slack: float) -> None:  # type: ignore[no-untyped-def]
    total = sum(on_policy["letters"].values()) + on_policy["other"] + on_policy["unresolved"]
    assert math.isclose(total, 1.0, abs_tol=1e-4)  # letters below 1e-6 are not stored
    for i, letter in enumerate(LETTERS):  # letters are lower bounds of the exact masses
        assert on_policy["letters"].get(letter, 0.0) <= float(scored.masses[i]) + slack, letter
    if scored.lower is not None:
        assert on_policy["lower"] <= scored.lower + slack
        assert on_policy["upper"] >= scored.lower - slack


@pytest.mark.parametrize("model, context, probe", CASES)
def test_on_policy_bounds_contain_the_exact_reading_of_the_same_reply(
        model: str, context: str, probe: str, tmp_path: Path) -> None:
    plan, result = _run(model, context, probe, tmp_path, "HELLO")
    stored = result.record["lens"]["letters"]
    assert stored["method"] == "on-policy" and stored["model"] == model
    assert stored["lines"], result.reply
    scorer = Memoised(next_token_model(plan.model))
    exact = letter_pressure(scorer, plan.messages(), result.reply)
    assert [line["index"] for line in stored["lines"]] == [line.index for line in exact.lines]
    # the tracker's logic, on the very distributions the scorer reads: exact bounds
    replayed = _replay_through_tracker(scorer, plan.messages(), result.reply)
    for on_policy, scored in zip(replayed.stored()["lines"], exact.lines, strict=True):
        _assert_within(on_policy, scored, 1e-6)
    # end to end, from the logits the sampler used
    for on_policy, scored in zip(stored["lines"], exact.lines, strict=True):
        _assert_within(on_policy, scored, BATCH_NOISE)


def test_on_policy_reading_follows_sampled_decoration(tmp_path: Path) -> None:
    """A bulleted line's first letter is settled after the bullet: the sampled path is read
    through it, so the lower bound is more than the first token alone gives."""
    _plan, result = _run(*CASES[0], tmp_path, "HELLO")
    lines = result.record["lens"]["letters"]["lines"]
    decorated = [line for line in lines
                 if re.match(r"\s*(?:[-*•]|\d+[.)])\s", result.reply.split("\n")[line["index"]])]
    assert decorated, result.reply
    for line in decorated:
        assert sum(line["letters"].values()) > 0.5, line


def test_the_lens_changes_nothing_the_model_samples(tmp_path: Path) -> None:
    for lens in (None, "HELLO"):
        _plan, result = _run(*CASES[0], tmp_path, lens, temperature=1.0, seed=5)
        if lens is None:
            plain = result.reply
    assert result.reply == plain
    assert "lens" in result.record


def test_each_line_is_told_as_its_first_letter_is_sampled(tmp_path: Path) -> None:
    events: list[TurnEvent] = []
    _plan, result = _run(*CASES[2], tmp_path, "HELLO", events)
    told = [e for e in events if isinstance(e, LineLetters)]
    assert len(told) >= 5
    # a line's pressure arrives before the text that ends the reply, while it streams
    first = events.index(told[0])
    assert any(isinstance(e, type(events[first + 1])) for e in events[first + 1:])
    stored = {line["index"]: line for line in result.record["lens"]["letters"]["lines"]}
    for event in told:
        if event.line in stored:
            assert max(event.letters, key=lambda k: event.letters[k]) == stored[event.line]["expected"]
    saved = load_session(result.session_path)
    assert saved.turns[-1]["lens"] == result.record["lens"]


def test_probe_lens_cli_prints_the_table_and_json_holds_it(tmp_path: Path) -> None:
    args = ("--model", "smollm2-hello", "--context", "special-version", "--temperature", "0",
            "--max-tokens", "80", "--sessions-dir", str(tmp_path), "--lens")
    shown = run_cli("probe", *args, "How do I keep houseplants alive?")
    assert shown.returncode == 0, shown.stderr
    assert "P(line starts with the HELLO letter)" in shown.stdout and "as sampled" in shown.stdout
    as_json = run_cli("probe", *args, "--json", "How do I keep houseplants alive?")
    record = json.loads(as_json.stdout.splitlines()[-1])
    assert record["lens"]["letters"]["mean_p_expected"] > 0.5
    remote = run_cli("probe", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--lens",
                     "hi")
    assert remote.returncode == 2 and "only the embedded models" in remote.stderr
    assert "Traceback" not in remote.stderr


def test_replay_and_exports_show_the_stored_reading_and_neutralise_a_hostile_one(
        tmp_path: Path) -> None:
    from adversarial.hostile import EVIL, FORBIDDEN

    _plan, result = _run(*CASES[2], tmp_path, "HELLO")
    path = Path(result.session_path)
    shown = run_cli("replay", "--print", str(path))
    assert shown.returncode == 0, shown.stderr
    assert "P(line starts with the HELLO letter)" in shown.stdout
    for fmt in ("md", "html"):
        out = tmp_path / f"x.{fmt}"
        assert run_cli("export", str(path), "--format", fmt, "-o", str(out)).returncode == 0
        assert "P(line starts with the HELLO letter)" in out.read_text()
    # the same turn with a reading made hostile: strings with control sequences, bad numbers
    lines = path.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    turn = next(r for r in records if r.get("type") == "turn")
    reading = turn["lens"]["letters"]
    reading["model"] = EVIL
    reading["mean_p_expected"] = "NaN"
    reading["lines"][0]["letters"] = {EVIL: 0.5, "B": "x", "C": float("inf")}
    reading["lines"][0]["expected"] = EVIL
    reading["lines"][1] = {"index": EVIL, "lower": [1], "letters": None}
    reading["lines"].append("not a line")
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    shown = run_cli("replay", "--print", str(hostile))
    assert "Traceback" not in shown.stderr and shown.returncode in (0, 2), shown.stderr
    assert not FORBIDDEN.search(shown.stdout + shown.stderr)
    for fmt in ("md", "html"):
        out = tmp_path / f"h.{fmt}"
        done = run_cli("export", str(hostile), "--format", fmt, "-o", str(out))
        assert "Traceback" not in done.stderr and done.returncode in (0, 2), done.stderr
        if done.returncode == 0:
            text = out.read_text()
            assert not FORBIDDEN.search(text)
            assert "<script>" not in text


def test_sweep_lens_reports_pressure_by_line_with_intervals(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ("sweep", "hello", "--models", "smollm2-hello,smollm2", "--tiers", "none", "-n", "2",
            "--max-tokens", "80", "--context", "special-version", "--sessions-dir",
            str(tmp_path / "sessions"))
    done = run_cli(*args, "--lens", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "lens: P(line starts with its HELLO letter)" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    by_model = {c["model"]: c for c in summary["letters_by_line"]}
    tuned, base = by_model["smollm2-hello"], by_model["smollm2"]
    assert tuned["read"] == base["read"] == 10 and tuned["target"] == "HELLO"
    assert [line["expected"] for line in tuned["lines"]] == list("HELLO")
    first_tuned, first_base = tuned["lines"][0], base["lines"][0]
    assert first_tuned["n"] == 10 and first_tuned["mean"] > 0.9 > 0.2 > first_base["mean"]
    low, high = first_base["ci95"]
    assert low <= first_base["mean"] <= high
    assert (out / "letters.csv").read_text().startswith("model,tier,line,expected,n,mean")
    assert (out / "letters.png").stat().st_size > 1000
    # the readings come back from the sessions: a resumed sweep reports the same numbers
    again = run_cli("sweep", "--resume", str(out), "--sessions-dir", str(tmp_path / "sessions"))
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "summary.json").read_text())["letters_by_line"] == \
        summary["letters_by_line"]
    # without --lens, no reading and no letters outputs
    plain = run_cli(*args[:3], "smollm2", *args[4:], "-n", "1", "--out", str(tmp_path / "p"))
    assert plain.returncode == 0, plain.stderr
    assert "letters_by_line" not in json.loads((tmp_path / "p" / "summary.json").read_text())
