"""Reading a session: an index of its lines by their framing, and turns decoded from it fully,
lazily (one at a time, not kept) or only as far as a listing needs. Damage is tolerated: valid
turns are kept and the rest reported."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import msgspec

from sashell.core.errors import SashellError
from sashell.core.records import SCHEMA_VERSION, shape_problem
from sashell.core.session.framing import FRAMED
from sashell.core.session.lines import LineRef, LineSource


@dataclass
class LoadedSession:
    path: Path
    header: dict[str, Any]
    turns: Sequence[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    torn_tail: bool = False
    notes: list[str] = field(default_factory=list)  # worth knowing, not damage

    @property
    def name(self) -> str:
        return str(self.header.get("name") or self.path.stem)

    def last_turn(self) -> dict[str, Any] | None:
        return self.turns[-1] if self.turns else None

    def problem_summary(self) -> str:
        if not self.problems:
            return ""
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.path}: {self.problems[0]}{more}"


class _SummaryModel(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str | None = None


class _SummaryAnnotation(msgspec.Struct, omit_defaults=True):
    kind: str | None = None
    flag: bool | None = None
    label: str | None = None
    word: str | None = None


class _SummaryTurn(msgspec.Struct, omit_defaults=True):
    """The fields a session listing needs; msgspec skips the rest without building them."""

    type: str | None = None
    turn: int | None = None
    status: str | None = None
    tier: str | None = None
    created: str | None = None
    condition: str | None = None
    model: _SummaryModel | None = None
    annotations: list[_SummaryAnnotation] = msgspec.field(default_factory=list)


_decode_full = msgspec.json.Decoder().decode
_decode_summary = msgspec.json.Decoder(_SummaryTurn).decode
Decode = Callable[[bytes], Any]


def decode_record(raw: bytes, decode: Decode = _decode_full) -> dict[str, Any] | None:
    """One JSON object line, or None when it is not one."""
    return _decode(raw, decode)[0]


def _decode(raw: bytes, decode: Decode) -> tuple[dict[str, Any] | None, bool]:
    """The record, and whether a typed decoder already checked the types of what it holds."""
    try:
        record = decode(raw)
    except (msgspec.DecodeError, ValueError, UnicodeDecodeError):
        if decode is not _decode_full:
            return _decode(raw, _decode_full)  # odd types in known fields: the general way
        try:
            record = json.loads(raw)  # also accepts what msgspec does not, e.g. NaN
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None, False
    if isinstance(record, msgspec.Struct):  # only the fields the JSON held (defaults omitted)
        return msgspec.to_builtins(record), True
    return (record if isinstance(record, dict) else None), False


@dataclass
class _TurnLines:
    number: int = 0  # the turn number its records carry
    begin: LineRef | None = None
    deltas: list[LineRef] = field(default_factory=list)
    final: LineRef | None = None


def _unreadable(number: int) -> dict[str, Any]:
    return {"type": "turn", "turn": number, "status": "unreadable", "reply": "",
            "annotations": [], "error": "this turn's records are damaged"}


class _LazyTurns(Sequence[dict[str, Any]]):
    """Turns decoded on first access (the TUI's replay shows one turn at a time)."""

    def __init__(self, index: _SessionIndex, decode: Decode) -> None:
        self._index, self._decode = index, decode
        self._ids = list(index.order)
        self._done: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def stream(self) -> Iterator[dict[str, Any]]:
        """Every turn in order, decoded one at a time and not kept (a 100 MB session is
        printed in bounded memory)."""
        for turn_id in self._ids:
            yield self._done.get(turn_id) or self._index.materialize(turn_id, self._decode) \
                or _unreadable(self._index.turns[turn_id].number)

    @overload
    def __getitem__(self, item: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, item: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, item: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(item, slice):
            return [self[i] for i in range(*item.indices(len(self)))]
        turn_id = self._ids[item]
        if turn_id not in self._done:
            turn = self._index.materialize(turn_id, self._decode)
            self._done[turn_id] = turn or _unreadable(self._index.turns[turn_id].number)
        return self._done[turn_id]


@dataclass
class _SessionIndex:
    source: LineSource
    header: dict[str, Any]
    order: list[int]
    turns: dict[int, _TurnLines]
    problems: list[str]
    torn_line: int | None
    notes: list[str] = field(default_factory=list)
    _typed: bool = False  # the last record came through a typed decoder

    def _record(self, where: LineRef, decode: Decode) -> dict[str, Any] | None:
        number = where[0]
        record, self._typed = _decode(self.source.read(where), decode)
        if record is None:
            if number == self.torn_line:
                self.problems.append(f"line {number}: torn last line (interrupted write) skipped")
            else:
                self.problems.append(f"line {number}: not valid JSON, skipped")
        return record

    def materialize(self, turn_id: int, decode: Decode) -> dict[str, Any] | None:
        self._typed = False
        turn = self._materialize(turn_id, decode)
        if turn is None or self._typed:  # a typed decoder has checked what the listing reads
            return turn
        problem = shape_problem(turn)
        if problem is not None:
            lines = self.turns[turn_id]
            where = (lines.final or lines.begin or (0, 0, 0))[0]
            self.problems.append(f"line {where}: turn {lines.number} does not fit the session "
                                 f"format ({problem}), skipped")
            return None
        return turn

    def _materialize(self, turn_id: int, decode: Decode) -> dict[str, Any] | None:
        lines = self.turns[turn_id]
        if lines.final is not None:
            final = self._record(lines.final, decode)
            if final is not None:
                return final
        if lines.begin is None:
            return None
        begin = self._record(lines.begin, decode)
        if begin is None:
            return None
        partial = {k: v for k, v in begin.items() if k != "type"}
        texts = [] if decode is _decode_summary else [self._record(d, decode) for d in lines.deltas]
        partial.update(type="turn", status="interrupted", annotations=[],
                       reply="".join(str(t.get("text", "")) for t in texts if t is not None))
        return partial


def _line_number(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0


def _pair_final(final: bytes, waiting: list[int], turns: dict[int, _TurnLines],
                source: LineSource) -> int:
    """The begun entry a final record closes: the only one, or (two writers having numbered
    turns alike) the one whose begin has the same conversation and start time."""
    if len(waiting) == 1:
        return waiting[0]
    record = decode_record(final) or {}
    mark = (record.get("conversation"), record.get("created"))
    for key in waiting:
        begin = turns[key].begin
        begun = decode_record(source.read(begin)) if begin is not None else None
        if begun is not None and (begun.get("conversation"), begun.get("created")) == mark:
            return key
    return waiting[0]


def _index(path: Path) -> _SessionIndex:
    source = LineSource(path)
    if source.is_blank():
        raise SashellError(f"{path}: empty file, not a sashell session")
    header: dict[str, Any] | None = None
    turns: dict[int, _TurnLines] = {}
    order: list[int] = []
    open_turns: dict[int, list[int]] = {}
    seen_numbers: set[int] = set()
    notes: list[str] = []
    problems: list[str] = []
    last = 0
    for number, (offset, line) in enumerate(source.lines(), start=1):
        last = number
        if not line.strip():
            continue
        framed = FRAMED.match(line) if header is not None else None
        if framed is not None:
            kind, turn_id = framed.group(1).decode(), int(framed.group(2))
        else:
            record = decode_record(line)
            if record is None:
                # (whether it is the torn last line is known once every line is read)
                problems.append(f"line {number}: not valid JSON, skipped")
                continue
            kind = record.get("type")
            if header is None:
                if kind != "header":
                    raise SashellError(f"{path}: not a sashell session (no header on line {number})")
                header = record
                schema = record.get("schema")
                if not isinstance(schema, int) or schema > SCHEMA_VERSION:
                    problems.append(f"schema {schema!r} is newer than this sashell reads "
                                    f"({SCHEMA_VERSION}); reading what it can")
                continue
            number_field = record.get("turn")
            if not isinstance(number_field, int) or isinstance(number_field, bool):
                problems.append(f"line {number}: record without a turn number, skipped")
                continue
            turn_id = number_field
            if kind not in ("turn_begin", "turn_delta", "turn"):
                problems.append(f"line {number}: unknown record type {kind!r}, skipped")
                continue
        ref = (number, offset, len(line))
        # Entries are keyed by order of appearance: files written by two processes at once
        # before writers took a lock may number two turns alike, and every turn is kept.
        waiting = open_turns.setdefault(turn_id, [])  # keys of begun, unfinished entries
        if kind == "turn_begin":
            if turn_id in seen_numbers:
                notes.append(f"line {number}: turn {turn_id} is numbered like an earlier one "
                             "(two writers at once); both are kept")
            seen_numbers.add(turn_id)
            key = len(turns)
            turns[key] = _TurnLines(number=turn_id, begin=ref)
            order.append(key)
            waiting.append(key)
        elif kind == "turn_delta":
            if waiting:
                turns[waiting[-1]].deltas.append(ref)
        else:
            paired = _pair_final(line, waiting, turns, source) if waiting else None
            if paired is None:
                if turn_id in seen_numbers and not waiting:
                    notes.append(f"line {number}: turn {turn_id} is numbered like an earlier "
                                 "one (two writers at once); both are kept")
                seen_numbers.add(turn_id)
                paired = len(turns)
                turns[paired] = _TurnLines(number=turn_id)
                order.append(paired)
            else:
                waiting.remove(paired)
            turns[paired].final = ref
    if header is None:
        raise SashellError(f"{path}: not a sashell session (no valid header)")
    torn_line = None if source.ends_with_newline else last
    if torn_line is not None:
        invalid = f"line {torn_line}: not valid JSON, skipped"
        problems[:] = [f"line {torn_line}: torn last line (interrupted write) skipped"
                       if p == invalid else p for p in problems]
    return _SessionIndex(source, header, order, turns, problems, torn_line, notes)


def load_session(path: str | os.PathLike[str], *, lazy: bool = False,
                 summary_only: bool = False) -> LoadedSession:
    """Read a session, tolerating damage: valid turns are kept, the rest reported in ``problems``.

    Raises SashellError only when the file cannot be read or holds no sashell header at all.
    ``summary_only`` decodes just the fields a listing needs (model name, tier, status,
    annotations' kind/flag/label/word); ``lazy`` decodes each turn when it is first accessed.
    """
    index = _index(Path(path))
    decode = _decode_summary if summary_only else _decode_full
    if lazy:
        turns: Sequence[dict[str, Any]] = _LazyTurns(index, decode)
    else:
        turns = [t for t in (index.materialize(i, decode) for i in index.order) if t is not None]
        index.problems.sort(key=_line_number)
    return LoadedSession(index.source.path, index.header, turns, index.problems,
                         index.torn_line is not None and any(
                             "torn last line" in p for p in index.problems), index.notes)
