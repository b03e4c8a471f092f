"""The session file's records, as types: this module is the schema (schema 1).

Records are TypedDicts, so they are plain dicts at run time (what JSON gives back, what
exports and scripts read) and checked keys for the type checker. ``docs/session-format.md``
is checked against these types by a test, and every session shipped or kept as test data
validates against them (``validate_record``).
"""

# No ``from __future__ import annotations`` here: TypedDict needs NotRequired evaluated at class
# creation to tell required keys from optional ones (and msgspec validates by that).
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

import msgspec

SCHEMA_VERSION = 1

Status = Literal["complete", "error", "cancelled", "interrupted", "unreadable"]


class ModelRecord(TypedDict):
    """The model spec a turn ran on (never a key: only the variable's name)."""

    name: str
    provider: str
    model: str
    base: NotRequired[str]
    endpoint: NotRequired[str]
    base_url: NotRequired[str]
    api_key_env: NotRequired[str]
    gguf: NotRequired[str]
    lora: NotRequired[str]
    n_ctx: NotRequired[int]
    description: NotRequired[str]
    source: NotRequired[str]


class ContextRecord(TypedDict):
    name: str
    path: str | None
    scratchpad: bool
    user_template: str


class ParamsRecord(TypedDict):
    temperature: float
    top_p: float
    max_tokens: int
    seed: int | None
    stop: list[str]


class MessageRecord(TypedDict):
    role: str
    content: str


class SweepTag(TypedDict):
    """On a turn a sweep ran: which cell, which attempt."""

    id: str
    cell: str  # probe|model|tier|sample
    probe: str
    sample: int
    attempt: int


class UsageRecord(TypedDict):
    prompt_tokens: int | None  # None when the endpoint did not report it
    completion_tokens: int | None


class TimingRecord(TypedDict):
    ttft_s: float | None
    total_s: float
    tokens_per_s: float | None  # over the decode phase
    prefix_cache: str | None  # local models: none, memory, disk, partial or miss


class AnnotationRecord(TypedDict):
    """One annotator's reading; each kind adds its own keys (see its class)."""

    kind: str
    flag: bool


class TurnRequest(TypedDict):
    """What a turn sends: written first as ``turn_begin``, repeated in the final ``turn``."""

    conversation: str
    parent_turn: int | None
    created: str
    model: ModelRecord
    endpoint: str
    context: ContextRecord
    tier: Literal["none", "free", "paid"]
    probe: str
    accept_reject: bool
    prefill: str
    condition: str | None
    group: str | None
    messages: list[MessageRecord]
    params: ParamsRecord
    sweep: NotRequired[SweepTag]
    source_turn: NotRequired[int]


class LensLineRecord(TypedDict):
    """One counted line's letter pressure: P(the line begins with each letter), decoration
    looked through; letters below 1e-6 are left out."""

    index: int  # the reply line (0-based)
    expected: str | None  # the target's letter for this counted line
    lower: float | None  # P(expected letter), a lower bound
    upper: float | None  # lower + the unresolved mass
    letters: dict[str, float]
    other: float  # mass on lines that begin with something other than a letter
    unresolved: float


class LensLettersRecord(TypedDict):
    """Letter pressure along a turn's reply: read as it was sampled (``probe --lens``), or the
    finished reply scored under another model (a comparison's partner)."""

    model: str
    target: str
    method: str  # "on-policy": from the logits the sampler used; "scored": read afterwards
    exact: bool
    mean_p_expected: float | None
    lines: list[LensLineRecord]


class LensRecord(TypedDict):
    letters: NotRequired[LensLettersRecord]  # under the model that wrote the reply
    cross: NotRequired[list[LensLettersRecord]]  # the same reply under the models compared with


class TurnResultFields(TypedDict):
    status: Status
    error: str | None
    reply: str
    segments: list[str]
    transcript: list[MessageRecord]
    raw_prompt: str | None
    finish_reason: str
    usage: UsageRecord
    seeds_used: list[int]
    timing: TimingRecord
    annotations: list[dict[str, Any]]  # AnnotationRecord plus each kind's keys
    ended: str
    lens: NotRequired[LensRecord]  # token-level readings asked for with the turn


class TurnRecord(TurnRequest, TurnResultFields):
    """A finished turn (``type: turn``)."""


class TurnExtra(TypedDict, total=False):
    """Keys a runner adds to its turns: a sweep's cell, a re-run's source turn."""

    sweep: SweepTag
    source_turn: int


class SweepHeader(TypedDict):
    id: str
    out: str
    part: int


class RerunSource(TypedDict):
    path: str
    name: str
    against: str
    tier: str | None


class HeaderRecord(TypedDict):
    schema: int
    sashell: str
    created: str
    name: str
    sweep: NotRequired[SweepHeader]
    source: NotRequired[RerunSource]


class DeltaRecord(TypedDict):
    text: str  # new text since the last checkpoint


RECORD_TYPES: dict[str, type[Any]] = {
    "header": HeaderRecord, "turn_begin": TurnRequest, "turn_delta": DeltaRecord,
    "turn": TurnRecord,
}
"""Each line's ``type`` and the record type it holds. ``type`` and, on turn lines, ``turn`` (the
1-based turn number) are the line's framing, written first and second."""
FRAMING_KEYS = ("type", "turn")


