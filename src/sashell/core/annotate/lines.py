"""Incremental line splitting and batching shared by all annotators.

Streamed text becomes completed lines, grouped into blocks of about BLOCK_CHARS characters
(LineBatcher), so annotators run their pattern scans once per block instead of once per line.
Each block costs every annotator some fixed work (and, the annotators taking turns, fresh CPU
caches), so blocks are large: 8 kB blocks annotated 10k lines in 0.75 of the time 2 kB blocks
took (bench/annotate.py, same process); 32 kB blocks were slower again. A reading while
streaming re-reads the lines not yet in a block, under 8 kB. Block boundaries depend only on the
sequence of lines, never on how the text was chunked, and the patterns never match across a line
break, so a reply streamed in any chunks reads exactly like the same reply read whole.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sashell.core.annotate.prefilter import (
    MIN_CHARS,
    Prefilter,
    Untranslatable,
    named_group,
    translate_parts,
)
from sashell.core.annotate.regions import Event, RegionSplitter, Text

BLOCK_CHARS = 8192


@dataclass(frozen=True)
class Block:
    """Consecutive reply lines, with their text split into scratchpad/output/plain regions.

    ``events`` holds Tag events and Text segments; a segment may span several lines (joined by
    newlines) when no tag separates them. ``text`` is the lines joined by newlines.
    """

    start: int  # reply line number of lines[0]
    lines: list[str]
    events: list[Event]
    text: str

    @cached_property
    def fence_lines(self) -> list[int]:
        """Indices of the lines that are code fences (``` or ~~~ after blanks, if any), found
        with str.find, so a block without fences costs two searches."""
        text = self.text
        starts: set[int] = set()
        for mark in FENCE_MARKS:
            found = text.find(mark)
            while found >= 0:
                start = text.rfind("\n", 0, found) + 1
                if start == found or text[start:found].isspace():
                    starts.add(start)
                end = text.find("\n", found)
                found = text.find(mark, end) if end >= 0 else -1
        indices: list[int] = []
        line, at = 0, 0
        for start in sorted(starts):
            line += text.count("\n", at, start)
            at = start
            indices.append(line)
        return indices

    def next_index(self, indices: list[int], position: int) -> int:
        """The first of the sorted ``indices`` at or after ``position``, else the line count."""
        found = bisect_left(indices, position)
        return indices[found] if found < len(indices) else len(self.lines)


FENCE_MARKS = ("```", "~~~")


_NO_BLOCKS: tuple[Block, ...] = ()


class LineBatcher:
    """Streamed text in, blocks of completed lines out.

    A chunk is only appended to a buffer; the buffer is cut into blocks once it holds a block's
    worth of text, by finding line breaks in the joined buffer, so a reply streamed in many small
    chunks costs one join and one split per block, not work per chunk or per line. A block ends
    with the first line that brings it to ``block_chars`` (counting each line's break).
    """

    def __init__(self, block_chars: int = BLOCK_CHARS,
                 sink: Callable[[Block], None] | None = None) -> None:
        self.block_chars = block_chars
        self.sink = sink  # called with each completed block, when given
        self._raw: list[str] = []  # text not yet split into lines (starts mid-line, maybe)
        self._raw_chars = 0
        self._regions = RegionSplitter()
        self._pending: list[str] = []  # completed lines not yet in a block
        self._pending_chars = 0  # their characters, one line break each included
        self._next_line = 0

    def feed(self, delta: str) -> Sequence[Block]:
        self._raw.append(delta)
        self._raw_chars += len(delta)
        if self._raw_chars < self.block_chars:
            return _NO_BLOCKS
        text = self._joined_raw()
        blocks: list[Block] = []
        position = 0
        while True:  # cut at the line break that brings the block to block_chars
            cut = text.find("\n", position + self.block_chars - self._pending_chars - 1)
            if cut < 0:
                break
            block = self._commit(text[position:cut])
            blocks.append(block)
            if self.sink is not None:
                self.sink(block)
            position = cut + 1
        last_break = text.rfind("\n", position)
        if last_break >= 0:
            self._pending.extend(text[position:last_break].split("\n"))
            self._pending_chars += last_break + 1 - position
            position = last_break + 1
        partial = text[position:]
        self._raw, self._raw_chars = ([partial], len(partial)) if partial else ([], 0)
        return blocks

    def _joined_raw(self) -> str:
        """The buffer as one text, CRLF-safe (a CR held back at its end meets its LF here)."""
        text = "".join(self._raw)
        return text.replace("\r\n", "\n") if "\r" in text else text

    def _rest(self) -> tuple[list[str], str]:
        """All lines not yet in a block, the unfinished last one included (as the last line when
        it is not empty), and their text."""
        raw = self._joined_raw().removesuffix("\r")
        lines = self._pending + raw.split("\n") if raw else list(self._pending)
        if raw.endswith("\n"):
            lines.pop()  # the buffer ended with a completed line: no unfinished one
        return lines, "\n".join(lines)

    def peek(self) -> Block | None:
        """The lines not yet handed out, and the unfinished last line, without consuming them."""
        lines, text = self._rest()
        if not lines:
            return None
        region = self._regions.region
        block = Block(self._next_line, lines, self._segments(lines, text), text)
        self._regions.region = region
        return block

    def flush(self) -> Block | None:
        """At the end of the reply: everything left, the unfinished last line included."""
        lines, text = self._rest()
        self._raw, self._raw_chars = [], 0
        if not lines:
            return None
        return self._block(lines, text)

    def _commit(self, tail: str) -> Block:
        """A block of the pending lines plus the lines of ``tail``."""
        if self._pending:
            text = "\n".join(self._pending) + "\n" + tail
            lines = [*self._pending, *tail.split("\n")]
        else:
            text, lines = tail, tail.split("\n")
        return self._block(lines, text)

    def _block(self, lines: list[str], text: str) -> Block:
        block = Block(self._next_line, lines, self._segments(lines, text), text)
        self._next_line += len(lines)
        self._pending, self._pending_chars = [], 0
        return block

    def _segments(self, lines: list[str], text: str) -> list[Event]:
        if "<" not in text:
            return [Text(self._regions.region, text)]
        events: list[Event] = []
        for number, line in enumerate(lines):
            for index, event in enumerate(self._regions.split(line)):
                last = events[-1] if events else None
                if (number and index == 0 and isinstance(event, Text) and isinstance(last, Text)
                        and last.region == event.region):
                    events[-1] = Text(event.region, f"{last.text}\n{event.text}")
                else:
                    events.append(event)
        return events


class LineRegex:
    """A compiled line-bound pattern that searches only the lines that can hold a match.

    ``keys`` are literal strings of which every match contains at least one (derived from the
    pattern by ``required_keys``). Finding them with ``str.find`` is an order of magnitude
    faster than running the pattern over every position, so the pattern runs only over the
    lines that hold a key. Since matches never cross a line break, the matches are exactly
    those of a scan of the whole text, in the same order. On a long text, hyperscan (when
    installed) picks the lines instead, in one pass for all the pattern's alternatives (see
    ``prefilter``)."""

    def __init__(self, regex: re.Pattern[str], keys: frozenset[str] | None,
                 prefilter: Prefilter | None = None) -> None:
        self.regex, self.keys, self.prefilter = regex, keys, prefilter
        self.pattern, self.flags = regex.pattern, regex.flags

    def candidate_lines(self, text: str) -> list[tuple[int, int]] | None:
        """(start, end) of the lines of ``text`` that may hold a match, in order; None when
        every line may (the pattern has no keys and hyperscan cannot serve it)."""
        if self.prefilter is not None and len(text) >= MIN_CHARS:
            spans = self.prefilter.line_spans(text)
            if spans is not None:
                return spans
        if self.keys is None:
            return None
        starts: set[int] = set()
        for key in self.keys:
            found = text.find(key)
            while found >= 0:
                starts.add(text.rfind("\n", 0, found) + 1)
                end = text.find("\n", found)
                if end < 0:
                    break
                found = text.find(key, end)
        spans = []
        for start in sorted(starts):
            end = text.find("\n", start)
            spans.append((start, end if end >= 0 else len(text)))
        return spans

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        spans = self.candidate_lines(text)
        if spans is None:
            yield from self.regex.finditer(text)
            return
        for start, end in spans:
            yield from self.regex.finditer(text, start, end)

    def phrases(self, text: str) -> list[str]:
        """The text of every match, in order (``findall``, so no match objects are built)."""
        if self.regex.groups:
            return [match.group(0) for match in self.finditer(text)]
        spans = self.candidate_lines(text)
        if spans is None:
            return self.regex.findall(text)
        found: list[str] = []
        for start, end in spans:
            found += self.regex.findall(text, start, end)
        return found

    def matching_lines(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each line of ``text`` holding a match, in order (one search a line)."""
        spans = self.candidate_lines(text)
        if spans is not None:
            search = self.regex.search
            return [(start, end) for start, end in spans if search(text, start, end)]
        lines: list[tuple[int, int]] = []
        for match in self.regex.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            if not lines or lines[-1][0] != start:
                end = text.find("\n", match.end())
                lines.append((start, end if end >= 0 else len(text)))
        return lines

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


MIN_KEY = 3  # shorter literal keys would select nearly every line
MAX_KEYS = 12  # past this many, finding each key costs more than running the pattern once


def line_regex(pattern: str, flags: int = 0, group: str | None = None) -> LineRegex:
    """Compile a lowercase pattern for lowercased text (see ``lowered``), whose whitespace and
    non-word characters never cross a line break (\\s → [^\\S\\n], \\W → [^\\w\\n]; inside a
    character class that substitution would nest classes, so it is refused there). Matching
    lowercased text without IGNORECASE is about three times faster in CPython's re. Patterns
    run over the same texts name one ``group`` so hyperscan scans a text for all of them at once
    (see ``prefilter``). When every match must begin with one of a few characters, a lookahead
    for them is put first: CPython's re then rejects most positions with one class test instead
    of trying every alternative there."""
    if _class_with_whitespace(pattern):
        raise ValueError(r"line_regex: write (?:x|\s) instead of \s or \W inside a character class")
    pattern = pattern.replace(r"\s", r"[^\S\n]").replace(r"\W", r"[^\w\n]")
    flags &= ~re.IGNORECASE
    parsed = _parse(pattern, flags)  # once, for both analyses
    first, keys = _first_chars_in(parsed), _required_keys_in(parsed)
    try:
        prefilter: Prefilter | None = Prefilter(translate_parts(list(parsed)),
                                                named_group(group) if group else None)
    except Untranslatable:
        prefilter = None
    if first:
        end = "\n)" if flags & re.VERBOSE else ")"  # a trailing verbose comment must not eat it
        pattern = f"(?=[{''.join(re.escape(ch) for ch in sorted(first))}])(?:{pattern}{end}"
    if keys is not None and (min(map(len, keys)) < MIN_KEY or len(keys) > MAX_KEYS):
        keys = None
    return LineRegex(re.compile(pattern, flags), keys, prefilter)


def _class_with_whitespace(pattern: str) -> bool:
    in_class, index = False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if in_class and pattern[index + 1:index + 2] in ("s", "W"):
                return True
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            index += 2 if pattern[index + 1:index + 2] == "]" else 1  # "[]...]" holds a "]"
            continue
        if char == "]" and in_class:
            in_class = False
        index += 1
    return False


_last_lowered = threading.local()


def lowered(text: str) -> str:
    """``text.lower()`` with the same length, so match positions carry over to ``text``.

    The last result in each thread is remembered, by identity: annotators reading the same block
    get the same lowered string, so the hyperscan pass over it (prefilter) is shared too."""
    last = getattr(_last_lowered, "pair", None)
    if last is not None and last[0] is text:
        return last[1]  # type: ignore[no-any-return]
    lower = text.lower()
    if len(lower) != len(text):
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    _last_lowered.pair = (text, lower)
    return lower


def line_around(text: str, start: int, end: int | None = None) -> str:
    """The line of a multi-line text that holds position ``start``."""
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end if end is not None else start)
    return text[left:right if right >= 0 else len(text)]


def first_chars(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can begin with, or None when that is not a small
    known set (a match may be empty, or start with a class such as \\w or .)."""
    return _first_chars_in(_parse(pattern, flags))


def _parse(pattern: str, flags: int) -> list[tuple[Any, Any]]:
    return re._parser.parse(pattern, flags).data  # type: ignore[attr-defined, no-any-return]


def _first_chars_in(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    found, nullable = _first_of(items)
    return None if found is None or nullable else frozenset(found)


def _first_of(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(possible first characters, whether the sequence can match the empty string)."""
    c = re._constants  # type: ignore[attr-defined]
    chars: set[str] = set()
    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero width: look further
            continue
        if op is c.LITERAL:
            return chars | {chr(av)}, False
        if op is c.IN:
            for kind, value in av:
                if kind is c.LITERAL:
                    chars.add(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < 64:
                    chars.update(chr(x) for x in range(value[0], value[1] + 1))
                else:
                    return None, False
            return chars, False
        if op is c.BRANCH:
            nullable = False
            for branch in av[1]:
                sub, empty = _first_of(branch.data)
                if sub is None:
                    return None, False
                chars |= sub
                nullable |= empty
            if not nullable:
                return chars, False
            continue
        if op in (c.SUBPATTERN, c.ATOMIC_GROUP, c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            body = av if op is c.ATOMIC_GROUP else av[-1]
            sub, empty = _first_of(body.data)
            if sub is None:
                return None, False
            chars |= sub
            if not (empty or (op not in (c.SUBPATTERN, c.ATOMIC_GROUP) and av[0] == 0)):
                return chars, False
            continue
        return None, False
    return chars, True


def required_keys(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Literal strings of which every match of ``pattern`` contains at least one, or None when
    the pattern has no such set (e.g. it is all classes). Among the sets a pattern offers, the
    one whose shortest key is longest is chosen."""
    return _required_keys_in(_parse(pattern, flags))


def _required_keys_in(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    found = _keys_of(items)
    if not found:
        return None
    return frozenset(k for k in found if not any(other != k and other in k for other in found))


def _keys_of(items: list[tuple[Any, Any]]) -> set[str] | None:
    c = re._constants  # type: ignore[attr-defined]
    options: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append({"".join(run)})
            run = []
        sub: set[str] | None = None
        if op is c.BRANCH:
            alternatives = [_keys_of(branch.data) for branch in av[1]]
            if all(alternatives):
                sub = set().union(*alternatives)  # type: ignore[arg-type]
        elif op is c.SUBPATTERN:
            sub = _keys_of(av[-1].data)
        elif op is c.ATOMIC_GROUP:
            sub = _keys_of(av.data)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            sub = _keys_of(av[-1].data)
        if sub:
            options.append(sub)
    if run:
        options.append({"".join(run)})
    if not options:
        return None
    return max(options, key=lambda keys: (min(map(len, keys)), -len(keys)))
