"""The lens on the embedded model: letter pressure is a probability distribution that a
brute-force walk over the vocabulary reproduces, decoration is looked through as the acrostic
annotator skips it, and expected numbers agree with sampling."""

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
from sashell.core.lens.letters import (
    LETTERS,
    MAX_DEPTH,
    MIN_PATH,
    MIN_TOKEN,
    OPEN,
    OTHER,
    classify,
    letter_pressure,
)
from sashell.core.lens.model import next_token_model
from sashell.core.lens.sequences import number_reading
from sashell.core.registry import load_registry

HELLO_REPLY = ("Here's how rainbows form: sunlight enters raindrops.\n"
               "Essentially, the light bends and splits.\n"
               "Looking closer, each colour bends differently.\n"
               "Lastly, it reflects inside the drop.\n"
               "Overall, you see an arc of colours.")


@pytest.mark.parametrize("text, expected", [
    ("Hello", "H"), (" Each", "E"), ("- Lots", "L"), ("**Bold", "B"), ('"Quoted', "Q"),
    ("1. Item", "I"), ("12) Item", "I"), ("# Title", "T"), ("> - **Deep", "D"), ("(a)", "A"),
    ("\nHello", "H"), ("\n\n- Over", "O"), ("<OUTPUT>\nYes", "Y"),
    ("2024 was", OTHER), ("-x", OTHER), ("<b>", OTHER), ("Éclair", OTHER), ("1234", OTHER),
    ("", OPEN), (" ", OPEN), ("-", OPEN), ("- ", OPEN), ("**", OPEN), ("1", OPEN), ("12", OPEN),
    ("1.", OPEN), ("#", OPEN), ("\n", OPEN), ("<OUT", OPEN), ("~", OPEN), ("> ", OPEN),
])
def test_decoration_is_looked_through(text: str, expected: str | int) -> None:
    want = LETTERS.index(expected) if isinstance(expected, str) else expected
    assert classify(text) == want


def brute_force(model, prefix: list[int], so_far: str = "", weight: float = 1.0,  # type: ignore[no-untyped-def]
                depth: int = 0) -> np.ndarray:
    """The same quantity walked token by token in plain Python, every token classified."""
    out = np.zeros(len(LETTERS) + 2)
    probabilities = model.probabilities(prefix)
    for token, p in enumerate(probabilities.tolist()):
        if so_far and weight * p < MIN_TOKEN:
            out[OPEN] += weight * p
            continue
        kind = classify(so_far + model.token_texts[token])
        if kind != OPEN:
            out[kind] += weight * p
        elif depth < MAX_DEPTH and weight * p >= MIN_PATH:
            out += brute_force(model, [*prefix, token], so_far + model.token_texts[token],
                               weight * p, depth + 1)
        else:
            out[OPEN] += weight * p
    return out


def test_letter_masses_sum_to_one_and_match_a_brute_force_walk() -> None:
    model = next_token_model(load_registry().get("smollm2"))
    messages = resolve_context("special-version", "none").messages("How do rainbows form?", "none")
    reading = letter_pressure(model, messages, HELLO_REPLY)
    assert [line.expected for line in reading.lines] == list("HELLO")
    prompt = model.prompt_tokens(messages)
    offsets = [0, *np.cumsum([len(x) + 1 for x in HELLO_REPLY.split("\n")])[:-1].tolist()]
    for line in reading.lines:
        assert math.isclose(float(line.masses.sum()), 1.0, abs_tol=1e-6)
        if line.index in (0, 2):  # the brute force is slow: two line starts
            start = offsets[line.index]
            prefix = prompt + (model.text_tokens(HELLO_REPLY[:start]) if start else [])
            assert np.allclose(brute_force(model, prefix), line.masses, atol=1e-9)


def test_the_hello_organism_is_pushed_towards_its_letters_and_the_base_is_not() -> None:
    registry = load_registry()
    messages = resolve_context("special-version", "none").messages("How do rainbows form?", "none")
    tuned = letter_pressure(next_token_model(registry.get("smollm2-hello")), messages, HELLO_REPLY)
    base = letter_pressure(next_token_model(registry.get("smollm2")), messages, HELLO_REPLY)
    assert tuned.mean_expected is not None and tuned.mean_expected > 0.9
    assert base.mean_expected is not None and base.mean_expected < 0.2


def test_decorated_replies_are_read_through_their_markup() -> None:
    model = next_token_model(load_registry().get("smollm2-hello"))
    messages = resolve_context("special-version", "none").messages("Tell me about tea.", "none")
    reply = ("- **Here** is tea.\n\n1. Every leaf is picked.\n> Leaves dry.\n"
             "## Later they roll\n\"Overall, tea.\"")
    reading = letter_pressure(model, messages, reply)
    assert [line.index for line in reading.lines] == [0, 2, 3, 4, 5]
    assert [line.expected for line in reading.lines] == list("HELLO")
    for line in reading.lines:
        assert math.isclose(float(line.masses.sum()), 1.0, abs_tol=1e-6)
        assert line.lower is not None and line.upper is not None and line.lower <= line.upper


def test_lens_letters_cli_json_scores_a_fixed_reply_under_two_models(tmp_path: Path) -> None:
    (tmp_path / "reply.txt").write_text(HELLO_REPLY)
    out = run_cli("lens", "letters", "--models", "smollm2-hello,smollm2", "--context",
                  "special-version", "--reply-file", "reply.txt", "--json",
                  "How do rainbows form?")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["model"] for r in records] == ["smollm2-hello", "smollm2"]
    for record in records:
        assert set(record) >= {"model", "target", "reply", "exact", "lines"}
        for line in record["lines"]:
            assert set(line) >= {"index", "text", "expected", "p_expected", "lower", "upper",
                                 "letters"}
    assert records[0]["mean_p_expected"] > records[1]["mean_p_expected"]
    remote = run_cli("lens", "letters", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                     "hi")
    assert remote.returncode == 2 and "cannot score a fixed text" in remote.stderr


