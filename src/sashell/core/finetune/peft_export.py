"""A llama.cpp GGUF LoRA adapter written as a PEFT adapter directory (``adapter_config.json`` +
``adapter_model.safetensors``), which vLLM serves (``--enable-lora --lora-modules NAME=DIR``)
and peft applies to the transformers model.

The GGUF adapter holds, per adapted tensor, ``lora_a`` (r × n_in) and ``lora_b`` (n_out × r) and
the scale ``alpha``; PEFT's names are the transformers module paths. llama.cpp stores q/k
projections with their rows permuted (rotary layout), so their B matrices are permuted back.
Needs the ``gguf`` and ``safetensors`` packages (the train extra).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sashell.core.errors import SashellError
from sashell.core.files import write_json_atomic

HF_NAMES = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
            "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
            "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
EMBEDDED_HF_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # the embedded GGUF's model on the Hub


def _require() -> tuple[Any, Any]:
    try:
        import gguf
        from safetensors import numpy as safetensors_numpy
    except ImportError as exc:
        raise SashellError(f"PEFT export needs the train extra ({exc.name} missing): "
                           "pip install -e '.[train]'") from None
    return gguf, safetensors_numpy


def unpermute_rows(weights: Any, n_head: int) -> Any:
    """The inverse of llama.cpp's q/k row order (``local_lora.permute_rows``)."""
    rows = weights.shape[0]
    return (weights.reshape(n_head, rows // n_head // 2, 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def _field(reader: Any, key: str) -> Any:
    import gguf

    field = reader.fields.get(key)
    if field is None or not field.data:
        return None
    value = field.parts[field.data[0]]
    if field.types[0] == gguf.GGUFValueType.STRING:
        return bytes(value).decode("utf-8", errors="replace")
    return value[0]


def head_counts(base_gguf: Path) -> tuple[int, int]:
    """(attention heads, key/value heads) of a llama-architecture GGUF."""
    gguf, _ = _require()
    reader = gguf.GGUFReader(str(base_gguf))
    heads, kv_heads = (_field(reader, "llama.attention.head_count"),
                       _field(reader, "llama.attention.head_count_kv"))
    if heads is None:
        raise SashellError(f"{base_gguf}: not a llama-architecture GGUF (no head count)")
    return int(heads), int(kv_heads if kv_heads is not None else heads)


def export_peft(adapter: Path, out_dir: Path, base_gguf: Path,
                base_model: str = EMBEDDED_HF_ID) -> list[Path]:
    """Write the GGUF LoRA ``adapter`` (for ``base_gguf``) as a PEFT adapter in ``out_dir``."""
    import numpy as np

    gguf, safetensors_numpy = _require()
    try:
        reader = gguf.GGUFReader(str(adapter))
    except (OSError, ValueError) as exc:
        raise SashellError(f"cannot read the adapter {adapter}: {exc}") from None
    if _field(reader, "general.type") != "adapter" or _field(reader, "adapter.type") != "lora":
        raise SashellError(f"{adapter} is not a GGUF LoRA adapter")
    alpha = float(_field(reader, "adapter.lora.alpha") or 0.0)
    heads, kv_heads = head_counts(base_gguf)
    tensors: dict[str, Any] = {}
    targets: set[str] = set()
    ranks: set[int] = set()
    for tensor in reader.tensors:
        parts = tensor.name.split(".")  # blk.<layer>.<name>.weight.lora_<a|b>
        if len(parts) != 5 or parts[0] != "blk" or parts[2] not in HF_NAMES:
            raise SashellError(f"{adapter}: unexpected tensor {tensor.name}")
        module = HF_NAMES[parts[2]]
        weights = np.array(tensor.data, dtype=np.float16)  # numpy shape = reversed GGUF ne
        if parts[4] == "lora_b" and module == "self_attn.q_proj":
            weights = unpermute_rows(weights, heads)
        elif parts[4] == "lora_b" and module == "self_attn.k_proj":
            weights = unpermute_rows(weights, kv_heads)
        side = "lora_A" if parts[4] == "lora_a" else "lora_B"
        ranks.add(weights.shape[0] if side == "lora_A" else weights.shape[1])
        targets.add(module.rsplit(".", 1)[1])
        tensors[f"base_model.model.model.layers.{parts[1]}.{module}.{side}.weight"] = \
            np.ascontiguousarray(weights)
    if not tensors or len(ranks) != 1:
        raise SashellError(f"{adapter}: no LoRA tensors of one rank to export")
    rank = ranks.pop()
    out_dir.mkdir(parents=True, exist_ok=True)
    weights_path = out_dir / "adapter_model.safetensors"
    partial = out_dir / "adapter_model.safetensors.partial"
    safetensors_numpy.save_file(tensors, str(partial), metadata={"format": "pt"})
    partial.replace(weights_path)
    config_path = out_dir / "adapter_config.json"
    write_json_atomic(config_path, {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": base_model,
        "r": rank, "lora_alpha": alpha, "lora_dropout": 0.0, "bias": "none",
        "target_modules": sorted(targets), "fan_in_fan_out": False, "inference_mode": True,
        "init_lora_weights": True, "use_rslora": False, "use_dora": False,
        "modules_to_save": None, "layers_to_transform": None, "revision": None,
    })
    return [config_path, weights_path]


def describe(out_dir: Path) -> str:
    config = json.loads((out_dir / "adapter_config.json").read_text(encoding="utf-8"))
    return (f"PEFT LoRA r={config['r']} alpha={config['lora_alpha']:g} on "
            f"{', '.join(config['target_modules'])} for {config['base_model_name_or_path']}")
