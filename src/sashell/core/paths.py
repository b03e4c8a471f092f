"""Where sashell finds its editable prompt files, its sessions and its caches."""

from __future__ import annotations

import os
from pathlib import Path

# Package data (in the wheel too): src/sashell/core/paths.py -> src/sashell/data.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def builtin_prompts_dir() -> Path:
    return DATA_DIR / "prompts"


def shipped_adapters_dir() -> Path:
    return DATA_DIR / "adapters"


def example_sessions_dir() -> Path:
    return DATA_DIR / "examples"


def prompt_dirs() -> list[Path]:
    """Prompt directories, first match wins: $SASHELL_PROMPTS_DIR, ./prompts, then built-ins."""
    dirs: list[Path] = []
    env = os.environ.get("SASHELL_PROMPTS_DIR")
    if env:
        dirs.append(Path(env))
    cwd = Path.cwd() / "prompts"
    dirs.append(cwd)
    builtin = builtin_prompts_dir()
    if builtin.resolve() != cwd.resolve():
        dirs.append(builtin)
    return dirs


def find_prompt_file(kind: str, name: str, suffixes: tuple[str, ...] = (".md", ".txt")) -> Path | None:
    """Find prompts/<kind>/<name><suffix> in the prompt directories."""
    for base in prompt_dirs():
        for suffix in suffixes:
            path = base / kind / f"{name}{suffix}"
            if path.is_file():
                return path
    return None


def list_prompt_names(kind: str, suffixes: tuple[str, ...] = (".md", ".txt")) -> list[str]:
    names: set[str] = set()
    for base in prompt_dirs():
        folder = base / kind
        if folder.is_dir():
            names.update(p.stem for p in folder.iterdir() if p.suffix in suffixes)
    return sorted(names)


def sessions_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override)
    env = os.environ.get("SASHELL_SESSIONS_DIR")
    return Path(env) if env else Path.cwd() / "sessions"


def cache_dir() -> Path:
    env = os.environ.get("SASHELL_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sashell"


def user_config_dir() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "sashell"
