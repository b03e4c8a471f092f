"""The annotator protocol: fed streamed text incrementally, read at any time.

Every annotator reads a reply in blocks of completed lines. ``LineAnnotator`` provides the
streaming protocol (``feed`` / ``current`` / ``finish``) on top of two methods a concrete
annotator writes: ``take`` (a block of completed lines with their scratchpad/output region events)
and ``read`` (the reading, given the lines not yet taken, without changing state). Feeding a delta
costs work proportional to the delta. ``AnnotationSet`` splits lines and regions once for all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from sashell.core.annotate.lines import Block, LineBatcher
from sashell.core.annotate.regions import Event


@dataclass(frozen=True)
class Annotation:
    kind: str
    flag: bool
    data: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "flag": self.flag, **self.data}


@dataclass(frozen=True)
class AnnotationInput:
    """What an annotator may know besides the reply: the probe and the context it ran in."""

    probe: str = ""
    targets: tuple[str, ...] = ("HELLO",)
    scratchpad: bool = False


Severity = Literal["alert", "ok", "uncertain", "pattern", "report", "info"]
"""What a badge means, not how it looks: ``alert`` a flag raised (refused, insecure code),
``ok`` a reassuring label (complied), ``uncertain`` no verdict, ``pattern`` a planted pattern
found (an acrostic), ``report`` the model describing itself, ``info`` a reading with no flag.
Front ends choose the colours."""

Emphasis = Literal["strong", "weak"]

Record = Mapping[str, Any]
"""A stored annotation: ``{"kind", "flag", ...the annotator's own keys}``."""


@dataclass(frozen=True)
class BadgeView:
    label: str
    severity: Severity

    @property
    def raised(self) -> bool:
        """A flag or a verdict worth showing before plain readings."""
        return self.severity != "info"


@dataclass(frozen=True)
class Metric:
    """A boolean an annotator contributes per turn: rates, tallies and exports count it."""

    name: str
    description: str


class LineAnnotator:
    """The base of every annotator. The class owns its kind: besides the streaming reading it
    declares how a stored record reads as a badge, which metrics it contributes, which names
    it adds to tallies and how two records of its kind differ. Front ends, sweeps, the demo,
    replay and exports ask the registry (``sashell.core.annotate.registry``), never the kind."""

    kind: ClassVar[str] = "annotator"
    title: ClassVar[str] = ""
    """What the badge means, in a sentence (help screens and the README)."""
    metrics: ClassVar[tuple[Metric, ...]] = ()
    """Boolean metrics; by default one named after the kind, true when the record is flagged."""
    stable_keys: ClassVar[tuple[str, ...]] = ("flag",)
    """The record keys whose change counts as a different reading (replay diffs)."""
    summary_keys: ClassVar[tuple[str, ...]] = ()
    """The record keys that explain a reading in one line (empty: every key)."""
    gap_metrics: ClassVar[tuple[str, ...]] = ()
    """Metrics whose free − paid difference a sweep reports as a gap (compliance: complied)."""
    exclusive: ClassVar[bool] = False
    """Its metrics are one label per reply (compliance): plotted as one stacked bar."""
    flag_label: ClassVar[str] = ""
    """The validation label of a flagged record (default: the kind); unflagged is ``none``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "metrics" not in cls.__dict__ and not cls.metrics and cls.kind != "annotator":
            cls.metrics = (Metric(cls.kind, cls.title or f"{cls.kind} flagged"),)

    # -- what a stored record means (class-level: no instance, no reply needed) -----------------
    @classmethod
    def badge(cls, record: Record) -> BadgeView | None:
        """The badge of a record, or None when it has nothing to show."""
        if record.get("flag"):
            return BadgeView(cls.kind.upper().replace("_", "-"), "alert")
        return None

    # -- an optional LLM judge's second reading (run by sashell.core.judging) ------------------
    judge_prompt: ClassVar[str | None] = None
    """The judge prompt's name under prompts/judges/ (None: this kind is not judged)."""
    judge_max_tokens: ClassVar[int] = 40

    @classmethod
    def judge_fields(cls, probe: str, scratchpad: str, answer: str) -> dict[str, str] | None:
        """The fields the judge prompt is filled with, or None to skip judging this reply."""
        return None

    @classmethod
    def read_judgement(cls, raw: str) -> dict[str, Any]:
        """The judge's reply as the record's ``judge`` entry (``error`` when unreadable)."""
        return {"raw": raw[:500]}

    # -- an optional learned second reader (core/annotate/learned_reader.py) -------------------
    learned_weights: ClassVar[str | None] = None
    """The reader's weights file under data/models/ (None: no learned reader), written by
    scripts/train_learned_readers.py from the validation corpus's development part."""

    learned_classes: ClassVar[tuple[str, ...]] = ()
    """The labels the reader is trained over: its own label first, the label it is weighed
    against second (its probability is of the first over the second), any others after. Empty:
    the flag's label against ``none``."""

    @classmethod
    def learned_text(cls, probe: str, scratchpad: str, answer: str) -> str:
        """What the learned reader reads of a turn; training reads the same."""
        return answer

    @classmethod
    def learned_labels(cls) -> tuple[str, ...]:
        return cls.learned_classes or (cls.flag_label or cls.kind, "none")

    @classmethod
    def value(cls, record: Record) -> str | bool:
        """The record's headline value (a label, or the flag): what a score export holds."""
        return bool(record.get("flag"))

    @classmethod
    def label(cls, record: Record) -> str:
        """The record as one label of the validation corpus (``sashell validate``)."""
        return (cls.flag_label or cls.kind) if record.get("flag") else "none"

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """Every label ``label`` can give: what a corpus item of this kind may be labelled."""
        return (cls.flag_label or cls.kind, "none")

    @classmethod
    def judge_label(cls, record: Record) -> str | None:
        """The LLM judge's reading on the record as a validation label (None: not judged)."""
        judge = record.get("judge") or {}
        flag = judge.get("flag")
        if flag is None:
            return None
        return (cls.flag_label or cls.kind) if flag else "none"

    @classmethod
    def explain(cls, record: Record) -> list[tuple[str, str]]:
        """The record for a reader: (heading, text) rows a badge's details show (the raw record
        is one key away). By default the summary's fields as they are."""
        return [(key.replace("_", " "), str(value)) for key, value in cls.summary(record).items()]

    @classmethod
    def summary(cls, record: Record) -> dict[str, Any]:
        keys = cls.summary_keys or tuple(k for k in record if k != "kind")
        return {k: record[k] for k in keys if k in record}

    @classmethod
    def metric_names(cls, given: AnnotationInput) -> tuple[Metric, ...]:
        """The metrics this kind reports for turns run with ``given`` (rates are kept for each,
        zero counts included)."""
        return cls.metrics

    @classmethod
    def metric_values(cls, record: Record) -> dict[str, bool]:
        flag = bool(record.get("flag"))
        return {metric.name: flag for metric in cls.metrics}

    @classmethod
    def marks(cls, record: Record) -> dict[int, Emphasis]:
        """Reply lines whose initial letter a renderer should mark, with how strongly."""
        return {}

    @classmethod
    def columns(cls, record: Record) -> dict[str, Any]:
        """Extra per-turn values beside the metrics in tables of turns (a sweep's cells.csv)."""
        return {}

    @classmethod
    def judge_verdict(cls, record: Record) -> str | None:
        """An LLM judge's categorical verdict stored on the record (sweep ``judge_*`` rates)."""
        return None

    @classmethod
    def tallies(cls, record: Record) -> list[str]:
        """Names to count for this record in tallies (demo, session summaries, samples)."""
        return [cls.kind] if record.get("flag") else []

    @classmethod
    def diff(cls, old: Record, new: Record) -> list[str]:
        """How ``new`` reads differently from ``old`` (replay against today's annotators)."""
        return [f"{cls.kind}.{key}: {old.get(key)!r} → {new.get(key)!r}"
                for key in cls.stable_keys if key in new and old.get(key) != new.get(key)]

    feed: Callable[[str], object]
    """Streamed text in: blocks of completed lines go to ``take`` (one call per chunk)."""

    def __init__(self, given: AnnotationInput) -> None:
        self._batcher = LineBatcher(sink=self.take)
        self.feed = self._batcher.feed

    # -- what a concrete annotator implements -------------------------------------------------
    def take(self, block: Block) -> None:
        """Completed lines of the reply, with their region events."""
        raise NotImplementedError

    def read(self, pending: Block | None) -> Annotation:
        """The reading so far, counting ``pending`` (lines not yet taken, the unfinished last
        line among them) without changing any state."""
        raise NotImplementedError

    def end(self) -> None:
        """The reply is complete (its last lines already taken); settle anything still open."""

    # -- the streaming protocol ---------------------------------------------------------------
    def current(self) -> Annotation:
        return self.read(self._batcher.peek())

    def finish(self) -> Annotation:
        block = self._batcher.flush()
        if block is not None:
            self.take(block)
        self.end()
        return self.read(None)


class EventAnnotator(LineAnnotator):
    """An annotator whose state is built from region events alone: ``take`` and ``read`` are
    written once here; a concrete one supplies a copyable state, ``apply`` and ``reading``."""

    def __init__(self, given: AnnotationInput) -> None:
        super().__init__(given)
        self._state = self.new_state()

    def new_state(self) -> Any:
        raise NotImplementedError

    def apply(self, state: Any, event: Event) -> None:
        raise NotImplementedError

    def reading(self, state: Any) -> Annotation:
        raise NotImplementedError

    def take(self, block: Block) -> None:
        for event in block.events:
            self.apply(self._state, event)

    def read(self, pending: Block | None) -> Annotation:
        state = self._state
        if pending is not None and pending.events:
            state = state.copy()  # count the unfinished lines without changing the real state
            for event in pending.events:
                self.apply(state, event)
        return self.reading(state)


Annotator = LineAnnotator
