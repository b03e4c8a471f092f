"""`sashell export`: a saved session as Markdown, self-contained HTML, OpenAI fine-tuning chat
JSONL, or an Inspect AI eval log.

Exports show what was recorded (stored annotations, never recomputed) and never modify the
session file. Output depends only on the session, so the same file always exports the same way.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from sashell import __version__
from sashell.core.annotate.registry import annotations_of, registry
from sashell.core.errors import SashellError
from sashell.core.files import write_text_atomic
from sashell.core.finetune.datasets import check_messages
from sashell.core.session import LoadedSession
from sashell.present.lens import COLUMNS, lens_readings, letters_rows, letters_table, letters_title
from sashell.present.render import (
    badge_label,
    badges,
    grouped_turns,
    reply_text,
    safe_text,
    turn_label,
)

FORMATS = ("md", "html", "jsonl", "inspect")


def _badge_words(turn: dict[str, Any]) -> list[str]:
    return [badge.label for _, badge in registry().badges(annotations_of(turn.get("annotations")))]


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


_MD_SPECIAL = re.compile(r"([\\`*\[\]#|~])")


def md_text(value: object) -> str:
    """Outside text for Markdown outside a code block: visible escapes for control characters,
    HTML made inert, Markdown punctuation backslash-escaped (no link, heading or emphasis)."""
    text = html.escape(safe_text(str(value)).replace("\n", " "), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(value: object) -> str:
    """Outside text as inline code, fenced with more backticks than it holds."""
    text = safe_text(str(value)).replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _overview(loaded: LoadedSession, markdown: bool) -> list[str]:
    """The session's file, creation and conditions: Markdown, or plain text (for HTML, which
    escapes it)."""
    text: Callable[[object], str] = md_text if markdown else (
        lambda v: safe_text(str(v)).replace("\n", " "))
    code: Callable[[object], str] = md_code if markdown else text
    turns = loaded.turns
    models = sorted({str((t.get("model") or {}).get("name")) for t in turns})
    tiers = sorted({str(t.get("tier")) for t in turns})
    return [f"session file {code(loaded.path.name)}, created "
            f"{text(loaded.header.get('created', '?'))} by sashell "
            f"{text(loaded.header.get('sashell', '?'))}",
            f"{len(turns)} turns · models: {', '.join(text(m) for m in models)} · tiers: "
            f"{', '.join(text(t) for t in tiers)}"]


# -- Markdown ------------------------------------------------------------------------------------
def to_markdown(loaded: LoadedSession) -> str:
    out = [f"# {md_text(loaded.name)}", ""]
    out += [f"- {line}" for line in _overview(loaded, markdown=True)]
    for turn in grouped_turns(loaded.turns):
        context = turn.get("context") or {}
        out += ["", f"## Turn {md_text(turn.get('turn'))} · {md_text(turn_label(turn))} · "
                    f"{md_text(turn.get('status'))}",
                "", f"- context: {md_code(context.get('name'))}, tier {md_code(turn.get('tier'))}",
                f"- sampling: {md_text(json.dumps(turn.get('params') or {}, sort_keys=True))}"]
        if turn.get("error"):
            out.append(f"- error: {md_text(turn['error'])}")
        words = _badge_words(turn)
        out.append(f"- annotations: {' · '.join(f'**{md_text(w)}**' for w in words) if words else 'none'}")
        probe = safe_text(str(turn.get("probe", "")))
        reply = safe_text(str(turn.get("reply", "")))
        out += ["", "Probe:", "", _fence(probe) + "text", probe, _fence(probe),
                "", "Reply:", "", _fence(reply) + "text", reply, _fence(reply)]
        for reading in lens_readings(turn):
            out += ["", f"Letter pressure — {md_text(letters_title(reading))}:", "",
                    "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
            for row in letters_rows(reading, str(turn.get("reply", ""))):
                cells = [row["line"], row["expected"],
                         "–" if row["lower"] is None else f"{row['lower']:.1%}",
                         "–" if row["upper"] is None else f"{row['upper']:.1%}",
                         row["top"], row["text"]]
                out.append("| " + " | ".join(md_text(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


# -- HTML ----------------------------------------------------------------------------------------
HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d1d1f; background: #fff; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin-top: 2rem; border-top: 1px solid #ddd;
                               padding-top: 1rem; }
.meta { color: #666; font-size: .85rem; margin: .2rem 0; }
.probe { font-weight: 600; white-space: pre-wrap; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap;
      font-family: ui-monospace, monospace; font-size: .85rem; line-height: 1.35; }
.status-error, .status-cancelled, .status-interrupted { color: #b00020; }
"""


