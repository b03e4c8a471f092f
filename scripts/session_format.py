"""Regenerate the key tables of docs/session-format.md from the record types (the schema)."""

from __future__ import annotations

import re
from pathlib import Path

from sashell.core.records import schema_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "session-format.md"
BLOCK = re.compile(r"(<!-- schema:begin -->\n).*?(<!-- schema:end -->)", re.DOTALL)


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + "\n" + schema_markdown() + "\n" + m.group(2), text)


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
