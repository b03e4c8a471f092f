"""`sashell models`: the registry, base models with their fine-tunes beneath them."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sashell.core.models import ModelSpec
from sashell.core.registry import load_registry
from sashell.present.render import safe_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "models", help="list models (built-in, ./sashell.toml, ~/.config/sashell/models.toml)",
        description="List the models sashell knows: the embedded smollm2, its fine-tunes and "
                    "models from ./sashell.toml and ~/.config/sashell/models.toml.")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(func=run)


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
    for column in ("name", "kind", "provider", "model", "available", "source"):
        table.add_column(column)
    for row in rows:
        kind = f"fine-tune of {row['base']}" if row["base"] else "base"
        name = f"  └ {row['name']}" if row["base"] else row["name"]
        available = "yes" if row["available"] else f"no: {row['reason']}"
        cells = (name, kind, row["provider"], f"{row['model']} ({row['endpoint']})", available,
                 row["source"])
        table.add_row(*(Text(str(cell)) for cell in cells))  # names are data, not markup
    Console().print(table)
    return 0
