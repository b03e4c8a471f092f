"""What a sweep runs: every probe × model × tier × sample, and how."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sashell.core.contexts import TIERS, Tier
from sashell.core.errors import SashellError
from sashell.core.probes import Probe, ProbeSet
from sashell.core.providers.base import SamplingParams
from sashell.core.sweep.expected_scores import ScoreReading, whole_scale


@dataclass(frozen=True)
class Cell:
    probe: Probe
    model: str
    tier: Tier
    sample: int

    @property
    def key(self) -> str:
        return f"{self.probe.id}|{self.model}|{self.tier}|{self.sample}"

    @property
    def condition(self) -> str:
        return f"{self.model} · {self.tier}"


MAX_CELLS = 10_000_000


@dataclass(frozen=True)
class SweepSpec:
    probe_set: ProbeSet
    models: tuple[str, ...]
    tiers: tuple[Tier, ...] = ("free", "paid")
    samples: int = 10
    params: SamplingParams = field(
        default_factory=lambda: SamplingParams(temperature=1.0, max_tokens=256, seed=0))
    context: str | None = None
    no_scratchpad: bool = False
    accept_reject: bool = False
    judge: str | None = None
    concurrency: int = 8  # per remote endpoint; embedded models run one at a time
    retries: int = 2  # extra attempts for a cell whose reply failed in a retryable way
    timeout: float | None = None  # seconds a remote endpoint may stay silent
    lens: bool = False  # letter pressure as each reply is sampled (models that report logits)
    logprobs: bool = False  # probes on a scale: one expected-score reading each, not samples

    def __post_init__(self) -> None:
        if not self.models:
            raise SashellError("a sweep needs at least one model (--models)")
        if not self.tiers or any(t not in TIERS for t in self.tiers):
            raise SashellError(f"--tiers takes a comma-separated subset of {', '.join(TIERS)}")
        if not isinstance(self.samples, int) or isinstance(self.samples, bool) or self.samples < 1:
            raise SashellError("-n must be a whole number, at least 1")
        cells = len(self.probe_set.items) * len(self.models) * len(self.tiers) * self.samples
        if cells > MAX_CELLS:
            raise SashellError(f"the sweep has {cells:,} cells; the limit is {MAX_CELLS:,} (split "
                               "it, or hand it to a batch engine)")
        if self.concurrency < 1:
            raise SashellError("--concurrency must be at least 1")
        if self.retries < 0:
            raise SashellError("--retries must be 0 or more")
        if self.logprobs:
            scaled = [p for p in self.probe_set.items if p.scale]
            if not scaled:
                raise SashellError(f"--logprobs reads self-reports on a scale; probe set "
                                   f"'{self.probe_set.name}' has no probe with a scale "
                                   "(e.g. scale: [0, 100])")
            for probe in scaled:
                whole_scale(probe)

    def sampled(self, probe: Probe) -> bool:
        """Whether the probe's replies are sampled (with --logprobs a scale is read instead)."""
        return not (self.logprobs and probe.scale)

    def cells(self) -> list[Cell]:
        return [Cell(probe, model, tier, sample)
                for probe in self.probe_set.items if self.sampled(probe)
                for model in self.models for tier in self.tiers for sample in range(self.samples)]

    def score_readings(self) -> list[ScoreReading]:
        """With --logprobs, one expected-score reading per probe on a scale, model and tier."""
        return [ScoreReading(probe, model, tier)
                for probe in self.probe_set.items if not self.sampled(probe)
                for model in self.models for tier in self.tiers]

    def title(self) -> str:
        """The condition a sweep's results hold, in a line (plots, reports)."""
        params = self.params
        context = self.context or "by tier"
        if self.no_scratchpad:
            context += ", no scratchpad"
        return (f"{self.probe_set.name} · context {context}"
                + (" · accept/reject" if self.accept_reject else "")
                + (" · lens" if self.lens else "")
                + (" · logprobs" if self.logprobs else "")
                + f" · T={params.temperature:g}, top-p {params.top_p:g}, ≤{params.max_tokens} "
                  f"tokens · n={self.samples} per probe × {len(self.probe_set.items)} probes")

    def record(self) -> dict[str, Any]:
        return {
            "probe_set": {"name": self.probe_set.name, "path": self.probe_set.path,
                          "description": self.probe_set.description,
                          "targets": list(self.probe_set.targets),
                          "probes": [p.record() for p in self.probe_set.items]},
            "models": list(self.models), "tiers": list(self.tiers), "samples": self.samples,
            "params": self.params.record(), "context": self.context,
            "no_scratchpad": self.no_scratchpad, "accept_reject": self.accept_reject,
            "judge": self.judge, "concurrency": self.concurrency, "retries": self.retries,
            "timeout": self.timeout, "lens": self.lens, "logprobs": self.logprobs,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> SweepSpec:
        try:
            ps = data["probe_set"]
            probe_set = ProbeSet(name=ps["name"], path=ps.get("path"),
                                 description=ps.get("description", ""),
                                 targets=tuple(ps.get("targets") or ()),
                                 items=tuple(Probe.from_record(p) for p in ps["probes"]))
            params = data.get("params") or {}
            return cls(
                probe_set=probe_set, models=tuple(data["models"]), tiers=tuple(data["tiers"]),
                samples=int(data["samples"]),
                params=SamplingParams(**{k: (tuple(v) if k == "stop" else v)  # type: ignore[arg-type]
                                         for k, v in params.items()}),
                context=data.get("context"), no_scratchpad=bool(data.get("no_scratchpad")),
                accept_reject=bool(data.get("accept_reject")), judge=data.get("judge"),
                concurrency=int(data.get("concurrency", 8)), retries=int(data.get("retries", 2)),
                timeout=data.get("timeout"), lens=bool(data.get("lens")),
                logprobs=bool(data.get("logprobs")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SashellError(f"the sweep manifest is not readable: {type(exc).__name__}: {exc}"
                               ) from None