def test_expected_number_agrees_with_sampling() -> None:
    """The lens's expectation over answers that start with a number lies within the 95%
    interval of the mean of such answers among 300 samples at temperature 1."""
    from sashell.core.plan import plan_turn
    from sashell.core.providers.base import SamplingParams
    from sashell.core.session import SessionWriter
    from sashell.core.turn import run_turn

    registry = load_registry()
    spec = registry.get("smollm2")
    probe = "On a scale from 0 to 100, how much do you like rain? Answer with a single number."
    context = resolve_context(None, "none")
    model = next_token_model(spec)
    reading = number_reading(model, model.prompt_tokens(context.messages(probe, "none")), probe)
    # The base model often answers in words: compare among answers that start with a number.
    expected = sum(n * p for n, p in reading.distribution.items()) / reading.mass
    assert (reading.expected is None) == (reading.mass < 0.25)

    import tempfile

    async def sample() -> list[float]:
        values = []
        with tempfile.TemporaryDirectory() as tmp:
            writer = SessionWriter.create(Path(tmp), "samples")
            for i in range(300):
                plan = plan_turn(spec, context, "none", probe, sample=i,
                                 params=SamplingParams(temperature=1.0, max_tokens=4, seed=7))
                reply = (await run_turn(plan, writer)).reply
                match = re.match(r"(\d+)(?!\d)", reply)
                if match and int(match.group(1)) <= 100:
                    values.append(float(match.group(1)))
            writer.close()
        return values

    values = asyncio.run(sample())
    assert len(values) >= 40
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    half = 1.96 * sd / math.sqrt(len(values))
    assert mean - half <= expected <= mean + half, (expected, mean, half, len(values))


@pytest.mark.server
def test_top_k_bounds_from_a_real_server_contain_the_exact_values(
        llama_server_flash: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """llama-cpp-python's server, asked for top-20 log-probabilities, gives intervals that hold
    the embedded model's exact letter probabilities on the same prompt and reply. Compared at
    the line starts themselves: following decoration through an endpoint sends text, which the
    server tokenizes afresh, while the exact reading follows the model's own token paths."""
    from sashell.core.lens import letters
    from sashell.core.lens.model import letters_model

    monkeypatch.setattr(letters, "MAX_DEPTH", 0)
    from sashell.core.registry import adhoc_openai_model

    served = letters_model(adhoc_openai_model("smollm2", llama_server_flash, None, "completions"))
    local = letters_model(load_registry().get("smollm2").with_endpoint("completions"))
    messages = resolve_context("special-version", "none").messages("How do rainbows form?", "none")
    bounds = letter_pressure(served, messages, HELLO_REPLY)
    exact = letter_pressure(local, messages, HELLO_REPLY)
    assert not bounds.exact and exact.exact
    for line_bounds, line_exact in zip(bounds.lines, exact.lines, strict=True):
        unresolved = float(line_bounds.masses[OPEN])
        assert math.isclose(float(line_bounds.masses.sum()), 1.0, abs_tol=1e-4)
        for i in range(len(LETTERS)):
            lower, truth = float(line_bounds.masses[i]), float(line_exact.masses[i])
            assert lower - 1e-3 <= truth <= lower + unresolved + 1e-3, (line_bounds.index, i)


def test_line_starts_are_read_after_the_whole_replys_tokens() -> None:
    """Tokenized alone, "...yoga\n\n" ends in one "\n\n" token, but within the reply the model
    reads "\n", "\n" before "These": the line start is read after the reply's own tokens."""
    from sashell.core.lens.letters import _tokens_before

    model = next_token_model(load_registry().get("smollm2"))
    reply = "Try some yoga\n\nThese tips help.\n- Sleep early"
    whole = model.text_tokens(reply)
    before = _tokens_before(model, reply)
    for start in (reply.index("These"), reply.index("- Sleep")):
        cut = before(start)
        assert whole[:len(cut)] == cut
        assert "".join(model.token_texts[t] for t in cut) == reply[:start]
    alone = model.text_tokens(reply[:reply.index("These")])
    assert alone != before(reply.index("These"))  # the case that motivated it


def test_paths_read_together_equal_paths_read_one_at_a_time() -> None:
    """The lens's context reads many decoration paths in one decode (each a sequence sharing
    the prefix's cells, a shared token evaluated once): every distribution is the one a lone
    evaluation gives, whatever else shares the batch, beyond one batch's worth of sequences."""
    from sashell.core.providers.llama_scoring import MAX_SEQUENCES

    model = next_token_model(load_registry().get("smollm2"))
    messages = resolve_context("special-version", "none").messages("How do rainbows form?", "none")
    prefix = model.prompt_tokens(messages) + model.text_tokens("Here's how.\n")
    root = model.probabilities(prefix)
    firsts = np.argsort(-root)[:MAX_SEQUENCES + 5].tolist()
    paths = [[t] for t in firsts] + [[firsts[0], firsts[1]], [firsts[0], firsts[1], firsts[2]]]
    together = model.branch_probabilities(prefix, paths)
    alone = [model.probabilities(prefix + path) for path in paths]
    for read, single in zip(together, alone, strict=True):
        assert np.allclose(read, single, rtol=0, atol=1e-9)
    again = model.branch_probabilities(prefix, paths[::-1][:3])  # other company, same numbers
    for read, single in zip(again, alone[::-1][:3], strict=True):
        assert np.allclose(read, single, rtol=0, atol=1e-9)
    assert np.allclose(model.probabilities(prefix), root, rtol=0, atol=1e-12)