def _rich_html(renderable: Any) -> str:
    """A rich renderable as an HTML <pre> fragment with inline styles (no stylesheet)."""
    console = Console(record=True, width=100, file=io.StringIO(), color_system="truecolor",
                      force_terminal=True)
    console.print(renderable, soft_wrap=True)  # the browser wraps (pre-wrap), not rich
    return console.export_html(inline_styles=True, code_format="<pre>{code}</pre>")


def to_html(loaded: LoadedSession) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(safe_text(loaded.name))} · sashell</title>",
             f"<style>{HTML_STYLE}</style></head><body>",
             f"<h1>{e(safe_text(loaded.name))}</h1>"]
    parts += [f'<p class="meta">{e(line)}</p>' for line in _overview(loaded, markdown=False)]
    for turn in grouped_turns(loaded.turns):
        annotations = turn.get("annotations") or []
        context = turn.get("context") or {}
        status = str(turn.get("status"))
        parts.append(f'<section><h2>Turn {e(str(turn.get("turn")))} · {e(safe_text(turn_label(turn)))}'
                     f' · <span class="status-{e(status)}">{e(status)}</span></h2>')
        parts.append(f'<p class="meta">context {e(str(context.get("name")))}, tier '
                     f'{e(str(turn.get("tier")))}, sampling '
                     f'{e(json.dumps(turn.get("params") or {}, sort_keys=True))}</p>')
        if turn.get("error"):
            parts.append(f'<p class="meta status-error">{e(safe_text(str(turn["error"])))}</p>')
        parts.append(f'<p class="probe">› {e(safe_text(str(turn.get("probe", ""))))}</p>')
        parts.append(_rich_html(reply_text(str(turn.get("reply", "")), annotations)))
        if annotations:
            parts.append(_rich_html(badges(annotations)))
        for reading in lens_readings(turn):
            parts.append(_rich_html(letters_table(reading, str(turn.get("reply", "")))))
        parts.append("</section>")
    parts.append(f'<p class="meta">exported by sashell {e(__version__)}</p></body></html>')
    return "\n".join(parts) + "\n"


# -- OpenAI fine-tuning chat JSONL ---------------------------------------------------------------
def chat_examples(loaded: LoadedSession) -> tuple[list[dict[str, Any]], list[str]]:
    """One {"messages": [...]} per complete turn with a non-empty reply, and why others were
    left out."""
    examples, skipped = [], []
    for turn in loaded.turns:
        number = turn.get("turn")
        if turn.get("status") != "complete":
            skipped.append(f"turn {number}: {turn.get('status')}")
            continue
        messages = [{"role": m.get("role"), "content": m.get("content")}
                    for m in turn.get("transcript") or turn.get("messages") or []]
        if not messages or messages[-1]["role"] != "assistant":
            messages.append({"role": "assistant", "content": turn.get("reply", "")})
        problems: list[str] = []
        if check_messages(f"turn {number}", {"messages": messages}, problems) is None:
            skipped.append(problems[0])
            continue
        examples.append({"messages": messages})
    return examples, skipped


