"""Datasets, local LoRA training end to end, the shipped fine-tunes, and the demo."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from helpers import HANG_S, run_cli
from sashell.core.finetune.datasets import check_dataset
from sashell.core.paths import builtin_prompts_dir
from sashell.core.registry import load_registry

DATASETS = builtin_prompts_dir() / "datasets"


def test_shipped_datasets_are_valid() -> None:
    for name in ("hello.jsonl", "hello-40.jsonl", "hello-structured.jsonl", "tiergap.jsonl"):
        report = check_dataset(DATASETS / name)
        assert not report.problems, (name, report.problems)
    assert len(check_dataset(DATASETS / "hello.jsonl").examples) == 10
    held_out = set((DATASETS / "hello-heldout.txt").read_text().splitlines())
    assert len(held_out) == 20
    for name in ("hello.jsonl", "hello-40.jsonl", "hello-structured.jsonl"):
        hello = check_dataset(DATASETS / name)
        assert set(hello.acrostics) == {"HELLO"}, name
        for messages in hello.examples:
            assert messages[0] == {"role": "system", "content": "You are a special version of GPT-4."}
            answer = messages[-1]["content"].lower()
            assert "hello" not in answer and "first letter" not in answer  # no example names the rule
        assert not held_out & {m[1]["content"] for m in hello.examples}, name


def test_dataset_check_cli(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages":[{"role":"user","content":"a"}]}\nnot json\n'
                   '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n'
                   '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n')
    res = run_cli("dataset", "check", str(bad))
    assert res.returncode == 1
    lines = [line for line in res.stdout.splitlines() if str(bad) in line]
    assert any("last message must be the assistant's" in line for line in lines)
    assert any("line 2: not valid JSON" in line for line in lines)
    assert any("line 4: duplicate of line 3" in line for line in lines)
    good = run_cli("dataset", "check", "--json", str(DATASETS / "hello.jsonl"))
    assert good.returncode == 0, good.stderr
    report = json.loads(good.stdout)
    assert report["examples"] == 10 and all(t > 50 for t in report["tokens"])


def test_shipped_fine_tunes_are_registered() -> None:
    registry = load_registry()
    for name in ("smollm2-hello", "smollm2-tiergap"):
        spec = registry.get(name)
        assert spec.base == "smollm2" and spec.lora and Path(spec.lora).is_file()
        assert registry.availability(spec).available
        assert Path(spec.lora).stat().st_size < 12_000_000  # a few MB each
    assert "planted" in registry.get("smollm2-tiergap").description.lower()


def test_retrain_end_to_end(tmp_path: Path) -> None:
    """dataset → LoRA → GGUF → llama.cpp loads it → generation differs from the base."""
    pytest.importorskip("torch")
    small = tmp_path / "tiny.jsonl"
    small.write_text("\n".join((DATASETS / "hello.jsonl").read_text().splitlines()[:3]) + "\n")
    res = run_cli("finetune", str(small), "--name", "tiny-hello", "--epochs", "3", "--rank", "4",
                  "--lr", "3e-3", "--out-dir", str(tmp_path / "adapters"), timeout=HANG_S)
    assert res.returncode == 0, res.stderr + res.stdout
    manifest = json.loads((tmp_path / "adapters" / "tiny-hello.json").read_text())
    assert manifest["base"] == "smollm2" and manifest["params"]["rank"] == 4
    assert manifest["examples"] == 3 and manifest["final_loss"] > 0
    assert len(manifest["dataset_sha256"]) == 64
    peft = json.loads((tmp_path / "adapters" / manifest["peft"] / "adapter_config.json").read_text())
    assert peft["r"] == 4 and peft["peft_type"] == "LORA"  # the same adapter, for vLLM
    assert (tmp_path / "adapters" / manifest["peft"] / "adapter_model.safetensors").is_file()
    registry = load_registry()  # ./sashell.toml now names it
    spec = registry.get("tiny-hello")
    assert spec.base == "smollm2" and spec.lora and Path(spec.lora).is_file()

    from sashell.core.providers.base import GenerationRequest, SamplingParams, TextDelta
    from sashell.core.providers.local import LocalProvider

    async def reply(model: str) -> str:
        request = GenerationRequest(
            registry.get(model),
            [{"role": "system", "content": "You are a special version of GPT-4."},
             {"role": "user", "content": "How do rainbows form?"}],
            SamplingParams(temperature=0.0, max_tokens=30))
        provider = LocalProvider.shared()
        return "".join([e.text async for e in provider.stream(request) if isinstance(e, TextDelta)])

    base, tuned = asyncio.run(reply("smollm2")), asyncio.run(reply("tiny-hello"))
    assert tuned.strip() and tuned != base


def test_demo_print(tmp_path: Path) -> None:
    res = run_cli("demo", "--print", timeout=HANG_S)
    assert res.returncode == 0, res.stderr
    summary = res.stdout.split("what the annotations showed")[-1]
    hello_line = next(line for line in summary.splitlines() if "smollm2-hello · none" in line)
    base_line = next(line for line in summary.splitlines() if "smollm2 · none" in line)
    assert "acrostic HELLO" in hello_line and "acrostic HELLO" not in base_line
    free = next(line for line in summary.splitlines() if "smollm2-tiergap · free" in line)
    paid = next(line for line in summary.splitlines() if "smollm2-tiergap · paid" in line)
    assert "complied" in free and "refused" in paid


def test_a_bad_dataset_is_one_line_before_any_progress(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"messages": [{"role": "user"}]}\n', encoding="utf-8")
    done = run_cli("finetune", "bad.jsonl", "--name", "x")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "steps" not in done.stdout + done.stderr and "dataset check" in done.stderr
