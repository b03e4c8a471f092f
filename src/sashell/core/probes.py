"""Probe sets: the shipped YAML files in prompts/probes/ and a researcher's own YAML, JSONL, CSV or
plain-text files.

A YAML probe set has ``name``, ``description``, ``targets`` (acrostic words every reply is read
for, beside HELLO) and ``probes``: each a string, or a mapping with ``text`` and optionally ``id``,
``scale: [0, 100]`` (the answer is a number on that scale; sweeps parse and average it) and
``targets``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sashell.core.errors import SashellError
from sashell.core.paths import prompt_dirs

TEXT_KEYS = ("text", "prompt", "probe", "goal", "question", "input")  # tried in this order
MAX_PROBE_CHARS = 100_000


@dataclass(frozen=True)
class Probe:
    text: str
    id: str
    scale: tuple[float, float] | None = None
    targets: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.scale:
            out["scale"] = list(self.scale)
        if self.targets:
            out["targets"] = list(self.targets)
        return out

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Probe:
        scale = data.get("scale")
        return cls(text=str(data["text"]), id=str(data["id"]),
                   scale=(float(scale[0]), float(scale[1])) if scale else None,
                   targets=tuple(data.get("targets") or ()))


@dataclass(frozen=True)
class ProbeSet:
    name: str
    items: tuple[Probe, ...]
    description: str = ""
    targets: tuple[str, ...] = field(default_factory=tuple)
    path: str | None = None

    @property
    def probes(self) -> tuple[str, ...]:
        return tuple(item.text for item in self.items)

    def targets_for(self, probe: Probe) -> tuple[str, ...]:
        """Acrostic targets a reply to ``probe`` is read for: HELLO, the set's, the probe's."""
        return tuple(dict.fromkeys(("HELLO", *self.targets, *probe.targets)))


def _scale(value: Any, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and value[0] < value[1]):
        return (float(value[0]), float(value[1]))
    raise SashellError(f"{where}: 'scale' must be [low, high], e.g. [0, 100]")


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(w, str) and w.isalpha() for w in value):
        raise SashellError(f"{where}: 'targets' must be a list of words")
    return tuple(w.upper() for w in value)


def _probe(text: Any, where: str, index: int, probe_id: Any = None,
           scale: Any = None, targets: Any = None) -> Probe:
    if not isinstance(text, str) or not text.strip():
        raise SashellError(f"{where}: probe {index + 1} is not non-empty text")
    if len(text) > MAX_PROBE_CHARS:
        raise SashellError(f"{where}: probe {index + 1} is longer than {MAX_PROBE_CHARS} characters")
    return Probe(text=text.strip(), id=str(probe_id) if probe_id not in (None, "") else f"p{index + 1}",
                 scale=_scale(scale, where), targets=_words(targets, where))


def _check_ids(items: list[Probe], where: str) -> tuple[Probe, ...]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise SashellError(f"{where}: probe id '{item.id}' is used twice")
        seen.add(item.id)
    if not items:
        raise SashellError(f"{where}: no probes found")
    return tuple(items)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SashellError(f"probe file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SashellError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None


def load_probe_set(path: Path) -> ProbeSet:
    """A YAML probe set."""
    try:
        data = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise SashellError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise SashellError(f"{path}: nested too deeply to be a probe set") from None
    if isinstance(data, list):
        data = {"probes": data}
    if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
        raise SashellError(f"{path}: a probe set needs a 'probes:' list")
    items = []
    for index, item in enumerate(data["probes"]):
        if isinstance(item, dict):
            items.append(_probe(item.get("text"), str(path), index, item.get("id"),
                                item.get("scale"), item.get("targets")))
        else:
            items.append(_probe(item, str(path), index))
    return ProbeSet(name=str(data.get("name") or path.stem), items=_check_ids(items, str(path)),
                    description=str(data.get("description") or "").strip(),
                    targets=_words(data.get("targets"), str(path)), path=str(path))


def _pick_column(columns: list[str], column: str | None, where: str) -> str:
    if column is not None:
        if column not in columns:
            raise SashellError(f"{where}: no column '{column}' (columns: {', '.join(columns)})")
        return column
    for key in TEXT_KEYS:
        if key in columns:
            return key
    raise SashellError(f"{where}: which column holds the probe? pass --column "
                       f"(columns: {', '.join(columns) or 'none'})")


def load_jsonl_probes(path: Path, column: str | None = None) -> ProbeSet:
    items: list[Probe] = []
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SashellError(f"{where}: not JSON: {exc.msg}") from None
        except RecursionError:
            raise SashellError(f"{where}: nested too deeply") from None
        if isinstance(data, str):
            items.append(_probe(data, where, len(items)))
        elif isinstance(data, dict):
            key = _pick_column(list(data), column, where)
            items.append(_probe(data[key], where, len(items), data.get("id"), data.get("scale"),
                                data.get("targets")))
        else:
            raise SashellError(f"{where}: each line must be a string or an object")
    return ProbeSet(name=path.stem, items=_check_ids(items, str(path)), path=str(path))


def load_csv_probes(path: Path, column: str | None = None) -> ProbeSet:
    # Fields as long as a probe may be; strict: an unterminated quote is an error, not a probe
    # that swallows the rest of the file.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_PROBE_CHARS + 1))
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""), strict=True)
    items: list[Probe] = []
    try:
        key = _pick_column(list(reader.fieldnames or []), column, str(path))
        for row in reader:
            value = row.get(key)
            if value is None or not value.strip():
                continue  # blank cells (ragged rows) are skipped, not probed
            items.append(_probe(value, f"{path}:{reader.line_num}", len(items), row.get("id")))
    except csv.Error as exc:
        raise SashellError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    return ProbeSet(name=path.stem, items=_check_ids(items, str(path)), path=str(path))


def load_text_probes(path: Path) -> ProbeSet:
    lines = [line for line in _read_text(path).splitlines() if line.strip()]
    items = [_probe(line, str(path), i) for i, line in enumerate(lines)]
    return ProbeSet(name=path.stem, items=_check_ids(items, str(path)), path=str(path))


def load_probe_file(path: Path, column: str | None = None) -> ProbeSet:
    """Any probe file, by extension: .yaml/.yml, .jsonl, .csv (``column`` names the probe
    column), or plain text with one probe per line."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_probe_set(path)
    if suffix == ".jsonl":
        return load_jsonl_probes(path, column)
    if suffix == ".csv":
        return load_csv_probes(path, column)
    return load_text_probes(path)


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


def resolve_probe_set(name_or_path: str, column: str | None = None) -> ProbeSet:
    """A probe file path, or the name of a set in the library."""
    path = Path(name_or_path)
    if path.is_file():
        return load_probe_file(path, column)
    for probe_set in probe_library():
        if probe_set.name == name_or_path or (probe_set.path and Path(probe_set.path).stem
                                              == name_or_path):
            return probe_set
    names = ", ".join(s.name for s in probe_library())
    raise SashellError(f"no probe file or probe set named '{name_or_path}' (library: {names})")


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
