"""Appending to a session: an exclusive lock per write, turn numbers chosen under it, each final
record fsynced (so a crash loses no completed turn)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import msgspec

from sashell import __version__
from sashell.core.errors import SashellError
from sashell.core.records import SCHEMA_VERSION, TurnRecord, TurnRequest
from sashell.core.session.files import ensure_directory, next_free, now_iso
from sashell.core.session.framing import ENCODE, FRAMED_ANYWHERE
from sashell.core.session.loading import LoadedSession, load_session

CHECKPOINT_INTERVAL_S = 0.25

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
                self.path = next_free(self.path)
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
        for match in FRAMED_ANYWHERE.finditer(tail, 0, complete):
            self._max_turn = max(self._max_turn, int(match.group(2)))
        self._scanned += complete

    @classmethod
    def create(cls, directory: Path, name: str, title: str | None = None,
               extra: dict[str, Any] | None = None) -> SessionWriter:
        """A new session file; ``extra`` adds header fields (a sweep's id, a re-run's source)."""
        ensure_directory(directory, "sessions directory")
        path = directory / f"{name}.jsonl"
        if path.exists():
            path = next_free(path)
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
        """Sync what is unsynced and close; a write that failed (a full disk) and is still
        buffered fails again here, in one line, and the file is closed all the same."""
        try:
            if self._file is not None and not self._file.closed:
                if self._unsynced:
                    self._unsynced = False
                    self._sync()
                self._file.close()
        except OSError as exc:
            if self._file is not None:
                with contextlib.suppress(OSError):
                    self._file.close()  # (the descriptor is released even when the flush fails)
            raise SashellError(f"cannot write session {self.path}: {exc.strerror or exc}") from None
        finally:
            self._release_presence()

    def _release_presence(self) -> None:
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
        """``{"type": KIND, "turn": N, ...record}``: the framing as readers match it (``FRAMED``),
        the rest encoded by msgspec (several times faster than json for a turn's record)."""
        try:
            body = ENCODE(record).decode("utf-8")
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
