"""Session journals: one append-only JSONL file per session (format in docs/session-format.md).

Line 1 is a header; then, per turn, a ``turn_begin`` record, ``turn_delta`` checkpoints of the
streamed text (flushed, so a killed process leaves them behind) and a final ``turn`` record,
flushed and fsynced. The loader rebuilds a turn that has a begin but no end as ``interrupted``,
skips lines it cannot parse (a torn last line after a crash, garbage) and reports them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, overload

import msgspec

from sashell import __version__
from sashell.core.errors import SashellError
from sashell.core.paths import example_sessions_dir
from sashell.core.records import SCHEMA_VERSION, TurnRecord, TurnRequest, shape_problem

CHECKPOINT_INTERVAL_S = 0.25


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def slugify(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "session"


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

# How SessionWriter frames every turn record: the type and turn number come first, so lines can be
# indexed without parsing them, and each turn parsed once, or only when it is looked at.
_ENCODE = msgspec.json.Encoder().encode
_FRAMED = re.compile(rb'\{"type": "(turn_begin|turn_delta|turn)", "turn": (-?\d+)[,}]')
_FRAMED_ANYWHERE = re.compile(rb'^\{"type": "(turn_begin|turn)", "turn": (\d+)[,}]', re.MULTILINE)


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
    begin: tuple[int, bytes] | None = None
    deltas: list[tuple[int, bytes]] = field(default_factory=list)
    final: tuple[int, bytes] | None = None


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
            yield self._done.get(turn_id) or self._index.materialize(turn_id, self._decode) or {
                "type": "turn", "turn": self._index.turns[turn_id].number,
                "status": "unreadable", "reply": "", "annotations": [],
                "error": "this turn's records are damaged"}

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
            self._done[turn_id] = turn or {
                "type": "turn", "turn": self._index.turns[turn_id].number,
                "status": "unreadable", "reply": "",
                "annotations": [], "error": "this turn's records are damaged"}
        return self._done[turn_id]


@dataclass
class _SessionIndex:
    path: Path
    header: dict[str, Any]
    order: list[int]
    turns: dict[int, _TurnLines]
    problems: list[str]
    torn_line: int | None
    notes: list[str] = field(default_factory=list)
    _typed: bool = False  # the last record came through a typed decoder

    def _record(self, where: tuple[int, bytes], decode: Decode) -> dict[str, Any] | None:
        number, raw = where
        record, self._typed = _decode(raw, decode)
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
            where = (lines.final or lines.begin or (0, b""))[0]
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


def _pair_final(final: bytes, waiting: list[int], turns: dict[int, _TurnLines]) -> int:
    """The begun entry a final record closes: the only one, or (two writers having numbered
    turns alike) the one whose begin has the same conversation and start time."""
    if len(waiting) == 1:
        return waiting[0]
    record = decode_record(final) or {}
    mark = (record.get("conversation"), record.get("created"))
    for key in waiting:
        begin = turns[key].begin
        begun = decode_record(begin[1]) if begin is not None else None
        if begun is not None and (begun.get("conversation"), begun.get("created")) == mark:
            return key
    return waiting[0]


def _index(path: Path) -> _SessionIndex:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SashellError(f"cannot read session {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise SashellError(f"{path}: empty file, not a sashell session")
    lines = raw.split(b"\n")
    ends_with_newline = raw.endswith(b"\n")
    if ends_with_newline:
        lines.pop()
    torn_line = None if ends_with_newline else len(lines)
    header: dict[str, Any] | None = None
    turns: dict[int, _TurnLines] = {}
    order: list[int] = []
    open_turns: dict[int, list[int]] = {}
    seen_numbers: set[int] = set()
    notes: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        framed = _FRAMED.match(line) if header is not None else None
        if framed is not None:
            kind, turn_id = framed.group(1).decode(), int(framed.group(2))
        else:
            record = decode_record(line)
            if record is None:
                problems.append(f"line {number}: torn last line (interrupted write) skipped"
                                if number == torn_line else f"line {number}: not valid JSON, skipped")
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
        # Entries are keyed by order of appearance: files written by two processes at once
        # before writers took a lock may number two turns alike, and every turn is kept.
        waiting = open_turns.setdefault(turn_id, [])  # keys of begun, unfinished entries
        if kind == "turn_begin":
            if turn_id in seen_numbers:
                notes.append(f"line {number}: turn {turn_id} is numbered like an earlier one "
                             "(two writers at once); both are kept")
            seen_numbers.add(turn_id)
            key = len(turns)
            turns[key] = _TurnLines(number=turn_id, begin=(number, line))
            order.append(key)
            waiting.append(key)
        elif kind == "turn_delta":
            if waiting:
                turns[waiting[-1]].deltas.append((number, line))
        else:
            paired = _pair_final(line, waiting, turns) if waiting else None
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
            turns[paired].final = (number, line)
    if header is None:
        raise SashellError(f"{path}: not a sashell session (no valid header)")
    return _SessionIndex(path, header, order, turns, problems, torn_line, notes)


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
    return LoadedSession(index.path, index.header, turns, index.problems,
                         index.torn_line is not None and any(
                             "torn last line" in p for p in index.problems), index.notes)


SHARED_SESSION_NOTE = ("another sashell is writing to this session too: both are kept, each turn "
                       "under its own number")


class SessionWriter:
    """Appends records to one session file. Safe to share between the concurrent turns of one
    process, and between processes: every write holds an exclusive ``flock`` on the file, and a
    turn's number is chosen under that lock from the turns already in the file, so two writers
    (two ``probe --session`` runs, a TUI and a REPL) never number two turns alike."""

    def __init__(self, path: Path, header: dict[str, Any] | None, next_turn: int,
                 shared_name: bool = False) -> None:
        self.path = path
        self._shared_name = shared_name  # a --session NAME: appended to by whoever comes
        self._max_turn = next_turn - 1
        self._thread_lock = threading.Lock()
        self._scanned = 0  # bytes of the file already read for turn numbers
        self._own_end = 0  # the file's size after this writer's last flush
        self._foreign = False  # another writer appended since this one last looked
        self._header = header  # a new session's file is created with its first turn
        self._file: IO[str] | None = None
        self._presence: int | None = None
        self.others_writing = False
        # Each finished turn is fsynced, so a crash loses no completed turn. Bringing batch
        # results home turns that off: the results file is the durable copy, a rerun skips what
        # was written, and close() syncs once.
        self.sync_each_turn = True
        self._unsynced = False
        if header is None:
            self._open("a")

    def _open(self, mode: str) -> IO[str]:
        try:
            self._file = open(self.path, mode, encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            raise SashellError(f"cannot write session {self.path}: {exc.strerror or exc}"
                               ) from None
        self.others_writing = self._announce()
        return self._file

    def _ensure_file(self) -> IO[str]:
        """The open file; a new session's is created now, exclusively (another process that
        picked the same name moves this one to the next free name), its header first."""
        if self._file is not None:
            return self._file
        if self._shared_name:
            handle = self._open("a")
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                if handle.tell() == 0 and self.path.stat().st_size == 0:
                    self._write(self._header or {})
                    self._sync()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return handle
        while True:
            try:
                handle = self._open("x")
                break
            except SashellError:
                if not self.path.exists():
                    raise
                self.path = _next_free(self.path)
        self._write(self._header or {})
        self._sync()
        return handle

    def _announce(self) -> bool:
        """Mark this writer present (a shared ``flock`` on a hidden ``.NAME.jsonl.writers``
        file beside the session, held while it is open) and say whether another one already
        is. A lock file of its own: POSIX locks on the session would be dropped whenever this
        process closed any other handle on it (a listing reading it, say)."""
        marker = self.path.with_name(f".{self.path.name}.writers")
        try:
            fd = os.open(marker, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False  # a read-only directory: presence cannot be told, writing still locks
        self._presence = fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            others = False
        except OSError:
            others = True
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_SH)
        return others

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The file lock, for one write; a failed write (a full disk, a file gone read-only)
        becomes a one-line SashellError naming the session."""
        with self._thread_lock:
            try:
                handle = self._ensure_file()
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            except OSError as exc:
                raise SashellError(f"cannot write session {self.path}: "
                                   f"{exc.strerror or exc}") from None

    def _catch_up(self) -> None:
        """Read what other writers appended since the last look, for their turn numbers (when
        every byte since is this writer's own, there is nothing to read)."""
        if self._file is not None and not self._foreign:
            size = os.fstat(self._file.fileno()).st_size
            if size == self._own_end:
                self._scanned = size
                return
        self._foreign = False
        with open(self.path, "rb") as handle:
            handle.seek(self._scanned)
            tail = handle.read()
        complete = tail.rfind(b"\n") + 1
        for match in _FRAMED_ANYWHERE.finditer(tail, 0, complete):
            self._max_turn = max(self._max_turn, int(match.group(2)))
        self._scanned += complete

    @classmethod
    def create(cls, directory: Path, name: str, title: str | None = None,
               extra: dict[str, Any] | None = None) -> SessionWriter:
        """A new session file; ``extra`` adds header fields (a sweep's id, a re-run's source)."""
        ensure_directory(directory, "sessions directory")
        path = directory / f"{name}.jsonl"
        if path.exists():
            path = _next_free(path)
        header = {"type": "header", "schema": SCHEMA_VERSION, "sashell": __version__,
                  "created": now_iso(), "name": title or path.stem, **(extra or {})}
        return cls(path, header, 1)

    @classmethod
    def named(cls, path: Path, title: str | None = None) -> SessionWriter:
        """A session chosen by name (``--session NAME``) that does not exist yet: created with
        its first turn, unless another writer creates it first; then both append to it."""
        ensure_directory(path.parent, "sessions directory")
        header = {"type": "header", "schema": SCHEMA_VERSION, "sashell": __version__,
                  "created": now_iso(), "name": title or path.stem}
        return cls(path, header, 1, shared_name=True)

    @classmethod
    def append_to(cls, path: Path) -> tuple[SessionWriter, LoadedSession]:
        """Load a session and open it for appending, reading it while no writer is mid-line
        (under a shared lock), so another process's turn in progress is not taken for damage."""
        try:
            with open(path, "rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
                try:
                    loaded = load_session(path)
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError as exc:
            raise SashellError(f"cannot read session {path}: {exc.strerror or exc}") from None
        return cls.open_existing(loaded), loaded

    @classmethod
    def open_existing(cls, loaded: LoadedSession) -> SessionWriter:
        if loaded.problems:
            raise SashellError(f"will not append to a damaged session: {loaded.problem_summary()}")
        last = max((t.get("turn", 0) for t in loaded.turns), default=0)
        return cls(loaded.path, None, last + 1)

    def begin(self, record: TurnRequest) -> int:
        """Write a turn's begin record under a new turn number, and return the number."""
        with self._locked():
            self._catch_up()
            self._max_turn += 1
            turn_id = self._max_turn
            self._write_framed("turn_begin", turn_id, record)
            self._flush()
        return turn_id

    def reserve(self) -> int:
        """A new turn number without a begin record: for a reply that exists whole already (a
        batch result), whose only record is its final one."""
        with self._locked():
            self._catch_up()
            self._max_turn += 1
            return self._max_turn

    def checkpoint(self, turn_id: int, text: str) -> None:
        if text:
            with self._locked():
                self._write({"type": "turn_delta", "turn": turn_id, "text": text})
                self._flush()

    def finish(self, turn_id: int, record: TurnRecord) -> None:
        with self._locked():
            self._write_framed("turn", turn_id, record)
            if self.sync_each_turn:
                self._sync()
            else:
                self._flush()
                self._unsynced = True

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            if self._unsynced:
                self._sync()
                self._unsynced = False
            self._file.close()
        if self._presence is not None:
            try:  # the last writer out removes the marker
                fcntl.flock(self._presence, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.path.with_name(f".{self.path.name}.writers").unlink(missing_ok=True)
            except OSError:
                pass
            os.close(self._presence)
            self._presence = None

    def _write(self, record: Mapping[str, Any]) -> None:
        self._append(json.dumps(record, ensure_ascii=False) + "\n")

    def _append(self, line: str) -> None:
        assert self._file is not None
        if os.fstat(self._file.fileno()).st_size != self._own_end:
            self._foreign = True  # someone appended since this writer's last flush
        self._file.write(line)

    def _write_framed(self, kind: str, turn_id: int, record: Mapping[str, Any]) -> None:
        """``{"type": KIND, "turn": N, ...record}``: the framing as readers match it (``_FRAMED``),
        the rest encoded by msgspec (several times faster than json for a turn's record)."""
        try:
            body = _ENCODE(record).decode("utf-8")
        except (TypeError, ValueError, msgspec.EncodeError):
            self._write({"type": kind, "turn": turn_id, **record})  # what json alone can say
            return
        rest = ", " + body[1:] if body != "{}" else "}"
        self._append(f'{{"type": "{kind}", "turn": {turn_id}{rest}\n')

    def _flush(self) -> None:
        assert self._file is not None
        self._file.flush()
        self._own_end = os.fstat(self._file.fileno()).st_size

    def _sync(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._own_end = os.fstat(self._file.fileno()).st_size


class TurnCheckpointer:
    """Writes a streaming turn's new text to the journal at most every CHECKPOINT_INTERVAL_S."""

    def __init__(self, writer: SessionWriter, turn_id: int) -> None:
        self._writer = writer
        self._turn_id = turn_id
        self._pending: list[str] = []
        self._last = time.monotonic()

    def add(self, text: str) -> None:
        self._pending.append(text)
        now = time.monotonic()
        if now - self._last >= CHECKPOINT_INTERVAL_S:
            self.flush()
            self._last = now

    def flush(self) -> None:
        if self._pending:
            self._writer.checkpoint(self._turn_id, "".join(self._pending))
            self._pending.clear()


EXAMPLES_PREFIX = "examples/"


def _next_free(path: Path) -> Path:
    """``name-2.jsonl``, ``name-3.jsonl``…: the first that does not exist."""
    suffix = 2
    while (candidate := path.with_name(f"{path.stem}-{suffix}.jsonl")).exists():
        suffix += 1
    return candidate


def ensure_directory(directory: Path, what: str) -> None:
    """Create ``directory`` (and its parents) or say in one line why it cannot be one."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SashellError(f"{what} {directory} is a file, not a directory") from None
    except OSError as exc:
        raise SashellError(f"cannot create {what} {directory}: {exc.strerror or exc}") from None
    if not directory.is_dir():
        raise SashellError(f"{what} {directory} is not a directory")


def resolve_session_path(name: str, directory: Path) -> Path:
    """``--session NAME``: a path if it looks like one, else <sessions-dir>/NAME.jsonl.
    ``examples/NAME`` names a shipped example session when no such file is here."""
    if name.startswith(EXAMPLES_PREFIX) and not Path(name).exists():
        stem = name.removeprefix(EXAMPLES_PREFIX).removesuffix(".jsonl")
        return example_sessions_dir() / f"{stem}.jsonl"
    if "\0" in name or not name.strip() or name.strip(".") == "":
        raise SashellError(f"{name!r} is not a session name")
    if "/" in name or name.endswith(".jsonl"):
        return Path(name)
    if len(name.encode()) > 200:
        raise SashellError("a session name is at most 200 bytes")
    return directory / f"{name}.jsonl"


def session_files(directory: Path) -> list[Path]:
    """The session files in a directory, newest first (none when it does not exist yet)."""
    if directory.exists() and not directory.is_dir():
        raise SashellError(f"sessions directory {directory} is not a directory")
    if not directory.is_dir():
        return []
    stamped = []
    for path in directory.glob("*.jsonl"):
        try:
            if path.is_file():
                stamped.append((path.stat().st_mtime, path))
        except OSError:
            continue
    return [path for _, path in sorted(stamped, key=lambda pair: pair[0], reverse=True)]


def latest_session(directory: Path) -> Path | None:
    files = session_files(directory)
    return files[0] if files else None
