"""Session journals: one append-only JSONL file per session (format in docs/session-format.md).

Line 1 is a header; then, per turn, a ``turn_begin`` record, ``turn_delta`` checkpoints of the
streamed text (flushed, so a killed process leaves them behind) and a final ``turn`` record,
flushed and fsynced. The loader rebuilds a turn that has a begin but no end as ``interrupted``,
skips lines it cannot parse (a torn last line after a crash, garbage) and reports them.

``files`` names and finds session files, ``lines`` reads a file's lines by offset, ``loading``
indexes and decodes them, ``writing`` appends under a lock.
"""

from sashell.core.records import SCHEMA_VERSION
from sashell.core.session.files import (
    ensure_directory,
    latest_session,
    now_iso,
    resolve_session_path,
    session_files,
    slugify,
)
from sashell.core.session.loading import LoadedSession, decode_record, load_session
from sashell.core.session.writing import SHARED_SESSION_NOTE, SessionWriter, TurnCheckpointer

__all__ = [
    "SCHEMA_VERSION",
    "SHARED_SESSION_NOTE",
    "LoadedSession",
    "SessionWriter",
    "TurnCheckpointer",
    "decode_record",
    "ensure_directory",
    "latest_session",
    "load_session",
    "now_iso",
    "resolve_session_path",
    "session_files",
    "slugify",
]
