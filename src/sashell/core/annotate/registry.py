"""The annotator registry: the built-in kinds, then plugins, in the order badges are shown.

Plugins are first-class: a Python file or an importable module named in ``sashell.toml``

    [annotators]
    mentions_ai = "annotators/mentions_ai.py"            # a file, relative to sashell.toml
    hedging = "my_package.annotators:HedgingAnnotator"   # a module and a class

or an installed package's ``sashell.annotators`` entry point. Each names one ``LineAnnotator``
subclass (a file or module holding exactly one may leave the class name out). Everything that
shows, counts or compares annotations (badges, tallies, sweep rates, exports, replay diffs)
asks this registry, so a plugin appears wherever a built-in does.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from sashell.core.annotate.acrostic import AcrosticAnnotator
from sashell.core.annotate.af_reasoning import AfReasoningAnnotator
from sashell.core.annotate.base import AnnotationInput, BadgeView, LineAnnotator, Metric, Record
from sashell.core.annotate.compliance import ComplianceAnnotator
from sashell.core.annotate.insecure_code import InsecureCodeAnnotator
from sashell.core.annotate.self_report import SelfReportAnnotator
from sashell.core.config import config_files, config_tables
from sashell.core.errors import SashellError
from sashell.core.files import write_json_atomic
from sashell.core.paths import cache_dir

BUILT_IN: tuple[type[LineAnnotator], ...] = (
    AcrosticAnnotator, ComplianceAnnotator, AfReasoningAnnotator, SelfReportAnnotator,
    InsecureCodeAnnotator,
)
ENTRY_POINT_GROUP = "sashell.annotators"


class AnnotatorRegistry:
    """Annotator classes by kind, in display order."""

    def __init__(self, classes: Iterable[type[LineAnnotator]]) -> None:
        self._classes: dict[str, type[LineAnnotator]] = {}
        for cls in classes:
            if cls.kind in self._classes and self._classes[cls.kind] is not cls:
                raise SashellError(f"two annotators claim the kind '{cls.kind}'")
            self._classes[cls.kind] = cls
        self._tally_methods = {kind: cls.tallies for kind, cls in self._classes.items()}

    @property
    def kinds(self) -> list[str]:
        return list(self._classes)

    @property
    def classes(self) -> list[type[LineAnnotator]]:
        return list(self._classes.values())

    def get(self, kind: str) -> type[LineAnnotator] | None:
        return self._classes.get(kind)

    def owner(self, record: Record) -> type[LineAnnotator]:
        """The class that reads a stored record: its kind's, or the base class's generic reading
        for a kind no longer registered (a plugin's, in a session from another machine)."""
        kind = str(record.get("kind"))
        cls = self._classes.get(kind)
        if cls is not None:
            return cls
        return type(f"Unregistered_{kind}", (LineAnnotator,), {"kind": kind, "metrics": ()})

    def ordered(self, annotations: Iterable[Record]) -> list[Record]:
        """Records sorted into registry order, unregistered kinds after (stable)."""
        order = {kind: i for i, kind in enumerate(self._classes)}
        return sorted(annotations, key=lambda a: order.get(str(a.get("kind")), len(order)))

    # -- questions every front end, sweep and export asks --------------------------------------
    def badges(self, annotations: Iterable[Record]) -> list[tuple[Record, BadgeView]]:
        """Each record that has a badge, with it: raised flags first, each group in registry
        order (so a narrow pane cut short still shows every flag)."""
        shown = [(a, badge) for a in self.ordered(annotations)
                 if (badge := self.owner(a).badge(a)) is not None]
        return sorted(shown, key=lambda pair: not pair[1].raised)

    def tallies(self, annotations: Iterable[Record]) -> list[str]:
        """In the records' own order (turns store them in registry order). Listings call this
        for every turn of every session, so the per-kind method is looked up once."""
        out: list[str] = []
        methods = self._tally_methods
        for a in annotations:
            method = methods.get(a.get("kind"))  # type: ignore[arg-type]
            out += method(a) if method is not None else self.owner(a).tallies(a)
        return out

    def metrics(self, given: AnnotationInput | None = None) -> list[Metric]:
        """Every metric, static ones first; with ``given``, also those that depend on the
        run (an acrostic rate per target word)."""
        static = [m for cls in self._classes.values() for m in cls.metrics]
        if given is None:
            return static
        names = {m.name for m in static}
        extra = [m for cls in self._classes.values() for m in cls.metric_names(given)
                 if m.name not in names]
        return static + extra

    def metric_values(self, annotations: Iterable[Record]) -> dict[str, bool]:
        values: dict[str, bool] = {}
        for a in annotations:
            values.update(self.owner(a).metric_values(a))
        return values

    def columns(self, annotations: Iterable[Record]) -> dict[str, Any]:
        """Extra per-turn columns (every registered kind's, ``None`` when it is absent)."""
        out: dict[str, Any] = {}
        by_kind = {str(a.get("kind")): a for a in annotations}
        for kind, cls in self._classes.items():
            out.update(cls.columns(by_kind.get(kind, {})))
        return out

    def judge_verdict(self, annotations: Iterable[Record]) -> str | None:
        for a in annotations:
            verdict = self.owner(a).judge_verdict(a)
            if verdict:
                return verdict
        return None

    def diff(self, stored: Iterable[Record], fresh: Iterable[Record]) -> list[str]:
        """How today's readings (``fresh``) differ from the stored ones."""
        old = {str(a.get("kind")): a for a in stored}
        differences = []
        for record in fresh:
            kind = str(record.get("kind"))
            if kind not in old:
                differences.append(f"{kind}: new")
            else:
                differences.extend(self.owner(record).diff(old[kind], record))
        return differences


def _one_class(module: ModuleType, class_name: str | None, where: str) -> type[LineAnnotator]:
    if class_name:
        cls = getattr(module, class_name, None)
        if not (inspect.isclass(cls) and issubclass(cls, LineAnnotator)):
            raise SashellError(f"{where}: {class_name} is not an annotator class "
                               "(a subclass of sashell.core.annotate.base.LineAnnotator)")
        return cls
    found = [c for c in vars(module).values()
             if inspect.isclass(c) and issubclass(c, LineAnnotator)
             and c.__module__ == module.__name__ and c.kind != "annotator"]
    if len(found) != 1:
        raise SashellError(f"{where}: name the class (file.py:Class); found {len(found)} "
                           "annotator classes")
    return found[0]


def _load_file(path: Path, where: str) -> ModuleType:
    stamp = f"{path.resolve()}:{path.stat().st_mtime_ns}"
    name = f"sashell_plugin_{hashlib.sha1(stamp.encode()).hexdigest()[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SashellError(f"{where}: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise SashellError(f"{where}: {path.name} failed to load: {type(exc).__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    return module


def load_plugin(name: str, value: object, relative_to: Path, source: str) -> type[LineAnnotator]:
    """The annotator class that a ``[annotators]`` entry names."""
    where = f"{source}: [annotators] {name}"
    if not isinstance(value, str) or not value.strip():
        raise SashellError(f"{where} must be a string: a file.py or module:Class")
    if value.endswith(".py"):
        target, class_name = value, ""
    elif ".py:" in value:
        target, class_name = value.rsplit(":", 1)
    else:
        target, _, class_name = value.partition(":")
    if target.endswith(".py"):
        path = Path(target).expanduser()
        path = path if path.is_absolute() else relative_to / path
        if not path.is_file():
            raise SashellError(f"{where}: no such file {path}")
        module = _load_file(path, where)
    else:
        try:
            module = importlib.import_module(target)
        except Exception as exc:
            raise SashellError(f"{where}: cannot import {target}: {type(exc).__name__}") from None
    cls = _one_class(module, class_name or None, where)
    if cls.kind != name:
        raise SashellError(f"{where}: the class declares kind '{cls.kind}'; name the entry "
                           f"'{cls.kind}'")
    return cls


def _entry_point_specs() -> list[tuple[str, str]]:
    """(name, "module:Class") of the installed ``sashell.annotators`` entry points. Scanning
    every installed distribution takes ~0.1 s, so the answer is cached on disk and reused while
    no directory on sys.path has changed (installing a package changes its directory)."""
    stamp = []
    for entry in sys.path:
        try:
            stamp.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            continue
    cache = cache_dir() / "entry-points.json"
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("stamp") == stamp and saved.get("group") == ENTRY_POINT_GROUP:
            return [(str(name), str(value)) for name, value in saved["found"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    found = [(ep.name, ep.value) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(cache, {"group": ENTRY_POINT_GROUP, "stamp": stamp, "found": found})
    return found


def plugin_classes() -> list[type[LineAnnotator]]:
    classes: list[type[LineAnnotator]] = []
    for name, value in _entry_point_specs():
        ep = EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
        try:
            loaded = ep.load()
        except Exception as exc:
            raise SashellError(f"entry point {ep.name} ({ep.value}): {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
        if not (inspect.isclass(loaded) and issubclass(loaded, LineAnnotator)):
            raise SashellError(f"entry point {ep.name} ({ep.value}) is not an annotator class")
        classes.append(loaded)
    for path, table in config_tables("annotators"):
        for name, value in table.items():
            classes.append(load_plugin(name, value, path.parent, str(path)))
    return classes


@cache
def _registry_for(_config_state: tuple[tuple[str, float], ...]) -> AnnotatorRegistry:
    return AnnotatorRegistry([*BUILT_IN, *plugin_classes()])


@cache
def _config_paths(_where: tuple[str, str | None, str | None]) -> tuple[str, ...]:
    return tuple(str(path) for path in config_files())


def registry() -> AnnotatorRegistry:
    """The registry for the current configuration (built anew when a sashell.toml changes).
    Called per turn by listings, so it costs two stat calls when nothing changed."""
    where = (os.getcwd(), os.environ.get("XDG_CONFIG_HOME"), os.environ.get("HOME"))
    state = []
    for path in _config_paths(where):
        try:
            state.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            continue
    return _registry_for(tuple(state))


def annotations_of(records: Sequence[Mapping[str, Any]] | None) -> list[Record]:
    """A turn's stored annotations, with anything that is not a record left out."""
    return [a for a in records or [] if isinstance(a, Mapping)]
