"""Running a sweep: cells queued per provider, bounded concurrency, retries, a journal of every
turn, and resumption after a crash from what the journals already hold."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sashell import __version__
from sashell.core.contexts import Context, Tier, accept_reject_instruction, resolve_context
from sashell.core.errors import ProviderError, SashellError
from sashell.core.files import write_json_atomic
from sashell.core.plan import TurnPlan, plan_turn
from sashell.core.providers import provider_for
from sashell.core.registry import Registry
from sashell.core.session import SessionWriter, load_session, now_iso, slugify
from sashell.core.sweep.expected_scores import ScoreReading, load_journal, read_scores, score_rows
from sashell.core.sweep.limiter import AdaptiveLimiter
from sashell.core.sweep.spec import Cell, SweepSpec
from sashell.core.sweep.summary import CellOutcome
from sashell.core.turn import run_turn

MANIFEST = "sweep.json"
MAX_BACKOFF_S = 30.0


@dataclass
class SweepProgress:
    total: int
    skipped: int = 0  # finished in an earlier run
    done: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0

    @property
    def finished(self) -> int:
        return self.skipped + self.done + self.failed

    def notes(self) -> str:
        """Failures, retries and rate limiting so far, e.g. ``2 failed, 3 retries``."""
        parts = [f"{self.failed} failed" if self.failed else "",
                 f"{self.retried} retries" if self.retried else "",
                 f"{self.rate_limited}× rate limited" if self.rate_limited else "",
                 f"{self.skipped} done before" if self.skipped else ""]
        return ", ".join(p for p in parts if p)


ProgressCallback = Callable[[SweepProgress, CellOutcome | None], None]


@dataclass
class _Pool:
    limiter: AdaptiveLimiter
    queue: asyncio.Queue[Cell] = field(default_factory=asyncio.Queue)


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter before attempt ``attempt + 1``."""
    return min(MAX_BACKOFF_S, 2.0 ** (attempt - 1)) * (0.5 + random.random() / 2)


