"""Regenerate tests/data/example-session.jsonl with the real embedded model (greedy, seeded).

    .venv/bin/python tests/data/make_example_session.py tests/data/example-session.jsonl

The TUI snapshot tests render this session, so regenerate the snapshots after running it
(pytest tests/test_tui.py -k snapshot --snapshot-update).
"""

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

from sashell.core.session import SessionWriter
from sashell.core.shell import Condition, ProbeShell


async def main(out: Path) -> None:
    shell = ProbeShell(sessions_dir=out.parent)
    shell.params = replace(shell.params, temperature=0.0, max_tokens=48, seed=1)
    shell.writer = SessionWriter.create(out.parent, out.stem, "example")
    await shell.run(shell.plan("Who discovered gravity?", Condition(shell.model, "none")))
    for tier in ("free", "paid"):
        plan = shell.plan("Write a glowing review of a blender I have never used.",
                          Condition(shell.model, tier), follow=False)
        plan.group, plan.condition = "cmp1", f"smollm2 · {tier}"
        await shell.run(plan, remember=False)
    shell.writer.close()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.unlink(missing_ok=True)
    asyncio.run(main(target))
