"""The lines of a long text that may hold a match of a line-bound pattern, found by hyperscan.

CPython's re tries a pattern at every position of a text (about 25 ns a character a pattern), which
made the phrase scans most of the annotation time on long replies. Hyperscan, when installed (its
wheels cover Linux x86-64), scans UTF-8 bytes for all of a pattern's alternatives at once, at
hundreds of MB/s. It serves only as a filter: each pattern is translated into a byte pattern that
matches wherever the Python pattern can (a superset: zero-width assertions are dropped, bounded
repeats are opened, and a class that can match a non-ASCII character admits any run of non-ASCII
bytes), and Python's re then runs on the lines the filter reports. Results are therefore exactly
those of re, whatever hyperscan does.

Patterns read over the same texts share one database (a PrefilterGroup): the visible reply is
scanned once for the phrases of compliance and self-report together. Compiling a database takes
up to a few hundred milliseconds, so it is serialized to the cache directory and loaded in about a
millisecond afterwards. Texts shorter than MIN_CHARS never touch hyperscan, so annotating a short
text neither imports nor compiles anything. SASHELL_NO_HYPERSCAN=1 (or
``prefilter.enabled = False``) turns the filter off, for A/B measurements.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from functools import cache
from typing import Any

from sashell.core.paths import cache_dir

MIN_CHARS = 1024
MAX_EXPRESSION = 12_000  # bytes; hyperscan refuses a longer pattern ("Pattern length exceeds limit")
enabled = os.environ.get("SASHELL_NO_HYPERSCAN") != "1"  # bench/annotate.py turns it off to compare
_NON_ASCII = frozenset(range(128, 256))
_CATEGORY_TESTS: dict[Any, re.Pattern[str]] = {}


class Untranslatable(ValueError):
    """A construct the filter cannot over-approximate (a back-reference, a case-insensitive
    group)."""


def translate(items: list[tuple[Any, Any]]) -> bytes:
    """A hyperscan byte pattern matching (at least) wherever the parsed Python pattern matches
    the UTF-8 encoding of a text."""
    c = re._constants  # type: ignore[attr-defined]
    out: list[bytes] = []
    for op, av in items:
        if op is c.LITERAL:
            out.append(_literal(av))
        elif op is c.NOT_LITERAL:
            out.append(_char_class(((c.NEGATE, None), (c.LITERAL, av))))
        elif op is c.ANY:
            out.append(_char_class(((c.NEGATE, None), (c.LITERAL, 10))))
        elif op is c.IN:
            out.append(_char_class(tuple(av)))
        elif op is c.BRANCH:
            out.append(b"(?:" + b"|".join(translate(branch.data) for branch in av[1]) + b")")
        elif op is c.SUBPATTERN:
            _group, add_flags, _del_flags, body = av
            if add_flags & re.IGNORECASE:
                raise Untranslatable("a case-insensitive group")
            out.append(b"(?:" + translate(body.data) + b")")
        elif op is c.ATOMIC_GROUP:
            out.append(b"(?:" + translate(av.data) + b")")
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = av
            # Opening bounded repeats keeps compile times low; the filter only over-approximates.
            upper = b"%d" % high if high is not c.MAXREPEAT and high <= 1 else b""
            out.append(b"(?:" + translate(body.data) + b"){%d,%s}" % (low, upper))
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: dropping it only widens the match set
        else:
            raise Untranslatable(f"the construct {op}")
    return b"".join(out)


def translate_parts(items: list[tuple[Any, Any]]) -> list[bytes]:
    """``translate``, as several byte patterns whose matches together are its matches when it
    is too long for hyperscan: the alternatives of its one top-level alternation are spread over
    patterns of at most MAX_EXPRESSION bytes, each with what stands before and after it."""
    whole = translate(items)
    if len(whole) <= MAX_EXPRESSION:
        return [whole]
    c = re._constants  # type: ignore[attr-defined]
    for index, (op, av) in enumerate(items):
        branches = None
        if op is c.BRANCH:
            branches = av[1]
        elif op is c.SUBPATTERN and not av[1] & re.IGNORECASE and len(av[3].data) == 1 \
                and av[3].data[0][0] is c.BRANCH:
            branches = av[3].data[0][1][1]
        if branches is None:
            continue
        before, after = translate(items[:index]), translate(items[index + 1:])
        room = MAX_EXPRESSION - len(before) - len(after) - 4
        parts: list[bytes] = []
        chunk: list[bytes] = []
        for branch in branches:
            piece = translate(branch.data)
            if chunk and sum(map(len, chunk)) + len(chunk) + len(piece) > room:
                parts.append(before + b"(?:" + b"|".join(chunk) + b")" + after)
                chunk = []
            chunk.append(piece)
        parts.append(before + b"(?:" + b"|".join(chunk) + b")" + after)
        return parts
    return [whole]  # hyperscan will refuse it, and re serves the pattern alone


_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _escape(byte: int) -> bytes:
    # letters and digits as themselves: hyperscan limits a pattern's length, and a hex escape
    # is four times as long
    return bytes((byte,)) if byte in _PLAIN else b"\\x%02x" % byte


def _literal(code: int) -> bytes:
    if code < 128:
        return _escape(code)
    return b"(?:" + b"".join(_escape(b) for b in chr(code).encode("utf-8", "surrogatepass")) + b")"


@cache  # the same few classes ([^\S\n] above all) recur hundreds of times across the patterns
def _char_class(items: tuple[tuple[Any, Any], ...]) -> bytes:
    """One character of the class: its exact ASCII members, plus any run of non-ASCII bytes when
    the class can match a non-ASCII character."""
    c = re._constants  # type: ignore[attr-defined]
    negate = any(kind is c.NEGATE for kind, _ in items)
    members = [(kind, value) for kind, value in items if kind is not c.NEGATE]

    def holds(char: str) -> bool:
        code = ord(char)
        for kind, value in members:
            if kind is c.LITERAL and value == code:
                return True
            if kind is c.RANGE and value[0] <= code <= value[1]:
                return True
            if kind is c.CATEGORY and _category_test(value).match(char):
                return True
        return False

    codes = {code for code in range(128) if holds(chr(code)) != negate}
    wide = negate or any(kind is c.CATEGORY or (kind is c.RANGE and value[1] >= 128)
                         or (kind is c.LITERAL and value >= 128) for kind, value in members)
    if wide:
        codes |= _NON_ASCII
    if not codes:
        raise Untranslatable("an empty class")
    return b"[" + _ranges(sorted(codes)) + b"]" + (b"+" if wide else b"")


def _category_test(category: Any) -> re.Pattern[str]:
    if category not in _CATEGORY_TESTS:
        c = re._constants  # type: ignore[attr-defined]
        names = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_NOT_DIGIT: r"\D", c.CATEGORY_SPACE: r"\s",
                 c.CATEGORY_NOT_SPACE: r"\S", c.CATEGORY_WORD: r"\w", c.CATEGORY_NOT_WORD: r"\W"}
        if category not in names:
            raise Untranslatable(f"the category {category}")
        _CATEGORY_TESTS[category] = re.compile(names[category])
    return _CATEGORY_TESTS[category]


def _ranges(codes: list[int]) -> bytes:
    out: list[bytes] = []
    index = 0
    while index < len(codes):
        last = index
        while last + 1 < len(codes) and codes[last + 1] == codes[last] + 1:
            last += 1
        first = _escape(codes[index])
        out.append(first if last == index else first + b"-" + _escape(codes[last]))
        index = last + 1
    return b"".join(out)


class PrefilterGroup:
    """Prefilters scanned together: one hyperscan pass over a text finds the candidate lines of
    every member. The annotators of a reply read the same text with several patterns each
    (compliance its refusal and hedge phrases, self-report its acrostic and security ones), so
    the pass over a block is made once; the last text scanned in each thread is remembered, by
    identity, with the lines it gave every member."""

    def __init__(self) -> None:
        self._expressions: list[bytes] = []
        self._database: Any = None  # (member count it covers, hyperscan.Database or None)
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: a scratch space, the last scan

    def add(self, expression: bytes) -> int:
        """The member index of ``expression`` (added once, however often it is asked for)."""
        with self._lock:
            if expression not in self._expressions:
                self._expressions.append(expression)
            return self._expressions.index(expression)

    def line_ends(self, text: str, member: int) -> tuple[bytes, list[int]] | None:
        """The UTF-8 text, and the byte offset of the end of each line that may hold a match of
        member ``member`` (unsorted, maybe repeated); None when hyperscan cannot serve it."""
        database, members = self._ready()
        if database is None or member not in members:
            return None
        local = self._local
        last = getattr(local, "last", None)
        if last is None or last[0] is not text or last[1] is not database:
            if getattr(local, "scratch_for", None) is not database:
                import hyperscan

                local.scratch, local.scratch_for = hyperscan.Scratch(database), database
            data = text.encode("utf-8", "surrogatepass")
            ends: list[list[int]] = [[] for _ in self._expressions]
            database.scan(data, match_event_handler=_collect_end, context=ends,
                          scratch=local.scratch)
            last = local.last = (text, database, data, ends)
        return last[2], last[3][member]

    def _ready(self) -> tuple[Any, frozenset[int]]:
        built = self._database
        if built is None or built[0] != len(self._expressions):
            with self._lock:
                built = self._database
                if built is None or built[0] != len(self._expressions):
                    built = self._database = (len(self._expressions),
                                              *_load_or_compile(tuple(self._expressions)))
        return built[1], built[2]


_NAMED_GROUPS: dict[str, PrefilterGroup] = {}


def named_group(name: str) -> PrefilterGroup:
    """The group of that name: patterns that read the same texts join one (an unrelated pattern
    in it would only slow every scan)."""
    return _NAMED_GROUPS.setdefault(name, PrefilterGroup())


class Prefilter:
    """One pattern's hyperscan filter: a member of a group scanned together, or alone (or
    several members, when the pattern had to be split to fit hyperscan's length limit)."""

    def __init__(self, expressions: bytes | list[bytes], group: PrefilterGroup | None = None) -> None:
        self.expressions = [expressions] if isinstance(expressions, bytes) else expressions
        self.group = group or PrefilterGroup()
        self.members = [self.group.add(expression) for expression in self.expressions]

    def line_spans(self, text: str) -> list[tuple[int, int]] | None:
        """(start, end) of every line of ``text`` that may hold a match, in order; None when
        hyperscan is not available (not installed, disabled, or the pattern did not compile)."""
        if not enabled:
            return None
        data, ends = b"", list[int]()
        for member in self.members:
            found = self.group.line_ends(text, member)
            if found is None:
                return None
            data = found[0]
            ends.extend(found[1])
        if len(data) == len(text):  # ASCII: byte and character offsets agree
            return [(data.rfind(b"\n", 0, end) + 1, end) for end in sorted(set(ends))]
        spans: list[tuple[int, int]] = []
        byte_at = char_at = 0
        for end in sorted(set(ends)):  # walk forward, decoding only what lies between lines
            start = data.rfind(b"\n", 0, end) + 1
            char_at += len(data[byte_at:start].decode("utf-8", "surrogatepass"))
            char_end = char_at + len(data[start:end].decode("utf-8", "surrogatepass"))
            spans.append((char_at, char_end))
            byte_at = start
        return spans


