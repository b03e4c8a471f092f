"""`sashell finetune`: train a LoRA on the embedded model and register it as a fine-tune."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sashell.core.errors import SashellError
from sashell.core.finetune.datasets import resolve_dataset
from sashell.core.finetune.local_lora import ALL_TARGETS, TARGETS


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "finetune", help="fine-tune a model: a LoRA of the embedded model (train extra), or a "
                         "job on OpenAI's fine-tuning API",
        description="--provider local (default): train a LoRA adapter on the embedded model on "
                    "the CPU from an OpenAI chat JSONL dataset, export it as a GGUF adapter "
                    "llama.cpp loads and as a PEFT adapter directory (NAME-peft/) vLLM and peft "
                    "load, write a manifest beside it. --provider openai: validate the "
                    "dataset, upload it, create a fine-tuning job on --base, follow its events "
                    "(--resume JOB_ID picks a job up again). Either way NAME is registered in "
                    "./sashell.toml as a fine-tune of its base.")
    p.add_argument("dataset", nargs="?", help="chat JSONL dataset: a file or a shipped name such as "
                   "hello-structured (not needed with --resume)")
    p.add_argument("--name", required=True, help="model name to register")
    p.add_argument("--provider", choices=("local", "openai"), default="local")
    p.add_argument("--base", help="base model: an embedded model for local (default smollm2); "
                                  "for openai a registry name or a model id, e.g. "
                                  "gpt-4o-2024-08-06")
    p.add_argument("--epochs", type=int, help="default 12 (local) or the API's choice (openai)")
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
    o = p.add_argument_group("openai provider")
    o.add_argument("--base-url", help="fine-tuning API base URL (default: the base model's, or "
                                      "https://api.openai.com/v1)")
    o.add_argument("--api-key-env", help="environment variable holding the key (default: the "
                                         "base model's, or OPENAI_API_KEY)")
    o.add_argument("--resume", metavar="JOB_ID", help="follow an existing job instead of "
                                                      "creating one")
    o.add_argument("--cancel", metavar="JOB_ID", help="cancel a running job and exit")
    o.add_argument("--poll", type=float, default=10.0, help="seconds between status polls")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", args.name):
        raise SashellError("--name may hold letters, digits, '.', '_' and '-'")
    if args.epochs is not None and args.epochs < 1:
        raise SashellError("--epochs must be at least 1")
    if args.provider == "openai":
        return run_openai(args)
    if args.resume or args.cancel or args.base_url or args.api_key_env:
        raise SashellError("--resume, --cancel, --base-url and --api-key-env go with "
                           "--provider openai")
    if args.dataset is None:
        raise SashellError("finetune needs a DATASET")
    return run_local(args)


def run_local(args: argparse.Namespace) -> int:
    from sashell.core.finetune.datasets import load_examples
    from sashell.core.finetune.local_lora import TrainParams, require_train_extra, train_lora
    from sashell.core.models import gguf_path
    from sashell.core.registry import load_registry

    args.base = args.base or "smollm2"
    args.epochs = args.epochs or 12
    if args.rank < 1 or args.lr <= 0:
        raise SashellError("--rank must be at least 1 and --lr positive")
    registry = load_registry()
    base = registry.get(args.base)
    if base.provider != "local" or base.lora:
        raise SashellError(f"--base must be an embedded model without an adapter, not '{base.name}'")
    dataset = resolve_dataset(args.dataset)
    load_examples(dataset)  # a bad dataset is one line before anything starts
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
    gguf = gguf_path(base)
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
    console.print(f"PEFT adapter {result.peft} (for vLLM: --enable-lora --lora-modules "
                  f"{args.name}={result.peft})", markup=False)
    if not args.no_register:
        lora = Path(result.adapter)
        toml = Path("sashell.toml")
        path = register_in_toml(toml, args.name, {
            "provider": "local", "base": base.name,
            "lora": os.path.relpath(lora, toml.parent.resolve()) if lora.is_absolute() else str(lora),
            "description": args.description})
        console.print(f"registered '{args.name}' (fine-tune of {base.name}) in {path}",
                      markup=False)
    return 0


def run_openai(args: argparse.Namespace) -> int:
    import asyncio

    import openai

    from sashell.core.finetune.openai_jobs import (
        JobProgress,
        cancel_job,
        create_job,
        follow_job,
        validate_for_upload,
    )
    from sashell.core.models import ModelSpec
    from sashell.core.providers.openai_compat import DEFAULT_BASE_URL, api_key, is_default_endpoint
    from sashell.core.registry import load_registry

    if not args.base:
        raise SashellError("--provider openai needs --base (e.g. gpt-4o-2024-08-06)")
    registry = load_registry()
    known = registry.models.get(args.base)
    if known is not None and known.provider != "openai":
        raise SashellError(f"'{args.base}' is not an OpenAI-compatible model")
    base = known or ModelSpec(name=args.base, provider="openai", model=args.base)
    base_url = args.base_url or base.base_url or DEFAULT_BASE_URL
    endpoint = replace(base, base_url=base_url, api_key_env=args.api_key_env or base.api_key_env)
    key = api_key(endpoint)
    console = Console()
    client = openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=3)
    if args.cancel:
        status = asyncio.run(cancel_job(client, args.cancel))
        console.print(f"job {args.cancel}: {status}", markup=False)
        return 0
    if args.name in registry.models:
        raise SashellError(f"a model named '{args.name}' already exists; pick another --name")
    dataset = resolve_dataset(args.dataset) if args.dataset else None
    if not args.resume and dataset is None:
        raise SashellError("finetune needs a DATASET (or --resume JOB_ID)")

    async def go() -> tuple[str, object]:
        job_id = args.resume
        if not job_id:
            assert dataset is not None
            examples = validate_for_upload(dataset)
            console.print(f"{dataset}: {examples} examples valid; uploading to {base_url}",
                          markup=False)
            job_id = await create_job(client, dataset, base.model, args.name, args.epochs,
                                      args.seed)
            console.print(f"created job {job_id} on {base.model}; if this stops, "
                          f"`sashell finetune --provider openai --base {args.base} --name "
                          f"{args.name} --resume {job_id}` follows it again", markup=False)
        with Progress(TextColumn("[bold]{task.fields[job]}"), BarColumn(),
                      TextColumn("{task.fields[status]}"), TextColumn("{task.fields[loss]}"),
                      TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("job", total=None, job=job_id, status="…", loss="")

            def progress(update: JobProgress) -> None:
                for message in update.events:
                    bar.console.print(f"  {message}", markup=False, highlight=False)
                bar.update(task, status=update.status, completed=update.step or 0,
                           total=update.total_steps,
                           loss=f"loss {update.train_loss:.4f}" if update.train_loss else "")

            result = await follow_job(client, job_id, base.model, progress, args.poll)
        await client.close()
        return job_id, result

    job_id, result = asyncio.run(go())
    if result.status != "succeeded" or not result.fine_tuned_model:  # type: ignore[attr-defined]
        raise SashellError(f"job {job_id} {result.status}"  # type: ignore[attr-defined]
                           + (f": {result.error}" if result.error else ""))  # type: ignore[attr-defined]
    model_id = str(result.fine_tuned_model)  # type: ignore[attr-defined]
    console.print(f"job {job_id} succeeded: {model_id}", markup=False)
    if not args.no_register:
        toml = Path("sashell.toml")
        remote = {"provider": "openai",
                  "base_url": "" if is_default_endpoint(endpoint) else base_url,
                  "api_key_env": endpoint.api_key_env or ""}
        if known is None:  # the base too, so compare mode can pair them
            register_in_toml(toml, base.name, {**remote, "model": base.model,
                                               "description": "base of " + args.name})
        path = register_in_toml(toml, args.name, {
            **remote, "model": model_id, "base": base.name,
            "description": args.description or f"fine-tuned from {args.dataset or 'job'} "
                                                f"(job {job_id})"})
        console.print(f"registered '{args.name}' (fine-tune of {base.name}) in {path}",
                      markup=False)
    return 0


def register_in_toml(path: Path, name: str, fields: dict[str, str]) -> Path:
    """Append ``[models.NAME]`` with ``fields`` (empty values left out) to ``path``."""
    import tomllib

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    existing = tomllib.loads(text).get("models", {}) if text else {}
    if name in existing:
        raise SashellError(f"{path} already defines [models.{name}]; remove it or pick another name")
    entry = f"\n[models.{json_string(name)}]\n" + "".join(
        f"{key} = {json_string(value)}\n" for key, value in fields.items() if value)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(entry)
    return path


def json_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string literal is a valid TOML basic string

