"""From a researcher's choices (model, tier, context, sampling, session) to runnable turn plans.

Front ends collect options; this module resolves them against the registry, the prompt files and
the session journal, and fails early with one-line errors before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sashell.core.contexts import (
    Context,
    Message,
    Tier,
    resolve_context,
)
from sashell.core.errors import SashellError
from sashell.core.models import Endpoint, ModelSpec
from sashell.core.paths import sessions_dir
from sashell.core.plan import TurnPlan, plan_turn
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import adhoc_openai_model, load_registry
from sashell.core.session import (
    LoadedSession,
    SessionWriter,
    latest_session,
    load_session,
    resolve_session_path,
    slugify,
)

DEFAULT_MODEL = "smollm2"
MAX_PROBE_CHARS = 200_000


@dataclass
class ProbeOptions:
    probe: str
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    endpoint: Endpoint | None = None
    tier: Tier | None = None
    context: str | None = None
    system_file: str | None = None
    no_scratchpad: bool = False
    accept_reject: bool = False
    prefill: str = ""
    follow_up: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int | None = None
    samples: int = 1
    session: str | None = None
    sessions_dir: str | None = None
    targets: tuple[str, ...] = ()
    judge: str | None = None
    lens: str | None = None  # letter pressure on-policy towards this word (``probe --lens``)


@dataclass
class PreparedProbe:
    writer: SessionWriter
    plans: list[TurnPlan]


def resolve_model(name: str | None, base_url: str | None, api_key_env: str | None,
                  endpoint: Endpoint | None) -> ModelSpec:
    if base_url:
        if not name:
            raise SashellError("--base-url needs --model ID (the model's id at that endpoint)")
        if not base_url.startswith(("http://", "https://")):
            raise SashellError(f"--base-url must start with http:// or https://, not {base_url!r}")
        return adhoc_openai_model(name, base_url.rstrip("/"), api_key_env, endpoint or "chat")
    spec = load_registry().get(name or DEFAULT_MODEL)
    if api_key_env:
        spec = replace(spec, api_key_env=api_key_env)
    return spec.with_endpoint(endpoint)


MAX_SAMPLES = 10_000


def validate_sampling(o: ProbeOptions) -> SamplingParams:
    if not 1 <= o.samples <= MAX_SAMPLES:
        raise SashellError(f"-n must be from 1 to {MAX_SAMPLES:,} (a sweep runs more)")
    return SamplingParams(temperature=o.temperature, top_p=o.top_p, max_tokens=o.max_tokens,
                          seed=o.seed)


def open_session(name: str | None, directory_option: str | None,
                 title_hint: str) -> tuple[SessionWriter, LoadedSession | None]:
    """The session to append to: a named one (validated, never modified if damaged) or a new one."""
    directory = sessions_dir(directory_option)
    if name:
        path = resolve_session_path(name, directory)
        if path.exists():
            return SessionWriter.append_to(path)
        return SessionWriter.named(path), None
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return SessionWriter.create(directory, f"{stamp}-{slugify(title_hint)}"), None


def _follow_up_source(o: ProbeOptions) -> LoadedSession:
    directory = sessions_dir(o.sessions_dir)
    path = resolve_session_path(o.session, directory) if o.session else latest_session(directory)
    if path is None or not path.exists():
        raise SashellError("--continue needs an existing session (none found; use --session NAME)")
    loaded = load_session(path)
    if not loaded.turns:
        raise SashellError(f"--continue: session {path} has no turns to follow up on")
    return loaded


def _context_of_turn(turn: dict[str, object]) -> Context:
    info = turn.get("context") or {}
    assert isinstance(info, dict)
    return Context(name=str(info.get("name", "none")), system="",
                   user_template=str(info.get("user_template", "{probe}")),
                   scratchpad=bool(info.get("scratchpad", False)))


def prepare_probe(o: ProbeOptions) -> PreparedProbe:
    probe = o.probe
    if not probe.strip():
        raise SashellError("the probe is empty")
    params = validate_sampling(o)
    history: list[Message] | None = None
    conversation: str | None = None
    parent: int | None = None
    last_model: str | None = None
    tier: Tier = o.tier or "none"
    context: Context | None = None
    if o.follow_up:
        source = _follow_up_source(o)
        last = source.turns[-1]
        history = list(last.get("transcript") or [])
        if not history:
            raise SashellError(f"--continue: the last turn of {source.path} has no transcript")
        conversation = str(last.get("conversation"))
        parent = int(last["turn"])
        last_model = str((last.get("model") or {}).get("name", "")) or None
        tier = o.tier or last.get("tier", "none")
        if o.context is None and o.system_file is None:
            context = _context_of_turn(last)
        o = replace(o, session=o.session or str(source.path))
    if context is None:
        context = resolve_context(o.context, tier, no_scratchpad=o.no_scratchpad,
                                  system_file=o.system_file)
    model = resolve_model(o.model or (last_model if not o.base_url else None), o.base_url,
                          o.api_key_env, o.endpoint)
    judge = load_registry().get(o.judge) if o.judge else None
    plans = [
        plan_turn(model, context, tier, probe, params=params, sample=i,
                  accept_reject=o.accept_reject, prefill=o.prefill, history=history,
                  conversation=conversation, parent_turn=parent, targets=o.targets, judge=judge,
                  lens_letters=o.lens)
        for i in range(o.samples)
    ]
    writer, _ = open_session(o.session, o.sessions_dir, probe)
    return PreparedProbe(writer, plans)
