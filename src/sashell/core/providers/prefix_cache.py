"""A bounded on-disk store of llama.cpp KV states for shared prompt prefixes.

The long tier context is the same for every probe; its KV state is saved once per distinct prefix
(keyed by the model and the exact prefix tokens) so a new process skips the prefill. Only the KV
state and the token ids are kept (llama-cpp-python's own LlamaDiskCache also stores a full logits
matrix and saves after every completion, which costs far more disk and time here).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
from collections.abc import Sequence
from pathlib import Path

DEFAULT_CAPACITY_BYTES = 2 * 1024**3
_MAGIC = b"SASHKV1\n"


def prefix_key(model_id: str, tokens: Sequence[int]) -> str:
    digest = hashlib.sha256(model_id.encode())
    digest.update(struct.pack(f"<{len(tokens)}i", *tokens))
    return digest.hexdigest()[:32]


class PrefixStateCache:
    def __init__(self, directory: Path, capacity_bytes: int = DEFAULT_CAPACITY_BYTES) -> None:
        self.directory = directory
        self.capacity_bytes = capacity_bytes

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.kv"

    def load(self, key: str, n_tokens: int) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        header = len(_MAGIC) + 8
        if not data.startswith(_MAGIC) or len(data) < header:
            path.unlink(missing_ok=True)
            return None
        (stored_tokens,) = struct.unpack("<Q", data[len(_MAGIC):header])
        if stored_tokens != n_tokens:
            return None
        os.utime(path)  # least-recently-used eviction reads mtime
        return data[header:]

    def store(self, key: str, n_tokens: int, state: bytes) -> None:
        """Keep a state for next time; a cache that cannot be written (a full disk, a
        read-only home) only costs the prefill again, never the turn."""
        if len(state) > self.capacity_bytes:
            return
        path = self._path(key)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(_MAGIC + struct.pack("<Q", n_tokens))
                handle.write(state)
            os.replace(tmp, path)  # readers never see a half-written state
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return
        self._evict()

    def _evict(self) -> None:
        entries = []
        for path in self.directory.glob("*.kv"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.capacity_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
