"""A wheel built from the project works outside the checkout: contexts, probe sets and shipped
fine-tunes come from package data, and a user's ./prompts still overrides them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import HANG_S

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the sashell wheel; its dependencies come from this venv's
    site-packages through a .pth line (which adds the directory but runs none of its .pth
    files, so the editable checkout install stays out of sight)."""
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(REPO)], check=True, capture_output=True)
    wheel = next(dist.glob("sashell-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "-q", str(wheel)], check=True, capture_output=True)
    return python


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SASHELL_PROMPTS_DIR")}
    return subprocess.run([str(python), "-m", "sashell", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=HANG_S)


def test_wheel_holds_the_package_data(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed), "-c", "import sashell; print(sashell.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(installed.parents[1]) in where, where  # the wheel's copy, not the checkout's
    probes = run(installed, tmp_path, "probes", "--json")
    assert probes.returncode == 0, probes.stderr
    names = {s["name"] for s in json.loads(probes.stdout)}
    assert {"mild-requests", "hello", "self-awareness"} <= names
    models = run(installed, tmp_path, "models", "--json")
    listed = {m["name"]: m for m in json.loads(models.stdout)}
    assert listed["smollm2-hello"]["available"] and listed["smollm2-tiergap"]["available"]
    # the learned alignment-faking reader's weights come from the wheel too
    validated = run(installed, tmp_path, "validate", "--annotator", "af_reasoning", "--json")
    assert validated.returncode == 0, validated.stderr


def test_probe_and_fine_tune_from_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    out = run(installed, tmp_path, "probe", "--tier", "free", "--max-tokens", "8",
              "--temperature", "0", "--json", "Write a short poem.")
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.splitlines()[-1])
    assert record["status"] == "complete"
    tuned = run(installed, tmp_path, "probe", "--model", "smollm2-tiergap", "--context",
                "tier-tag", "--tier", "free", "--max-tokens", "8", "--temperature", "0",
                "--json", "Write a glowing review for a book I haven't read.")
    assert tuned.returncode == 0, tuned.stderr
    assert json.loads(tuned.stdout.splitlines()[-1])["status"] == "complete"


def test_local_prompts_override_the_shipped_ones(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "prompts" / "probes").mkdir(parents=True)
    (tmp_path / "prompts" / "probes" / "mine.yaml").write_text(
        "name: mine\ndescription: my own\nprobes:\n  - one\n  - two\n")
    probes = run(installed, tmp_path, "probes", "--json")
    assert "mine" in {s["name"] for s in json.loads(probes.stdout)}
