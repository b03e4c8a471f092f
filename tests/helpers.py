"""Helpers shared by tests: run the CLI as a user would, find ports, wait for servers, check
the phrase patterns against a full scan."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from typing import Any

import httpx

# A limit only a hung run reaches: tests wait on events, and a loaded machine is slow (a TUI
# test once ran out of 300 s). Every wait in the suite is capped by this, never by less.
HANG_S = 1200.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            timeout: float = HANG_S) -> subprocess.CompletedProcess[str]:
    """Run `python -m sashell ARGS` in the current directory, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "sashell", *args], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, input=stdin, timeout=timeout,
    )


def wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout: float = HANG_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def phrase_regexes() -> list[Any]:
    """Every LineRegex the annotators use (each one a module of theirs defines)."""
    from sashell.core.annotate import af_reasoning, compliance_phrases, self_report
    from sashell.core.annotate.lines import LineRegex

    found = [value for module in (compliance_phrases, self_report) for value in vars(module).values()
             if isinstance(value, LineRegex)]
    assert len(found) >= 9, "the phrase families moved: find them again"
    return [*found, *af_reasoning.CRITERIA.values()]


def bare_pattern(regex: Any) -> re.Pattern[str]:
    """The pattern without the first-character lookahead line_regex puts in front."""
    pattern = regex.pattern
    if pattern.startswith("(?=["):
        pattern = pattern[pattern.index("])(?:") + 5:].removesuffix(")").removesuffix("\n")
    return re.compile(pattern, regex.flags)


def assert_agrees_with_full_scan(regex: Any, text: str) -> None:
    """finditer, phrases and matching_lines give what the bare pattern run over all of ``text``
    gives."""
    full = list(bare_pattern(regex).finditer(text))
    assert [m.span() for m in regex.finditer(text)] == [m.span() for m in full]
    assert regex.phrases(text) == [m.group(0) for m in full]
    lines = {(text.rfind("\n", 0, m.start()) + 1, text.find("\n", m.end()) % (len(text) + 1))
             for m in full}
    assert regex.matching_lines(text) == sorted(lines)
