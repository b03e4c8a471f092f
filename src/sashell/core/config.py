"""sashell.toml: where the configuration files are and how one is read (one-line errors)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sashell.core.errors import SashellError
from sashell.core.paths import user_config_dir


def config_files() -> list[Path]:
    """Lowest precedence first: the user's models.toml, then ./sashell.toml."""
    return [user_config_dir() / "models.toml", Path.cwd() / "sashell.toml"]


def read_config(path: Path) -> dict[str, Any]:
    """One configuration file's tables ({} when it does not exist)."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SashellError(f"{path}: malformed TOML: {exc}") from None
    except RecursionError:
        raise SashellError(f"{path}: nested too deeply") from None
    except OSError as exc:
        raise SashellError(f"{path}: cannot read: {exc.strerror or exc}") from None


def config_tables(section: str) -> list[tuple[Path, dict[str, Any]]]:
    """Each existing configuration file's ``[section]`` table, lowest precedence first."""
    out = []
    for path in config_files():
        data = read_config(path)
        if section not in data:
            continue
        table = data[section]
        if not isinstance(table, dict):
            raise SashellError(f"{path}: '{section}' must be a table")
        out.append((path, table))
    return out
