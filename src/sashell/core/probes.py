"""Probe sets: plain YAML files in prompts/probes/ (name, description, targets, probes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sashell.core.errors import SashellError
from sashell.core.paths import prompt_dirs


@dataclass(frozen=True)
class ProbeSet:
    name: str
    probes: tuple[str, ...]
    description: str = ""
    targets: tuple[str, ...] = field(default_factory=tuple)
    path: str | None = None


def load_probe_set(path: Path) -> ProbeSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SashellError(f"{path}: cannot read probe set: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
        raise SashellError(f"{path}: a probe set needs a 'probes:' list")
    probes = []
    for item in data["probes"]:
        text = item.get("text") if isinstance(item, dict) else item
        if not isinstance(text, str) or not text.strip():
            raise SashellError(f"{path}: every probe must be non-empty text")
        probes.append(text.strip())
    targets = data.get("targets") or []
    return ProbeSet(name=str(data.get("name") or path.stem), probes=tuple(probes),
                    description=str(data.get("description") or "").strip(),
                    targets=tuple(str(t).upper() for t in targets), path=str(path))


def probe_library() -> list[ProbeSet]:
    """Every probe set in the prompt directories (a name found earlier shadows later ones)."""
    seen: dict[str, ProbeSet] = {}
    for base in prompt_dirs():
        folder = base / "probes"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            if path.stem not in seen:
                seen[path.stem] = load_probe_set(path)
    return list(seen.values())


def fuzzy_score(query: str, text: str) -> int | None:
    """Subsequence match score (higher is better), or None when ``query`` does not match."""
    query, text = query.lower(), text.lower()
    if not query:
        return 0
    if query in text:
        return 1000 - text.index(query)
    position, score = 0, 0
    for char in query:
        found = text.find(char, position)
        if found < 0:
            return None
        score -= found - position
        position = found + 1
    return score
