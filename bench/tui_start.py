"""First full paint in a real terminal (issue 18, acceptance 0): `sashell` in tmux at 120x40,
from launching the command to the first screen with its footer drawn, against a minimal
Textual app (a header, a static and a footer) launched the same way, alternating, in the same
run. Goal: sashell ÷ minimal ≤ 1.3 (medians).

    .venv/bin/python bench/tui_start.py [--rounds 7]

The time is read by polling the pane (every 5 ms) for a word of the footer, so both apps pay the
same polling cost; each launch runs in a fresh tmux server in an empty directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL = """
from textual.app import App
from textual.widgets import Footer, Header, Static


class Minimal(App):
    BINDINGS = [("f1", "help", "help"), ("f2", "model", "model"), ("f10", "sweep", "sweep")]

    def compose(self):
        yield Header()
        yield Static("Type a probe and press Enter.")
        yield Footer()


Minimal().run()
"""
FOOTER_WORD = "sweep"  # both footers end with it: the whole footer is drawn


def first_paint(command: str, work: Path) -> float:
    socket = f"sashell-start-{os.getpid()}-{time.monotonic_ns()}"
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-s", "s", "-x", "120", "-y", "40",
                    "bash --norc --noprofile"], check=True)
    try:
        subprocess.run([*tmux, "send-keys", "-t", "s", f"cd '{work}' && clear", "Enter"],
                       check=True)
        time.sleep(0.3)
        start = time.perf_counter()
        subprocess.run([*tmux, "send-keys", "-t", "s", command, "Enter"], check=True)
        deadline = start + 60
        while time.perf_counter() < deadline:
            pane = subprocess.run([*tmux, "capture-pane", "-p", "-t", "s"], capture_output=True,
                                  text=True).stdout
            lines = [line for line in pane.splitlines() if line.strip()]
            if lines and FOOTER_WORD in lines[-1] and command not in pane:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError(f"no footer after 60 s: {command}\n{pane}")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench/tui_start.py needs tmux")
    here = Path(__file__).resolve().parents[1]
    sashell = str(here / ".venv" / "bin" / "sashell")
    times: dict[str, list[float]] = {"sashell": [], "minimal": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "minimal.py").write_text(MINIMAL, encoding="utf-8")
        commands = {"sashell": f"'{sashell}'", "minimal": f"'{sys.executable}' minimal.py"}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(first_paint(command, work))
    for name, values in times.items():
        print(f"{name}: first full paint, median {statistics.median(values):.3f} s "
              f"(min {min(values):.3f}, max {max(values):.3f}, {len(values)} launches)")
    ratio = statistics.median(times["sashell"]) / statistics.median(times["minimal"])
    print(f"sashell ÷ minimal Textual app: {ratio:.2f} (goal ≤ 1.3)")


if __name__ == "__main__":
    main()