class Sweep:
    def __init__(self, spec: SweepSpec, out_dir: Path, manifest: dict[str, Any],
                 registry: Registry) -> None:
        self.spec = spec
        self.out_dir = out_dir
        self.manifest = manifest
        self.registry = registry
        self.models = {name: registry.get(name) for name in spec.models}
        self.reading_errors: list[str] = []  # expected-score readings that failed this run
        self.judge = registry.get(spec.judge) if spec.judge else None
        self._contexts: dict[Tier, Context] = {}
        if spec.accept_reject:
            accept_reject_instruction()  # a missing instruction file fails before any cell
        for tier in spec.tiers:  # fail before anything runs when a context is missing
            self.context(tier)

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    @property
    def sessions_dir(self) -> Path:
        return Path(self.manifest["sessions_dir"])

    # -- creating and resuming ------------------------------------------------------------------
    @classmethod
    def create(cls, spec: SweepSpec, out_dir: Path, registry: Registry,
               sessions_dir: Path) -> Sweep:
        if (out_dir / MANIFEST).exists():
            raise SashellError(f"{out_dir} already holds a sweep; pass --resume {out_dir} to "
                               "finish it, or choose another --out")
        manifest = {"kind": "sashell-sweep", "schema": 1, "id": uuid.uuid4().hex[:12],
                    "created": now_iso(), "sashell": __version__, "status": "running",
                    "sessions_dir": str(sessions_dir.resolve()), "sessions": [],
                    "spec": spec.record()}
        sweep = cls(spec, out_dir, manifest, registry)  # validates models, judge and contexts
        out_dir.mkdir(parents=True, exist_ok=True)
        sweep.save_manifest()
        return sweep

    @classmethod
    def resume(cls, out_dir: Path, registry: Registry) -> Sweep:
        path = out_dir / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SashellError(f"no sweep to resume in {out_dir} (no {MANIFEST})") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise SashellError(f"{path}: cannot read the sweep manifest: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("kind") != "sashell-sweep":
            raise SashellError(f"{path}: not a sashell sweep manifest")
        sessions = manifest.get("sessions", [])
        if not isinstance(sessions, list) or not all(isinstance(s, str) for s in sessions) \
                or not isinstance(manifest.get("id"), str):
            raise SashellError(f"{path}: the sweep manifest is damaged (its id or sessions)")
        return cls(SweepSpec.from_record(manifest.get("spec") or {}), out_dir, manifest, registry)

    def save_manifest(self) -> None:
        write_json_atomic(self.out_dir / MANIFEST, self.manifest)

    def context(self, tier: Tier) -> Context:
        if tier not in self._contexts:
            self._contexts[tier] = resolve_context(self.spec.context, tier,
                                                   no_scratchpad=self.spec.no_scratchpad)
        return self._contexts[tier]

    # -- what is done ---------------------------------------------------------------------------
    def finished_cells(self) -> dict[str, CellOutcome]:
        """Completed cells found in this sweep's session files (damaged files are read as far as
        they go and never modified)."""
        cells = {cell.key: cell for cell in self.spec.cells()}
        found: dict[str, CellOutcome] = {}
        for name in self.manifest.get("sessions", []):
            path = Path(name)
            if not path.is_file():
                continue
            try:
                loaded = load_session(path)
            except SashellError:
                continue
            for record in loaded.turns:
                tag = record.get("sweep") or {}
                cell = cells.get(str(tag.get("cell")))
                if (cell is None or tag.get("id") != self.id or record.get("status") != "complete"
                        or cell.key in found):
                    continue
                found[cell.key] = CellOutcome.from_turn(cell, record, str(path),
                                                        int(tag.get("attempt") or 1))
        return found

    # -- running --------------------------------------------------------------------------------
    def plan(self, cell: Cell, attempt: int) -> TurnPlan:
        model = self.models[cell.model]
        reads = self.spec.lens and provider_for(model).capabilities(model).observes_logits
        return plan_turn(
            self.models[cell.model], self.context(cell.tier), cell.tier, cell.probe.text,
            params=self.spec.params, sample=cell.sample, accept_reject=self.spec.accept_reject,
            targets=self.spec.probe_set.targets_for(cell.probe),
            condition=cell.condition, group=f"sweep-{self.id}", judge=self.judge,
            timeout=self.spec.timeout,
            extra={"sweep": {"id": self.id, "cell": cell.key, "probe": cell.probe.id,
                             "sample": cell.sample, "attempt": attempt}},
            lens_letters=self.spec.probe_set.targets_for(cell.probe)[0] if reads else None,
        )

    async def run(self, on_progress: ProgressCallback | None = None) -> list[CellOutcome]:
        cells = self.spec.cells()
        outcomes = self.finished_cells()
        pending = [cell for cell in cells if cell.key not in outcomes]
        readings = self.spec.score_readings()
        journal = load_journal(self.out_dir)
        progress = SweepProgress(total=len(cells) + len(readings),
                                 skipped=len(outcomes) + sum(r.key in journal for r in readings))
        if on_progress:
            on_progress(progress, None)
        if pending:
            await self._run_cells(pending, outcomes, progress, on_progress)
        if readings:
            def told(_reading: ScoreReading, error: str | None) -> None:
                if error:
                    progress.failed += 1
                    self.reading_errors.append(error)
                else:
                    progress.done += 1
                if on_progress:
                    on_progress(progress, None)

            await read_scores(readings, self.out_dir, self.models, self.context,
                              self.spec.params, told)
        return self.conclude(outcomes)

    def expected_scores(self) -> list[dict[str, Any]]:
        """With --logprobs, the summary's rows of expected scores (from the journal)."""
        return score_rows(self.spec.score_readings(), load_journal(self.out_dir))

    def conclude(self, outcomes: dict[str, CellOutcome]) -> list[CellOutcome]:
        """Record whether every cell is complete; the outcomes in cell order."""
        cells = self.spec.cells()
        journal = load_journal(self.out_dir) if self.spec.logprobs else {}
        self.manifest["status"] = ("finished" if all(outcomes.get(c.key) and
                                                     outcomes[c.key].status == "complete"
                                                     for c in cells)
                                   and all(r.key in journal for r in self.spec.score_readings())
                                   else "incomplete")
        self.manifest["updated"] = now_iso()
        self.save_manifest()
        return [outcomes[cell.key] for cell in cells if cell.key in outcomes]

    def new_part_writer(self) -> SessionWriter:
        """A new session file for this run's turns, recorded in the manifest first."""
        part = len(self.manifest["sessions"]) + 1
        writer = SessionWriter.create(
            self.sessions_dir, f"sweep-{slugify(self.spec.probe_set.name)}-{self.id}-{part}",
            extra={"sweep": {"id": self.id, "out": str(self.out_dir.resolve()), "part": part}})
        self.manifest["sessions"].append(str(writer.path))
        self.save_manifest()
        return writer

    async def _run_cells(self, pending: list[Cell], outcomes: dict[str, CellOutcome],
                         progress: SweepProgress, on_progress: ProgressCallback | None) -> None:
        writer = self.new_part_writer()
        pools: dict[str, _Pool] = {}
        unsubscribes: list[Callable[[], None]] = []
        for cell in pending:
            spec = self.models[cell.model]
            provider = provider_for(spec)
            key = provider.pool_key(spec)
            if key not in pools:
                most = provider.capabilities(spec).max_concurrency
                limiter = AdaptiveLimiter(min(most, self.spec.concurrency) if most
                                          else self.spec.concurrency)
                pools[key] = _Pool(limiter)

                def listener(wait: float | None, limiter: AdaptiveLimiter = limiter) -> None:
                    limiter.on_rate_limited(wait)
                    progress.rate_limited += 1

                unsubscribes.append(provider.subscribe_rate_limits(listener))
            pools[key].queue.put_nowait(cell)

        async def worker(pool: _Pool) -> None:
            while not pool.queue.empty():
                cell = pool.queue.get_nowait()
                outcome = await self._run_cell(cell, pool.limiter, writer, progress)
                outcomes[cell.key] = outcome
                if outcome.status == "complete":
                    progress.done += 1
                else:
                    progress.failed += 1
                if on_progress:
                    on_progress(progress, outcome)

        workers = [asyncio.ensure_future(worker(pool))
                   for pool in pools.values() for _ in range(pool.limiter.maximum)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for unsubscribe in unsubscribes:
                unsubscribe()
            writer.close()

    async def _run_cell(self, cell: Cell, limiter: AdaptiveLimiter, writer: SessionWriter,
                        progress: SweepProgress) -> CellOutcome:
        attempts = 1 + self.spec.retries
        reason = "not run"
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                progress.retried += 1
                await asyncio.sleep(backoff_seconds(attempt - 1))
            await limiter.acquire()
            ok, retryable, turn = False, True, None
            try:
                result = await run_turn(self.plan(cell, attempt), writer)
                turn = result.turn
                if result.status == "complete":
                    ok = True
                    return CellOutcome.from_turn(cell, result.record, str(writer.path), attempt,
                                                result.turn)
                reason, retryable = result.error or result.status, result.retryable
            except ProviderError as exc:  # failed before the turn began (no key, model missing)
                reason, retryable = str(exc), exc.retryable
            except SashellError as exc:
                reason, retryable = str(exc), False
            finally:
                limiter.release(ok)
            if not retryable:
                break
        return CellOutcome(cell=cell, status="failed", turn=turn, session=str(writer.path),
                           attempts=attempt, reason=reason)
