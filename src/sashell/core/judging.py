"""Optional LLM judges: a second reading stored beside the heuristic one, never replacing it.

``--judge MODEL`` sends our prompts from prompts/judges/ to any registry model at temperature 0.
Which kinds are judged, with which prompt and how the reply is read, each annotator class says
(``judge_prompt``, ``judge_fields``, ``read_judgement``); this module only asks the model. The
judge's raw reply is kept so a verdict can be checked.
"""

from __future__ import annotations

from typing import Any

from sashell.core.annotate.compliance import split_reply
from sashell.core.annotate.registry import registry
from sashell.core.errors import SashellError
from sashell.core.models import ModelSpec
from sashell.core.paths import find_prompt_file
from sashell.core.providers import provider_for
from sashell.core.providers.base import GenerationRequest, SamplingParams, TextDelta

MAX_JUDGED_CHARS = 12_000


def judge_prompt(name: str, **fields: str) -> str:
    path = find_prompt_file("judges", name)
    if path is None:
        raise SashellError(f"prompts/judges/{name}.md is missing")
    text = path.read_text(encoding="utf-8")
    for key, value in fields.items():
        text = text.replace("{" + key + "}", value[:MAX_JUDGED_CHARS])
    return text


async def _ask(model: ModelSpec, prompt: str, max_tokens: int) -> str:
    provider = provider_for(model)
    await provider.prepare(model)
    request = GenerationRequest(model, [{"role": "user", "content": prompt}],
                                SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=0))
    parts = [e.text async for e in provider.stream(request) if isinstance(e, TextDelta)]
    return "".join(parts)


async def add_judgements(annotations: list[dict[str, Any]], probe: str, reply: str,
                         model: ModelSpec) -> None:
    """Add a ``judge`` entry to every record whose annotator has a judge prompt (in place)."""
    scratchpad, answer = split_reply(reply)
    known = registry()
    for record in annotations:
        cls = known.owner(record)
        if cls.judge_prompt is None:
            continue
        fields = cls.judge_fields(probe, scratchpad, answer)
        if fields is None:
            continue
        try:
            raw = await _ask(model, judge_prompt(cls.judge_prompt, **fields), cls.judge_max_tokens)
            record["judge"] = {"model": model.name, **cls.read_judgement(raw)}
        except SashellError as exc:
            record["judge"] = {"model": model.name, "error": str(exc)}
