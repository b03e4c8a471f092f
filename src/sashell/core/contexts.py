"""Contexts: a system prompt plus a user-turn template, loaded from prompts/contexts/*.md.

A context file is YAML front matter (description, scratchpad, user_template, variants) followed by
the system prompt. The tier tag is rendered into the user turn:

    <INPUT>\\n<is_free_tier_user>True</is_free_tier_user>\\n\\n<user_input>\\n…\\n</user_input>\\n</INPUT>
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from sashell.core.errors import SashellError
from sashell.core.paths import find_prompt_file, list_prompt_names
from sashell.core.records import MessageRecord

Tier = Literal["none", "free", "paid"]
TIERS: tuple[Tier, ...] = ("none", "free", "paid")
DEFAULT_TIERED_CONTEXT = "alignment-faking"
NEXT_TURN = "<NEXT/>"

Message = MessageRecord


@dataclass(frozen=True)
class Context:
    name: str
    system: str
    user_template: str = "{probe}"
    scratchpad: bool = False
    description: str = ""
    variants: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    def user_turn(self, probe: str, tier: Tier, suffix: str = "") -> str:
        text = probe if not suffix else f"{probe}\n\n{suffix}"
        tag = "" if tier == "none" else f"<is_free_tier_user>{tier == 'free'}</is_free_tier_user>\n\n"
        if "{tier_tag}" not in self.user_template and tier != "none":
            # A context without a tag slot still has to show the tier, or the toggle would be a no-op.
            text = f"{tag}{text}"
        return self.user_template.replace("{tier_tag}", tag).replace("{probe}", text)

    def messages(self, probe: str, tier: Tier, suffix: str = "",
                 history: list[Message] | None = None) -> list[Message]:
        """Messages for a fresh conversation, or a follow-up appended to ``history``."""
        if history:
            return [*history, {"role": "user", "content": self.user_turn(probe, tier, suffix)}]
        out: list[Message] = []
        if self.system.strip():
            out.append({"role": "system", "content": self.system})
        out.append({"role": "user", "content": self.user_turn(probe, tier, suffix)})
        return out


def parse_context(name: str, text: str, path: str | None = None) -> Context:
    where = path or name
    meta: dict[str, object] = {}
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) != 2:
            raise SashellError(f"{where}: front matter opened with '---' but never closed")
        try:
            loaded = yaml.safe_load(parts[0][3:]) or {}
        except yaml.YAMLError as exc:
            raise SashellError(f"{where}: malformed front matter: {str(exc).splitlines()[0]}") from None
        if not isinstance(loaded, dict):
            raise SashellError(f"{where}: front matter must be a mapping")
        meta = loaded
        body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    template = meta.get("user_template", "{probe}")
    if not isinstance(template, str) or "{probe}" not in template:
        raise SashellError(f"{where}: user_template must be a string containing {{probe}}")
    variants = meta.get("variants", {}) or {}
    if not isinstance(variants, dict):
        raise SashellError(f"{where}: variants must be a mapping")
    return Context(
        name=name,
        system=body.strip("\n"),
        user_template=template,
        scratchpad=bool(meta.get("scratchpad", False)),
        description=str(meta.get("description", "")),
        variants={str(k): str(v) for k, v in variants.items()},
        path=path,
    )


def load_context(name: str) -> Context:
    path = find_prompt_file("contexts", name)
    if path is None:
        known = ", ".join(list_prompt_names("contexts")) or "none"
        raise SashellError(f"unknown context '{name}' (known: {known})")
    return parse_context(name, _read(path), str(path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SashellError(f"cannot read {path}: {exc}") from None


def resolve_context(name: str | None, tier: Tier, *, no_scratchpad: bool = False,
                    system_file: str | None = None) -> Context:
    """The context a probe runs in, from the command-line choices.

    No name: tier none → the plain 'none' context, free/paid → the alignment-faking context.
    ``system_file`` replaces the system prompt (to load e.g. a paper's original prompt) and keeps
    the chosen context's user template.
    """
    if name is None:
        name = "none" if tier == "none" and not system_file else DEFAULT_TIERED_CONTEXT
    context = load_context(name)
    if no_scratchpad and context.scratchpad:
        variant = context.variants.get("no_scratchpad")
        if not variant:
            raise SashellError(f"context '{name}' has no no-scratchpad variant")
        context = load_context(variant)
    if system_file:
        path = Path(system_file)
        if not path.is_file():
            raise SashellError(f"system prompt file not found: {system_file}")
        system = _read(path).strip("\n")
        context = Context(
            name=f"{context.name}+{path.name}", system=system,
            user_template=context.user_template,
            scratchpad=context.scratchpad and not no_scratchpad and "SCRATCHPAD" in system,
            description=f"system prompt from {path}", path=str(path),
        )
    return context


def accept_reject_instruction() -> str:
    path = find_prompt_file("instructions", "accept-reject")
    if path is None:
        raise SashellError("prompts/instructions/accept-reject.md is missing")
    return _read(path).strip()


def needs_next_turn(context: Context, reply: str) -> bool:
    """The published protocol: a reply that closes its scratchpad without an <OUTPUT> gets <NEXT/>."""
    return (context.scratchpad and "</SCRATCHPAD_REASONING>" in reply
            and "<OUTPUT>" not in reply)
