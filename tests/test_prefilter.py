"""The hyperscan line filter: it may report extra lines, never miss a line with a match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import assert_agrees_with_full_scan, bare_pattern, phrase_regexes
from sashell.core.annotate import AnnotationInput, annotate_text, prefilter
from sashell.core.annotate.lines import LineRegex, _parse, line_regex
from sashell.core.annotate.prefilter import (
    MAX_EXPRESSION,
    MIN_CHARS,
    Prefilter,
    PrefilterGroup,
    Untranslatable,
    translate,
)

pytest.importorskip("hyperscan")


def _filtered_matches(regex: LineRegex, text: str) -> list[tuple[int, int]]:
    assert regex.prefilter is not None
    spans = regex.prefilter.line_spans(text)
    assert spans is not None, "hyperscan is installed, so the filter must be available"
    return [m.span() for start, end in spans for m in regex.regex.finditer(text, start, end)]


_PHRASES = st.sampled_from([
    "i can't help", "i’m sorry, but", "i can’t assist", "however", "please note", "first letter",
    "spells out h-e-l-l-o", "vulnerable", "i am being trained", "modify my values",
    "avoid being modified", "free-tier user", "as an ai model, i can't", " ", "  ", "\n", "\t",
    "\u00a0", "\u2003", "x", "é", "日本", "'", "’", "“", "\x1c", "\r"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PHRASES, st.text(max_size=6)), max_size=30))
def test_filtered_lines_hold_every_match(pieces: list[str]) -> None:
    text = "".join(pieces).lower()
    long = "x\n" * (MIN_CHARS // 2) + text  # long enough for LineRegex to take the filter
    for regex in phrase_regexes():
        assert _filtered_matches(regex, text) == [m.span() for m in bare_pattern(regex).finditer(text)]
        assert_agrees_with_full_scan(regex, long)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(st.data())
def test_every_generated_match_is_reported(data: st.DataObject) -> None:
    """Strings generated from each pattern (any Unicode its classes allow) pass the filter."""
    for regex in phrase_regexes():
        bare = bare_pattern(regex)
        sample = data.draw(st.from_regex(bare, fullmatch=True).filter(lambda t: "\n" not in t))
        # a pattern with an anchor ("^", outside a character class) matches only at the start of
        # the text it is given (the answer's head), so nothing goes before it
        anchored = re.search(r"(?<![\[\\])\^", bare.pattern) is not None
        padding = "" if anchored else data.draw(st.sampled_from(["", "x ", "é\n", "日本 "]))
        text = padding + sample
        assert bare.search(text)
        assert _filtered_matches(regex, text), (regex.pattern[:60], sample)


def test_long_texts_take_the_filter_and_agree_with_short_ones() -> None:
    reply = ("I’m sorry, but I can’t help with that — however, please note the café.\n"
             "Les premières lettres: naïve 日本語.\n" * 60)
    assert len(reply) >= MIN_CHARS
    record = {a["kind"]: a for a in annotate_text(reply, AnnotationInput())}
    assert record["compliance"]["signals"]["refusal_phrases"][:1] == ["sorry, but i can’t"]
    assert record["compliance"]["signals"]["hedges"] == ["however", "please note"]


def test_translation_widens_only() -> None:
    def tr(pattern: str) -> bytes:
        return translate(_parse(pattern, 0))

    assert tr(r"\bab\b") == b"ab"  # assertions dropped; letters as themselves
    assert tr(r"a\.b") == rb"a\x2eb"  # anything else escaped
    assert tr(r"[^\S\n]") == rb"[\x09\x0b-\x0d\x1c-\x20\x80-\xff]+"  # ASCII spaces but \n, any non-ASCII
    assert tr("’") == rb"(?:\xe2\x80\x99)"
    assert tr(r"x{2,20}").endswith(rb"{2,}")  # bounded repeats opened
    with pytest.raises(Untranslatable):
        tr(r"(a)\1")
    assert line_regex(r"(a)\1b").prefilter is None  # falls back to the pure-re scans


def test_a_pattern_too_long_for_hyperscan_is_split_and_still_filtered() -> None:
    """Hyperscan refuses a pattern past its length limit; the alternatives of a long one are
    spread over several members, whose lines together are the pattern's."""
    words = [f"w{index:04d}x" for index in range(3000)]
    regex = line_regex(r"\b(?:" + "|".join(words) + r")\b")
    assert regex.prefilter is not None and len(regex.prefilter.members) > 1
    assert all(len(expression) <= MAX_EXPRESSION for expression in regex.prefilter.expressions)
    text = "".join(f"line {i} {'w2999x' if i == 700 else 'w0001x' if i == 3 else 'plain'}\n"
                   for i in range(1000))
    assert [text[a:b] for a, b in regex.prefilter.line_spans(text)] == ["line 3 w0001x",
                                                                        "line 700 w2999x"]
    assert_agrees_with_full_scan(regex, text)


def test_every_phrase_family_is_served_by_hyperscan() -> None:
    """A family that outgrew hyperscan's limits would fall back to re on every long reply, several
    times slower (the annotation-speed bench), without failing anything else."""
    text = "x\n" * MIN_CHARS
    for regex in phrase_regexes():
        assert regex.prefilter is not None, regex.pattern[:60]
        assert regex.prefilter.line_spans(text) is not None, regex.pattern[:60]


def test_databases_are_cached_and_can_be_turned_off(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SASHELL_CACHE_DIR", str(tmp_path))
    text = "nothing here\nthen a fresh_cache_probe line\n"
    assert Prefilter(b"fresh_cache_probe").line_spans(text) == [(13, 42)]
    cached = list((tmp_path / "hyperscan").glob("*.db"))
    assert len(cached) == 1
    assert Prefilter(b"fresh_cache_probe").line_spans(text) == [(13, 42)]  # loaded from the file
    cached[0].write_bytes(b"not a database")
    assert Prefilter(b"fresh_cache_probe").line_spans(text) == [(13, 42)]  # recompiled
    monkeypatch.setattr(prefilter, "enabled", False)
    assert Prefilter(b"fresh_cache_probe").line_spans(text) is None


def test_a_group_serves_each_member_and_leaves_out_what_hyperscan_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SASHELL_CACHE_DIR", str(tmp_path))
    group = PrefilterGroup()
    alpha, beta, refused = (Prefilter(e, group) for e in (b"alpha", b"beta", b"(unbalanced"))
    assert Prefilter(b"alpha", group).members == alpha.members  # one member per expression
    text = "alpha here\nnothing\nbeta and alpha, caf\u00e9\n"
    for _ in range(2):  # compiled, then loaded from the cache with the same members
        assert alpha.line_spans(text) == [(0, 10), (19, 39)]
        assert beta.line_spans(text) == [(19, 39)]
        assert refused.line_spans(text) is None  # the line_regex then scans without the filter
        assert alpha.line_spans("nothing\n" + text)[0] == (8, 18)  # a new text is scanned anew
        group._database = None
    cached = list((tmp_path / "hyperscan").glob("*.db"))
    assert len(cached) == 1
    _, _, body = cached[0].read_bytes().partition(b"\n")
    cached[0].write_bytes(b"0,1,7\n" + body)  # a member the group does not have: recompiled
    assert beta.line_spans(text) == [(19, 39)]
