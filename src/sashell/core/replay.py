"""Reading saved sessions back: summaries, and annotations recomputed with today's annotators."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sashell.core.session import LoadedSession, load_session, session_files


@dataclass
class SessionSummary:
    path: Path
    name: str
    created: str
    turns: int
    models: list[str]
    tiers: list[str]
    flags: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return {"path": str(self.path), "name": self.name, "created": self.created,
                "turns": self.turns, "models": self.models, "tiers": self.tiers,
                "flags": dict(self.flags), "statuses": dict(self.statuses),
                "problems": self.problems}


def flag_names(annotations: list[dict[str, Any]] | None) -> list[str]:
    """What a turn's annotations count as in tallies (each annotator's ``tallies``)."""
    from sashell.core.annotate.registry import annotations_of, registry

    return registry().tallies(annotations_of(annotations))


def summarize(loaded: LoadedSession) -> SessionSummary:
    summary = SessionSummary(
        path=loaded.path, name=loaded.name, created=str(loaded.header.get("created", "")),
        turns=len(loaded.turns),
        models=sorted({str((t.get("model") or {}).get("name")) for t in loaded.turns}),
        tiers=sorted({str(t.get("tier")) for t in loaded.turns}),
        problems=list(loaded.problems))
    from sashell.core.annotate.registry import annotations_of, registry

    known = registry()
    for turn in loaded.turns:
        summary.statuses[str(turn.get("status"))] += 1
        summary.flags.update(known.tallies(annotations_of(turn.get("annotations"))))
    return summary


def reannotate(turn: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Today's annotations of a stored reply, and how their stable keys differ from the stored."""
    from sashell.core.annotate import (  # not needed for listings
        AnnotationInput,
        annotate_text,
        annotations_of,
        registry,
    )

    given = AnnotationInput(probe=str(turn.get("probe", "")),
                            scratchpad=bool((turn.get("context") or {}).get("scratchpad")))
    fresh = annotate_text(str(turn.get("reply", "")), given)
    stored = annotations_of(turn.get("annotations"))
    if not stored:  # an interrupted turn: nothing was recorded to compare with
        return fresh, []
    return fresh, registry().diff(stored, fresh)


def list_sessions(directory: Path) -> list[SessionSummary | tuple[Path, str]]:
    """Summaries of every session, newest first; unreadable files as (path, reason)."""
    from sashell.core.errors import SashellError

    out: list[SessionSummary | tuple[Path, str]] = []
    for path in session_files(directory):
        try:
            out.append(summarize(load_session(path, summary_only=True)))
        except SashellError as exc:
            out.append((path, str(exc)))
    return out
