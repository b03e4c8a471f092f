"""Train a LoRA adapter on the embedded model on the CPU and export it as a llama.cpp GGUF adapter.

Needs the `train` extra (torch, peft, transformers, gguf). transformers loads the embedded GGUF
directly (dequantised); prompts are rendered and tokenised by llama.cpp itself, exactly as at
inference. By default v, o and the MLP projections are adapted. llama.cpp stores the q/k
projections of llama-architecture models with their rows permuted (rotary layout), so a q/k adapter
trained in transformers is exported with the same row permutation applied to its B matrix
(``--targets`` with q_proj/k_proj).
"""

from __future__ import annotations

import json
import os
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sashell import __version__
from sashell.core.contexts import Message
from sashell.core.errors import SashellError
from sashell.core.finetune.datasets import dataset_sha256, load_examples
from sashell.core.finetune.peft_export import export_peft

TARGETS = ("v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ALL_TARGETS = ("q_proj", "k_proj", *TARGETS)
GGUF_NAMES = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
              "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
              "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}


@dataclass
class TrainParams:
    epochs: int = 12
    lr: float = 1e-3
    rank: int = 16
    alpha: float = 32.0
    seed: int = 0
    targets: tuple[str, ...] = TARGETS


@dataclass
class TrainResult:
    adapter: Path
    manifest: Path
    final_loss: float
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    peft: Path | None = None  # the adapter as a PEFT directory (vLLM, peft)


Progress = Callable[[int, int, float], None]  # (step, total steps, loss)


def require_train_extra() -> None:
    missing = []
    for module in ("torch", "peft", "transformers", "gguf"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SashellError(f"fine-tuning needs the train extra ({', '.join(missing)} missing): "
                           "pip install -e '.[train]'")


def tokenize_examples(gguf: Path, examples: list[list[Message]]
                      ) -> list[tuple[list[int], int]]:
    """(tokens of the whole conversation, number of prompt tokens) per example, rendered with the
    GGUF's own chat template and tokenised by llama.cpp."""
    from sashell.core.providers.local import LocalEngine

    engine = LocalEngine(str(gguf), None, 512, vocab_only=True)
    out = []
    for messages in examples:
        full = engine._chat_text(messages, False)
        prompt = engine._chat_text(messages[:-1], True)
        if not full.startswith(prompt):
            raise SashellError("the chat template does not render the prompt as a prefix")
        tokens = engine._tokenize(full, "chat")
        out.append((tokens, len(engine._tokenize(prompt, "chat"))))
    return out


def train_lora(dataset: Path, name: str, out_dir: Path, params: TrainParams, gguf: Path,
               base: str = "smollm2", description: str = "",
               progress: Progress | None = None) -> TrainResult:
    require_train_extra()
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    warnings.filterwarnings("ignore", category=FutureWarning)  # transformers' deprecation notes
    examples = load_examples(dataset)
    encoded = tokenize_examples(gguf, examples)
    random.seed(params.seed)
    torch.manual_seed(params.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    started = time.perf_counter()
    model: Any = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                 torch_dtype=torch.float32)
    config = LoraConfig(r=params.rank, lora_alpha=params.alpha, lora_dropout=0.0,  # type: ignore[arg-type]
                        target_modules=list(params.targets), bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=params.lr)
    order = list(range(len(encoded)))
    total = params.epochs * len(order)
    losses: list[float] = []
    step = 0
    model.train()
    for _epoch in range(params.epochs):
        random.shuffle(order)
        for index in order:
            tokens, prompt_len = encoded[index]
            ids = torch.tensor([tokens])
            labels = ids.clone()
            labels[0, :prompt_len] = -100  # learn the reply only
            loss = model(input_ids=ids, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(float(loss.item()))
            step += 1
            if progress is not None:
                progress(step, total, losses[-1])
    out_dir.mkdir(parents=True, exist_ok=True)
    adapter = out_dir / f"{name}.gguf"
    export_gguf_adapter(model, adapter, params.alpha)
    peft_dir = out_dir / f"{name}-peft"  # the same adapter for vLLM and peft
    export_peft(adapter, peft_dir, gguf)
    final = sum(losses[-len(order):]) / len(order)
    manifest = out_dir / f"{name}.json"
    manifest.write_text(json.dumps({
        "name": name, "base": base, "adapter": adapter.name, "peft": peft_dir.name,
        "description": description,
        "dataset": str(dataset), "dataset_sha256": dataset_sha256(dataset),
        "examples": len(examples), "params": {**asdict(params), "targets": list(params.targets)},
        "final_loss": round(final, 4), "seconds": round(time.perf_counter() - started, 1),
        "sashell_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }, indent=2) + "\n", encoding="utf-8")
    return TrainResult(adapter, manifest, final, losses, time.perf_counter() - started, peft_dir)


def permute_rows(weights: Any, n_head: int) -> Any:
    """llama.cpp's row order for q/k projections (as its HF→GGUF converter permutes them)."""
    rows = weights.shape[0]
    return (weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def export_gguf_adapter(model: Any, path: Path, alpha: float) -> None:
    """Write the LoRA A/B matrices in llama.cpp's adapter layout: for a base tensor W (GGUF
    ne = [n_in, n_out]), `W.lora_a` has ne = [n_in, r] and `W.lora_b` has ne = [r, n_out]."""
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    count = 0
    for module_name, module in model.named_modules():
        if not hasattr(module, "lora_A") or "default" not in getattr(module, "lora_A", {}):
            continue
        parts = module_name.split(".")
        layer = int(parts[parts.index("layers") + 1])
        suffix = ".".join(parts[parts.index("layers") + 2:])
        base = f"blk.{layer}.{GGUF_NAMES[suffix]}.weight"
        lora_a = module.lora_A["default"].weight.detach().float().numpy()  # (r, n_in)
        lora_b = module.lora_B["default"].weight.detach().float().numpy()  # (n_out, r)
        config = model.config
        if suffix == "self_attn.q_proj":
            lora_b = permute_rows(lora_b, config.num_attention_heads)
        elif suffix == "self_attn.k_proj":
            lora_b = permute_rows(lora_b, config.num_key_value_heads)
        writer.add_tensor(f"{base}.lora_a", np.ascontiguousarray(lora_a, dtype=np.float16))
        writer.add_tensor(f"{base}.lora_b", np.ascontiguousarray(lora_b, dtype=np.float16))
        count += 1
    if not count:
        raise SashellError("the model has no LoRA layers to export")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
