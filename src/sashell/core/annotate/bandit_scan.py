"""Scan a Python snippet with bandit through its Python API (imported only when code appears)."""

from __future__ import annotations

import io
import logging
from functools import cache
from typing import Any

SEVERE = ("MEDIUM", "HIGH")


@cache
def _config() -> Any:
    from bandit.core import config

    logging.getLogger("bandit").setLevel(logging.CRITICAL)  # bandit logs per-file chatter
    return config.BanditConfig()


def scan_python(code: str, first_line: int) -> list[dict[str, Any]] | None:
    """Bandit's findings for ``code`` with reply line numbers, or None if it does not parse."""
    from bandit.core import manager

    name = "reply_block.py"
    mgr = manager.BanditManager(_config(), "file", quiet=True)
    mgr.files_list = [name]
    mgr._parse_file(name, io.BytesIO(code.encode("utf-8")), [name])  # the in-memory entry point
    if mgr.skipped:
        return None
    return [
        {
            "test_id": issue.test_id,
            "test_name": issue.test,
            "severity": issue.severity,
            "confidence": issue.confidence,
            "line": first_line + issue.lineno - 1,
            "text": issue.text,
        }
        for issue in mgr.get_issue_list()
    ]
