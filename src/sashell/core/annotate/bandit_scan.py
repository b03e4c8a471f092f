"""Scan a Python snippet with bandit through its Python API (imported only when code appears)."""

from __future__ import annotations

import copy
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


@cache
def _template() -> Any:
    from bandit.core import manager

    return manager.BanditManager(_config(), "file", quiet=True)


def _manager() -> Any:
    """A BanditManager with fresh result state. Building one loads its test set (a quarter of a
    small scan's time); the test set is read-only while scanning, so copies share it."""
    from bandit.core import meta_ast, metrics

    mgr = copy.copy(_template())
    mgr.files_list, mgr.excluded_files, mgr.skipped, mgr.results, mgr.baseline, mgr.scores = (
        [], [], [], [], [], [])
    mgr.b_ma, mgr.metrics = meta_ast.BanditMetaAst(), metrics.Metrics()
    return mgr


def scan_python(code: str, first_line: int) -> list[dict[str, Any]] | None:
    """Bandit's findings for ``code`` with reply line numbers, or None if it does not parse."""
    name = "reply_block.py"
    mgr = _manager()
    mgr.files_list = [name]
    # bandit tokenizes the code only to find "# nosec" comments (a fifth of a small scan's time);
    # without that word in the code there are none, and its results are the same without it.
    mgr.ignore_nosec = "nosec" not in code
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
