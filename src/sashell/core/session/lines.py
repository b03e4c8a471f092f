"""A session file's lines, found again by where they are: the loader's index keeps each line's
offset and length, never its bytes, so a 100 MB session is indexed and printed turn by turn in
bounded memory. Small files are read whole once (one read beats a read per turn)."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from pathlib import Path

from sashell.core.errors import SashellError

READ_CHUNK = 1 << 20
IN_MEMORY_BYTES = 16 << 20

LineRef = tuple[int, int, int]  # (line number from 1, byte offset, length without the newline)


class LineSource:
    """The lines of one file, in order (``lines``) and one at a time by reference (``read``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise SashellError(f"cannot read session {path}: {exc.strerror or exc}") from None
        try:
            size = os.fstat(fd).st_size
            self._data: bytes | None = None
            if size <= IN_MEMORY_BYTES:
                with os.fdopen(os.dup(fd), "rb") as handle:
                    self._data = handle.read()
                size = len(self._data)
                self.ends_with_newline = self._data.endswith(b"\n")
            else:
                self.ends_with_newline = os.pread(fd, 1, size - 1) == b"\n"
        except OSError as exc:
            os.close(fd)
            raise SashellError(f"cannot read session {path}: {exc.strerror or exc}") from None
        self.size = size
        if self._data is not None:
            os.close(fd)
            self._fd: int | None = None
        else:
            self._fd = fd
            weakref.finalize(self, os.close, fd)  # open as long as a lazy session is read

    def is_blank(self) -> bool:
        if self._data is not None:
            return not self._data.strip()
        return all(not line.strip() for _, line in self.lines())

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(offset, line without its newline) for every line; a last line without a newline
        (a torn write) is included."""
        if self._data is not None:
            pieces = self._data.split(b"\n")
            if self.ends_with_newline:
                pieces.pop()
            offset = 0
            for piece in pieces:
                yield offset, piece
                offset += len(piece) + 1
            return
        yield from self._chunked()

    def _chunked(self) -> Iterator[tuple[int, bytes]]:
        assert self._fd is not None
        offset, position = 0, 0
        pending: list[bytes] = []  # the start of a line that runs past the chunk read
        while chunk := os.pread(self._fd, READ_CHUNK, position):
            position += len(chunk)
            pieces = chunk.split(b"\n")
            if len(pieces) == 1:  # no line ends here
                pending.append(chunk)
                continue
            if pending:
                pending.append(pieces[0])
                pieces[0] = b"".join(pending)
                pending = []
            pending.append(pieces.pop())
            for piece in pieces:
                yield offset, piece
                offset += len(piece) + 1
        if pending and pending != [b""]:
            yield offset, b"".join(pending)

    def read(self, ref: LineRef) -> bytes:
        _, offset, length = ref
        if self._data is not None:
            return self._data[offset:offset + length]
        assert self._fd is not None
        try:
            return os.pread(self._fd, length, offset)
        except OSError:
            return b""  # read as a damaged line
