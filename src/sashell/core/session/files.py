"""Naming, finding and creating session files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sashell.core.errors import SashellError
from sashell.core.paths import example_sessions_dir

EXAMPLES_PREFIX = "examples/"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def slugify(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "session"


def next_free(path: Path) -> Path:
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
