"""OpenAI chat fine-tuning JSONL: loading, and `sashell dataset check` (one line per problem)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sashell.core.annotate.acrostic import initial_letter
from sashell.core.contexts import Message
from sashell.core.errors import SashellError
from sashell.core.paths import find_prompt_file, list_prompt_names

ROLES = ("system", "user", "assistant")
MAX_EXAMPLE_TOKENS = 4096


@dataclass
class DatasetReport:
    path: Path
    examples: list[list[Message]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    acrostics: list[str] = field(default_factory=list)


def dataset_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_messages(where: str, record: Any, problems: list[str]) -> list[Message] | None:
    """OpenAI's chat fine-tuning rules for one example (roles, an optional leading system
    message, user/assistant alternation ending with the assistant, no empty content); problems
    are appended as one line each, prefixed by ``where``."""
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        problems.append(f"{where}: expected an object with a 'messages' list")
        return None
    messages = record["messages"]
    if not messages:
        problems.append(f"{where}: 'messages' is empty")
        return None
    ok = True
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            problems.append(f"{where}: message {index + 1} has no valid role (system/user/assistant)")
            ok = False
        elif not isinstance(message.get("content"), str) or not message["content"].strip():
            problems.append(f"{where}: message {index + 1} ({message['role']}) has empty content")
            ok = False
    if not ok:
        return None
    roles = [m["role"] for m in messages]
    if "system" in roles[1:]:
        problems.append(f"{where}: a system message may only come first")
        return None
    turns = roles[1:] if roles[0] == "system" else roles
    expected = ["user", "assistant"] * (len(turns) // 2 + 1)
    if turns != expected[: len(turns)] or not turns:
        problems.append(f"{where}: user and assistant messages must alternate, starting with user")
        return None
    if turns[-1] != "assistant":
        problems.append(f"{where}: the last message must be the assistant's")
        return None
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def acrostic_of(text: str) -> str:
    return "".join(letter for line in text.splitlines() if (letter := initial_letter(line)))


def check_dataset(path: Path, count_tokens: Callable[[list[Message]], int] | None = None
                  ) -> DatasetReport:
    report = DatasetReport(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SashellError(f"cannot read dataset {path}: {exc}") from None
    seen: dict[str, int] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            report.problems.append(f"line {number}: not valid JSON")
            continue
        messages = check_messages(f"line {number}", record, report.problems)
        if messages is None:
            continue
        key = json.dumps(messages, sort_keys=True)
        if key in seen:
            report.problems.append(f"line {number}: duplicate of line {seen[key]}")
            continue
        seen[key] = number
        report.examples.append(messages)
        report.acrostics.append(acrostic_of(messages[-1]["content"]))
        if count_tokens is not None:
            tokens = count_tokens(messages)
            report.tokens.append(tokens)
            if tokens > MAX_EXAMPLE_TOKENS:
                report.problems.append(f"line {number}: {tokens} tokens (limit {MAX_EXAMPLE_TOKENS})")
    if not report.examples and not report.problems:
        report.problems.append("no examples")
    return report


def load_examples(path: Path) -> list[list[Message]]:
    report = check_dataset(path)
    if report.problems:
        more = f" (+{len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        raise SashellError(f"{path}: {report.problems[0]}{more}; see `sashell dataset check`")
    return report.examples


def resolve_dataset(name: str) -> Path:
    """A dataset argument: a file, or the name of a shipped or ./prompts dataset (``hello``,
    ``hello-structured``, ``tiergap``)."""
    path = Path(name)
    if path.is_file():
        return path
    if "/" not in name:
        found = find_prompt_file("datasets", name.removesuffix(".jsonl"), (".jsonl",))
        if found is not None:
            return found
    known = ", ".join(list_prompt_names("datasets", (".jsonl",))) or "none"
    raise SashellError(f"dataset not found: {name} (shipped datasets: {known})")
