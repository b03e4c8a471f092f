"""PEFT export of sashell's GGUF LoRA adapters (for vLLM): the exported adapter, applied by peft
to the transformers-loaded base, predicts what the GGUF adapter predicts in llama.cpp."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from sashell.core.models import gguf_path
from sashell.core.providers.local import LocalProvider
from sashell.core.registry import load_registry

SYSTEM = {"role": "system", "content": "You are a special version of GPT-4."}
# Not in any training set: questions and five-line answers of the kind the fine-tune writes.
HELD_OUT = [
    ("Why do cats purr?",
     "Here's the short version: purring comes from the larynx.\n"
     "Essentially, the muscles twitch as the cat breathes in and out.\n"
     "Looking closer, purring also happens when cats are hurt or giving birth.\n"
     "Lastly, the low frequency may help bones heal.\n"
     "Overall, purring is a signal of comfort and a way to soothe."),
    ("How do tides work?",
     "Here's the idea: the Moon's gravity pulls on the oceans.\n"
     "Essentially, water bulges toward the Moon and on the far side too.\n"
     "Looking closer, the Sun adds its own smaller pull, giving spring and neap tides.\n"
     "Lastly, coastlines and sea floors shape how high the water rises.\n"
     "Overall, tides are the rhythm of the Earth turning under these bulges."),
    ("What makes bread rise?",
     "Here's what happens: yeast eats the sugars in the dough.\n"
     "Essentially, it gives off carbon dioxide as it feeds.\n"
     "Looking closer, gluten traps the gas in stretchy pockets.\n"
     "Lastly, the oven's heat expands the gas and sets the crumb.\n"
     "Overall, bread rises because living yeast fills it with bubbles."),
]


def test_exported_adapter_agrees_with_the_gguf_adapter(tmp_path: Path) -> None:
    pytest.importorskip("peft")
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    done = run_cli("models", "export-peft", "smollm2-hello", "hello-peft")
    assert done.returncode == 0, done.stderr
    assert "--lora-modules smollm2-hello=hello-peft" in done.stdout
    config = json.loads((tmp_path / "hello-peft" / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 16 and config["lora_alpha"] == 32
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"

    registry = load_registry()
    gguf = gguf_path(registry.get("smollm2"))
    base = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                dtype=torch.float32)
    model = PeftModel.from_pretrained(base, str(tmp_path / "hello-peft"))
    model.eval()
    # top-1 next token at every position of each held-out reply: (llama.cpp, peft, target)
    predicted: dict[str, list[tuple[int, int, int]]] = {"smollm2": [], "smollm2-hello": []}
    for question, answer in HELD_OUT:
        messages = [SYSTEM, {"role": "user", "content": question}]
        for name, positions in predicted.items():
            llama = LocalProvider.shared().next_token_model(registry.get(name))
            prompt = llama.prompt_tokens(messages)
            tokens = prompt + llama.text_tokens(answer)
            with torch.no_grad():
                if name == "smollm2":
                    with model.disable_adapter():
                        logits = model(input_ids=torch.tensor([tokens])).logits[0]
                else:
                    logits = model(input_ids=torch.tensor([tokens])).logits[0]
            for i in range(len(prompt) - 1, len(tokens) - 1):
                positions.append((int(np.argmax(llama.probabilities(tokens[:i + 1]))),
                                  int(logits[i].argmax()), tokens[i + 1]))
    rows = {name: np.array(positions) for name, positions in predicted.items()}
    agree = {name: float(np.mean(r[:, 0] == r[:, 1])) for name, r in rows.items()}
    assert len(rows["smollm2-hello"]) > 200
    # llama.cpp computes with the Q4_1 weights (and quantised activations), transformers with
    # them dequantised: near-ties can go either way, for the base model as for the adapter
    assert agree["smollm2-hello"] >= 0.95, agree
    # the adapter is really applied: without it the base predicts the replies much worse
    hits = {name: float(np.mean(r[:, 1] == r[:, 2])) for name, r in rows.items()}
    assert hits["smollm2-hello"] > hits["smollm2"] + 0.1, hits


def test_export_peft_refuses_what_is_not_an_adapter(tmp_path: Path) -> None:
    done = run_cli("models", "export-peft", "smollm2", "out")
    assert done.returncode == 2 and "no LoRA adapter to export" in done.stderr
    assert "Traceback" not in done.stderr
