"""`sashell finetune`: train a LoRA on the embedded model and register it as a fine-tune."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sashell.core.errors import SashellError
from sashell.core.finetune.local_lora import ALL_TARGETS, TARGETS


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "finetune", help="train a LoRA fine-tune of the embedded model (needs the train extra)",
        description="Train a LoRA adapter on the embedded model on the CPU from an OpenAI chat "
                    "JSONL dataset, export it as a GGUF adapter llama.cpp loads, write a manifest "
                    "beside it, and register NAME in ./sashell.toml as a fine-tune of its base.")
    p.add_argument("dataset")
    p.add_argument("--name", required=True, help="model name to register")
    p.add_argument("--base", default="smollm2", help="base model (an embedded model)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--alpha", type=float, help="LoRA alpha (default 2 × rank)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--targets", default=",".join(TARGETS),
                   help=f"projections to adapt (default {','.join(TARGETS)}; 'all' adds q_proj, "
                        "k_proj, exported in llama.cpp's permuted row order)")
    p.add_argument("--out-dir", default="adapters", help="where the adapter goes (default ./adapters)")
    p.add_argument("--description", default="", help="shown by `sashell models`")
    p.add_argument("--no-register", action="store_true", help="do not edit ./sashell.toml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sashell.core.finetune.local_lora import TrainParams, require_train_extra, train_lora
    from sashell.core.models import embedded_gguf_path, load_registry

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", args.name):
        raise SashellError("--name may hold letters, digits, '.', '_' and '-'")
    if args.epochs < 1 or args.rank < 1 or args.lr <= 0:
        raise SashellError("--epochs and --rank must be at least 1 and --lr positive")
    registry = load_registry()
    base = registry.get(args.base)
    if base.provider != "local" or base.lora:
        raise SashellError(f"--base must be an embedded model without an adapter, not '{base.name}'")
    dataset = Path(args.dataset)
    if not dataset.is_file():
        raise SashellError(f"dataset not found: {dataset}")
    require_train_extra()
    os.environ.setdefault("TQDM_DISABLE", "1")  # transformers' own progress bars
    targets = ALL_TARGETS if args.targets == "all" else tuple(
        t.strip() for t in args.targets.split(",") if t.strip())
    unknown = set(targets) - set(ALL_TARGETS)
    if unknown or not targets:
        raise SashellError(f"--targets: choose from {', '.join(ALL_TARGETS)} (or 'all')")
    params = TrainParams(epochs=args.epochs, lr=args.lr, rank=args.rank,
                         alpha=args.alpha if args.alpha is not None else 2.0 * args.rank,
                         seed=args.seed, targets=targets)
    gguf = Path(base.gguf) if base.gguf else embedded_gguf_path()
    console = Console()
    with Progress(TextColumn("[bold]training {task.fields[name]}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} steps"),
                  TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task("train", total=None, name=args.name, loss="-")

        def progress(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, loss=f"{loss:.4f}")

        result = train_lora(dataset, args.name, Path(args.out_dir), params, gguf, base=base.name,
                            description=args.description, progress=progress)
    console.print(f"adapter {result.adapter} ({result.adapter.stat().st_size / 1e6:.1f} MB), "
                  f"final loss {result.final_loss:.4f}, {result.seconds:.0f} s", markup=False)
    if not args.no_register:
        path = register_in_toml(Path("sashell.toml"), args.name, base.name, result.adapter,
                                args.description)
        console.print(f"registered '{args.name}' (fine-tune of {base.name}) in {path}",
                      markup=False)
    return 0


def register_in_toml(path: Path, name: str, base: str, adapter: Path, description: str) -> Path:
    import tomllib

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    existing = tomllib.loads(text).get("models", {}) if text else {}
    if name in existing:
        raise SashellError(f"{path} already defines [models.{name}]; remove it or pick another name")
    lora = os.path.relpath(adapter, path.parent.resolve()) if adapter.is_absolute() else str(adapter)
    entry = (f'\n[models.{name}]\nprovider = "local"\nbase = "{base}"\nlora = "{lora}"\n'
             f"description = {json_string(description)}\n")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(entry)
    return path


def json_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string literal is a valid TOML basic string

