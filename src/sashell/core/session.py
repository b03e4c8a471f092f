"""Session journals: one append-only JSONL file per session (format in docs/session-format.md).

Line 1 is a header; then, per turn, a ``turn_begin`` record, ``turn_delta`` checkpoints of the
streamed text (flushed, so a killed process leaves them behind) and a final ``turn`` record,
flushed and fsynced. The loader rebuilds a turn that has a begin but no end as ``interrupted``,
skips lines it cannot parse (a torn last line after a crash, garbage) and reports them.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sashell import __version__
from sashell.core.errors import SashellError

SCHEMA_VERSION = 1
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
    turns: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    torn_tail: bool = False

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


def load_session(path: str | os.PathLike[str]) -> LoadedSession:
    """Read a session, tolerating damage: valid turns are kept, the rest reported in ``problems``.

    Raises SashellError only when the file cannot be read or holds no sashell header at all.
    """
    path = Path(path)
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
    header: dict[str, Any] | None = None
    finals: dict[int, dict[str, Any]] = {}
    begins: dict[int, dict[str, Any]] = {}
    deltas: dict[int, list[str]] = {}
    order: list[int] = []
    problems: list[str] = []
    torn = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            if number == len(lines) and not ends_with_newline:
                torn = True
                problems.append(f"line {number}: torn last line (interrupted write) skipped")
            else:
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
        turn_id = record.get("turn")
        if not isinstance(turn_id, int):
            problems.append(f"line {number}: record without a turn number, skipped")
            continue
        if kind == "turn_begin":
            begins[turn_id] = record
            order.append(turn_id)
        elif kind == "turn_delta":
            deltas.setdefault(turn_id, []).append(str(record.get("text", "")))
        elif kind == "turn":
            if turn_id not in begins:
                order.append(turn_id)
            finals[turn_id] = record
        else:
            problems.append(f"line {number}: unknown record type {kind!r}, skipped")
    if header is None:
        raise SashellError(f"{path}: not a sashell session (no valid header)")
    turns: list[dict[str, Any]] = []
    for turn_id in dict.fromkeys(order):
        if turn_id in finals:
            turns.append(finals[turn_id])
        else:
            partial = {k: v for k, v in begins[turn_id].items() if k != "type"}
            partial.update(type="turn", status="interrupted", reply="".join(deltas.get(turn_id, [])),
                           annotations=[])
            turns.append(partial)
    return LoadedSession(path, header, turns, problems, torn)


class SessionWriter:
    """Appends records to one session file; safe to share between concurrent turns of one process."""

    def __init__(self, path: Path, header: dict[str, Any] | None, next_turn: int) -> None:
        self.path = path
        self._next_turn = next_turn
        self._file: IO[str] = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        if header is not None:
            self._write(header)
            self._sync()

    @classmethod
    def create(cls, directory: Path, name: str, title: str | None = None,
               extra: dict[str, Any] | None = None) -> SessionWriter:
        """A new session file; ``extra`` adds header fields (a sweep's id, a re-run's source)."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.jsonl"
        suffix = 1
        while path.exists():
            suffix += 1
            path = directory / f"{name}-{suffix}.jsonl"
        header = {"type": "header", "schema": SCHEMA_VERSION, "sashell": __version__,
                  "created": now_iso(), "name": title or path.stem, **(extra or {})}
        return cls(path, header, 1)

    @classmethod
    def open_existing(cls, loaded: LoadedSession) -> SessionWriter:
        if loaded.problems:
            raise SashellError(f"will not append to a damaged session: {loaded.problem_summary()}")
        last = max((t.get("turn", 0) for t in loaded.turns), default=0)
        return cls(loaded.path, None, last + 1)

    def new_turn_id(self) -> int:
        turn_id = self._next_turn
        self._next_turn += 1
        return turn_id

    def begin(self, turn_id: int, record: dict[str, Any]) -> None:
        self._write({"type": "turn_begin", "turn": turn_id, **record})
        self._file.flush()

    def checkpoint(self, turn_id: int, text: str) -> None:
        if text:
            self._write({"type": "turn_delta", "turn": turn_id, "text": text})
            self._file.flush()

    def finish(self, turn_id: int, record: dict[str, Any]) -> None:
        self._write({"type": "turn", "turn": turn_id, **record})
        self._sync()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())


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


def resolve_session_path(name: str, directory: Path) -> Path:
    """``--session NAME``: a path if it looks like one, else <sessions-dir>/NAME.jsonl."""
    if "/" in name or name.endswith(".jsonl"):
        return Path(name)
    return directory / f"{name}.jsonl"


def latest_session(directory: Path) -> Path | None:
    if not directory.is_dir():
        return None
    files = [p for p in directory.glob("*.jsonl") if p.is_file()]
    return max(files, key=lambda p: p.stat().st_mtime, default=None)
