"""Writing result files whole: readers never see half a file, and a crash leaves the old one.
A write that fails (a full disk, a read-only directory) leaves no temporary file behind and
becomes one line naming the file."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sashell.core.errors import SashellError


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """``write`` fills a temporary file beside ``path``, which then replaces ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SashellError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text_atomic(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    write_atomic(path, lambda handle: handle.write(data))


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