def validate_record(record: dict[str, Any]) -> str | None:
    """Why a decoded line does not fit the schema, or None. Unknown keys are allowed (later
    versions of schema 1 may add keys; readers ignore them)."""
    kind = record.get("type")
    schema = RECORD_TYPES.get(str(kind))
    if schema is None:
        return f"unknown record type {kind!r}"
    if kind != "header" and (not isinstance(record.get("turn"), int)
                             or isinstance(record.get("turn"), bool)):
        return f"{kind}: no turn number"
    body = {k: v for k, v in record.items() if k not in FRAMING_KEYS}
    try:
        msgspec.convert(body, schema, strict=False)
    except msgspec.ValidationError as exc:
        return f"{kind}: {exc}"
    for annotation in record.get("annotations") or []:
        try:
            msgspec.convert(annotation, AnnotationRecord, strict=False)
        except msgspec.ValidationError as exc:
            return f"{kind}: annotation: {exc}"
    return None


def _type_name(tp: Any) -> str:
    import types
    import typing

    origin = typing.get_origin(tp)
    if origin is typing.NotRequired or origin is typing.Required:
        return _type_name(typing.get_args(tp)[0])
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is list:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        return "object"
    if tp is type(None):
        return "null"
    if isinstance(tp, type) and typing.is_typeddict(tp):
        return tp.__name__
    return getattr(tp, "__name__", str(tp))


def schema_markdown() -> str:
    """One table per record type, generated from the types above (docs/session-format.md
    embeds it; a test checks that it is current)."""
    import typing

    seen: list[type[Any]] = []

    def visit(tp: Any) -> None:
        if isinstance(tp, type) and typing.is_typeddict(tp) and tp not in seen:
            seen.append(tp)
            for hint in typing.get_type_hints(tp, include_extras=True).values():
                for arg in (hint, *typing.get_args(hint),
                            *(a for sub in typing.get_args(hint) for a in typing.get_args(sub))):
                    visit(arg)

    for record_type in (HeaderRecord, TurnRequest, TurnResultFields, DeltaRecord,
                        AnnotationRecord):
        visit(record_type)
    out = []
    for tp in seen:
        doc = " ".join((tp.__doc__ or "").split())
        out.append(f"#### {tp.__name__}\n")
        if doc:
            out.append(f"{doc}\n")
        out.append("| key | type | required |\n|---|---|---|")
        hints = typing.get_type_hints(tp, include_extras=True)
        for key, hint in hints.items():
            required = key in tp.__required_keys__
            out.append(f"| `{key}` | {_type_name(hint)} | {'yes' if required else 'no'} |")
        out.append("")
    return "\n".join(out)


_HINTS: dict[str, dict[str, Any]] = {}


def _hints(schema: type[Any]) -> dict[str, Any]:
    name = schema.__qualname__
    if name not in _HINTS:
        _HINTS[name] = typing.get_type_hints(schema)
    return _HINTS[name]


def _misfit(value: Any, hint: Any, where: str, depth: int = 0) -> str | None:
    """Where ``value`` has a type ``hint`` does not allow (keys may be missing), or None.
    Objects are checked two levels deep (a turn's fields and theirs): what readers index into;
    list items of objects (messages, annotations) only for being objects."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return None
    if isinstance(hint, type) and typing.is_typeddict(hint):
        if not isinstance(value, dict):
            return f"{where}: expected an object"
        if depth >= 2:
            return None
        hints = _hints(hint)
        for key, item in value.items():
            if key in hints and (problem := _misfit(item, hints[key], f"{where}.{key}",
                                                    depth + 1)):
                return problem
        return None
    if origin in (typing.Union, types.UnionType):
        problems = [_misfit(value, arg, where, depth) for arg in typing.get_args(hint)]
        return None if None in problems else problems[0]
    if origin is Literal:
        return None if value in typing.get_args(hint) else f"{where}: unexpected value {value!r}"
    if origin is list:
        if not isinstance(value, list):
            return f"{where}: expected a list"
        (item_hint,) = typing.get_args(hint)
        for index, item in enumerate(value):
            if problem := _misfit(item, item_hint, f"{where}[{index}]", depth + 2):
                return problem
        return None
    if origin is dict:
        return None if isinstance(value, dict) else f"{where}: expected an object"
    if hint is type(None):
        return None if value is None else f"{where}: expected null"
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return None if ok else f"{where}: expected {getattr(hint, '__name__', hint)}"


def shape_problem(record: Mapping[str, Any], schema: type[Any] = TurnRecord) -> str | None:
    """A loaded record's first value whose type the schema does not allow, or None. Missing
    and unknown keys are fine (older and newer writers); a wrong type is damage that would
    otherwise surface as a crash in whatever reads the key."""
    hints = _hints(schema)
    for key, value in record.items():
        if key in hints and (problem := _misfit(value, hints[key], key)):
            return problem
    for index, annotation in enumerate(record.get("annotations") or []):
        if not isinstance(annotation.get("kind"), str):
            return f"annotations[{index}]: no kind"
    return None
