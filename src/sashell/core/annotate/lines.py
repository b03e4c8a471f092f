"""Incremental line splitting shared by annotators that read a reply line by line."""

from __future__ import annotations


class LineBuffer:
    """Collects streamed text and hands out completed lines (CRLF-safe)."""

    def __init__(self) -> None:
        self._partial: list[str] = []

    def feed(self, delta: str) -> list[str]:
        if "\n" not in delta:
            if delta:
                self._partial.append(delta)
            return []
        pieces = delta.split("\n")
        self._partial.append(pieces[0])
        completed = ["".join(self._partial).removesuffix("\r")]
        completed.extend(p.removesuffix("\r") for p in pieces[1:-1])
        self._partial = [pieces[-1]] if pieces[-1] else []
        return completed

    @property
    def partial(self) -> str:
        if len(self._partial) > 1:
            self._partial = ["".join(self._partial)]
        return self._partial[0].removesuffix("\r") if self._partial else ""