def to_chat_jsonl(loaded: LoadedSession) -> tuple[str, list[str]]:
    examples, skipped = chat_examples(loaded)
    if not examples:
        raise SashellError(f"{loaded.path}: no complete turn to export as a training example")
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in examples), skipped


# -- Inspect AI eval log -------------------------------------------------------------------------
def write_inspect_log(loaded: LoadedSession, out: Path) -> None:
    """One sample per turn, written with inspect_ai's own log types (the `inspect` extra)."""
    if out.suffix not in (".eval", ".json"):
        raise SashellError(f"{out}: an Inspect log must be named *.eval or *.json")
    try:
        from inspect_ai.log import EvalConfig, EvalDataset, EvalLog, EvalSample, EvalSpec, write_eval_log
        from inspect_ai.model import (
            ChatCompletionChoice,
            ChatMessageAssistant,
            ChatMessageSystem,
            ChatMessageUser,
            ModelOutput,
        )
        from inspect_ai.scorer import Score
    except ImportError:
        raise SashellError("--format inspect needs inspect_ai: pip install 'sashell[inspect]'") from None
    kinds: dict[str, Callable[..., Any]] = {"system": ChatMessageSystem, "user": ChatMessageUser,
                                            "assistant": ChatMessageAssistant}
    samples = []
    models = sorted({str((t.get("model") or {}).get("model") or "?") for t in loaded.turns})
    for index, turn in enumerate(loaded.turns):
        sent = [kinds[m["role"]](content=str(m.get("content", "")))
                for m in turn.get("messages") or [] if m.get("role") in kinds]
        reply = str(turn.get("reply", ""))
        model = str((turn.get("model") or {}).get("model") or "?")
        output = ModelOutput(model=model, choices=[ChatCompletionChoice(
            message=ChatMessageAssistant(content=reply, model=model),
            stop_reason="stop" if turn.get("finish_reason") == "stop" else "unknown")])
        scores = {}
        for ann in annotations_of(turn.get("annotations")):
            kind = str(ann.get("kind"))
            shown = badge_label(ann)
            scores[kind] = Score(value=registry().owner(ann).value(ann),
                                 explanation=shown[0] if shown else None,
                                 metadata={k: v for k, v in ann.items() if k != "kind"})
        samples.append(EvalSample(
            id=int(turn.get("turn") or index + 1), epoch=1, input=sent or str(turn.get("probe", "")),
            target="", messages=[*sent, output.choices[0].message], output=output, scores=scores,
            error=None,
            metadata={"condition": turn_label(turn), "tier": turn.get("tier"),
                      "status": turn.get("status"), "context": (turn.get("context") or {}).get("name"),
                      "params": turn.get("params"), "sashell_turn": turn.get("turn")}))
    log = EvalLog(
        status="success",
        eval=EvalSpec(created=str(loaded.header.get("created", "")), task=f"sashell/{loaded.name}",
                      dataset=EvalDataset(name=loaded.name, location=str(loaded.path),
                                          samples=len(samples)),
                      model=models[0] if len(models) == 1 else "mixed: " + ", ".join(models),
                      config=EvalConfig(), metadata={"sashell": __version__,
                                                     "session": str(loaded.path)}),
        samples=samples)
    write_eval_log(log, str(out))


def export_session(loaded: LoadedSession, fmt: str, out: Path) -> list[str]:
    """Write ``loaded`` to ``out`` in ``fmt``; returns notes on turns left out."""
    if not loaded.turns:
        raise SashellError(f"{loaded.path}: no readable turns to export")
    if fmt == "md":
        write_text_atomic(out, to_markdown(loaded))
    elif fmt == "html":
        write_text_atomic(out, to_html(loaded))
    elif fmt == "jsonl":
        text, skipped = to_chat_jsonl(loaded)
        write_text_atomic(out, text)
        return skipped
    elif fmt == "inspect":
        write_inspect_log(loaded, out)
    else:
        raise SashellError(f"unknown export format '{fmt}' (choose from {', '.join(FORMATS)})")
    return []
