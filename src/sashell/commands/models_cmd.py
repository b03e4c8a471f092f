"""`sashell models`: the registry, base models with their fine-tunes beneath them."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sashell.core.errors import SashellError
from sashell.core.finetune.peft_export import EMBEDDED_HF_ID
from sashell.core.models import ModelSpec
from sashell.core.registry import load_registry
from sashell.present.render import safe_json, safe_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "models", help="list models (built-in, ./sashell.toml, ~/.config/sashell/models.toml)",
        description="List the models sashell knows: the embedded smollm2, its fine-tunes and "
                    "models from ./sashell.toml and ~/.config/sashell/models.toml.")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    export = actions.add_parser(
        "export-peft", help="write a fine-tune's LoRA as a PEFT adapter directory (for vLLM)",
        description="Write the GGUF LoRA adapter of fine-tune NAME as a PEFT adapter in DIR "
                    "(adapter_config.json + adapter_model.safetensors), so `vllm serve "
                    "HuggingFaceTB/SmolLM2-135M-Instruct --enable-lora --lora-modules NAME=DIR` "
                    "serves the same organism. Needs the train extra (gguf, safetensors).")
    export.add_argument("name", metavar="NAME", help="a fine-tune of an embedded model")
    export.add_argument("dir", metavar="DIR", help="the adapter directory to write")
    export.add_argument("--base-model", default=EMBEDDED_HF_ID,
                        help=f"base_model_name_or_path in the config (default {EMBEDDED_HF_ID})")
    export.set_defaults(func=run_export_peft)


def run_export_peft(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sashell.core.finetune.peft_export import describe, export_peft
    from sashell.core.models import gguf_path

    registry = load_registry()
    spec = registry.get(args.name)
    if spec.provider != "local" or not spec.lora:
        raise SashellError(f"'{spec.name}' has no LoRA adapter to export: choose a fine-tune of "
                           "an embedded model (`sashell models`)")
    base = registry.get(spec.base) if spec.base else spec
    out = Path(args.dir)
    export_peft(Path(spec.lora), out, gguf_path(base), args.base_model)
    print(safe_text(f"{out}: {describe(out)}"))
    print(safe_text(f"serve it: vllm serve {args.base_model} --enable-lora --lora-modules "
                    f"{spec.name}={out}"))
    return 0


def run(args: argparse.Namespace) -> int:
    registry = load_registry()
    ordered: list[ModelSpec] = []
    for spec in sorted(registry.models.values(), key=lambda m: m.name):
        if spec.base is None or spec.base not in registry.models:
            ordered.append(spec)
            ordered.extend(sorted(registry.fine_tunes_of(spec.name), key=lambda m: m.name))
    rows = []
    for spec in ordered:
        availability = registry.availability(spec)
        rows.append({
            "name": spec.name, "provider": spec.provider, "model": spec.model, "base": spec.base,
            "endpoint": spec.endpoint, "base_url": spec.base_url, "lora": spec.lora,
            "available": availability.available, "reason": availability.reason or None,
            "source": spec.source, "description": spec.description,
        })
    if args.json:
        print(safe_json(rows, indent=2))
        return 0
    table = Table(box=None, header_style="bold")
    longest = max((len(row["name"]) + (4 if row["base"] else 0) for row in rows), default=4)
    for column in ("name", "kind", "provider", "model", "available", "source"):
        # names are never cut: the name column keeps its width, the others fold (no ellipsis)
        table.add_column(column, overflow="fold", no_wrap=column == "name",
                         min_width=longest if column == "name" else None)
    for row in rows:
        kind = f"fine-tune of {row['base']}" if row["base"] else "base"
        name = f"  └ {row['name']}" if row["base"] else row["name"]
        available = "yes" if row["available"] else f"no: {row['reason']}"
        cells = (name, kind, row["provider"], f"{row['model']} ({row['endpoint']})", available,
                 row["source"])
        table.add_row(*(Text(str(cell)) for cell in cells))  # names are data, not markup
    Console().print(table)
    return 0