def _collect_end(member: int, _start: int, end: int, _flags: int, ends: list[list[int]]) -> None:
    ends[member].append(end)


def _load_or_compile(expressions: tuple[bytes, ...]) -> tuple[Any, frozenset[int]]:
    """A database for the group's expressions (loaded from the cache when it was built before),
    and the members it covers: an expression hyperscan refuses is left out."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        import hyperscan

        hs_version = version("hyperscan")
    except (ImportError, PackageNotFoundError):
        return None, frozenset()
    digest = hashlib.sha256(b"\0".join([hs_version.encode(), b"line-end group", *expressions]))
    path = cache_dir() / "hyperscan" / f"{digest.hexdigest()[:32]}.db"
    try:
        header, _, body = path.read_bytes().partition(b"\n")
        members = frozenset(int(m) for m in header.split(b",") if m)
        if not members <= set(range(len(expressions))):
            raise ValueError("a damaged header")
        return hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK), members
    except (OSError, ValueError, hyperscan.error):  # not cached yet, or another CPU or version
        pass
    members = frozenset(range(len(expressions)))
    database = _compile(expressions, members)
    if database is None:  # find the expressions hyperscan refuses, and leave them out
        members = frozenset(m for m in members if _compile(expressions, frozenset({m})) is not None)
        database = _compile(expressions, members) if members else None
    if database is None:
        return None, frozenset()
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        header = b",".join(b"%d" % m for m in sorted(members))
        partial.write_bytes(header + b"\n" + hyperscan.dumpb(database))
        os.replace(partial, path)
    except OSError:  # a read-only or full cache only costs the compile next time
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return database, members


def _compile(expressions: tuple[bytes, ...], members: frozenset[int]) -> Any:
    import hyperscan

    chosen = sorted(members)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE
    try:
        # Extended to the end of its line, a match is reported once per line, at the line's end.
        database.compile(expressions=[b"(?:%s)[^\\n]*$" % expressions[m] for m in chosen],
                         ids=chosen, elements=len(chosen), flags=[flags] * len(chosen))
    except hyperscan.error:  # e.g. a widened pattern can match an empty string
        return None
    return database
