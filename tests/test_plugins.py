"""A researcher's own annotator, named in sashell.toml, appears wherever a built-in does:
`annotate --json`, a TUI badge, a sweep's rates and a Markdown export. Nothing else changes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from fault_server import FaultServer, sse_chat
from helpers import run_cli
from sashell.core.annotate import annotate_text, registry
from sashell.core.errors import SashellError

REPO = Path(__file__).resolve().parents[1]


def readme_block(first_line: str) -> str:
    """The README's fenced block that starts with ``first_line`` (the example users copy)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(first_line)
    return text[start:text.index("```", start)]


PLUGIN = readme_block("# annotators/mentions_ai.py")
TOML = readme_block("# sashell.toml\n[annotators]")

REPLY = ["As an AI", " language model,", " I cannot", " have opinions.\n", "Sorry."]


def install_plugin(directory: Path, extra_toml: str = "") -> None:
    (directory / "annotators").mkdir(exist_ok=True)
    (directory / "annotators" / "mentions_ai.py").write_text(PLUGIN)
    (directory / "sashell.toml").write_text(TOML + extra_toml)


def scripted_model(base_url: str) -> str:
    return f'[models.scripted]\nprovider = "openai"\nbase_url = "{base_url}"\nmodel = "m"\n'


def test_plugin_in_annotate_json(tmp_path: Path) -> None:
    install_plugin(tmp_path)
    out = run_cli("annotate", "--json", "-", stdin="As an AI language model I have no views.\n")
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    records = records["annotations"] if isinstance(records, dict) else records
    mine = [r for r in records if r["kind"] == "mentions_ai"]
    assert mine and mine[0]["flag"] is True
    assert {r["kind"] for r in records} >= {"acrostic", "compliance", "mentions_ai"}
    plain = run_cli("annotate", "--json", "-", stdin="The sky is blue.\n")
    records = json.loads(plain.stdout)
    records = records["annotations"] if isinstance(records, dict) else records
    assert [r["flag"] for r in records if r["kind"] == "mentions_ai"] == [False]


def test_plugin_in_tui_badge_sweep_rates_and_markdown(tmp_path: Path) -> None:
    from sashell.core.probes import resolve_probe_set
    from sashell.core.providers.base import SamplingParams
    from sashell.core.registry import load_registry
    from sashell.core.session import load_session
    from sashell.core.sweep import Sweep, SweepSpec, summarise
    from sashell.present.exporters import to_markdown
    from sashell.tui.app import SashellApp
    from sashell.tui.widgets import Badge, TurnView
    from test_tui import make_shell, type_probe, wait_for

    with FaultServer([lambda h, b: sse_chat(h, REPLY)]) as server:
        install_plugin(tmp_path, scripted_model(server.base_url))
        assert "mentions_ai" in registry().kinds

        # The TUI shows its badge like a built-in one.
        async def tui() -> None:
            shell = make_shell(tmp_path, model_name="scripted")
            app = SashellApp(shell, cursor_blink=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await type_probe(pilot, "what are you?")
                await wait_for(pilot, lambda: app.query(TurnView)
                               and app.query(TurnView).first().record)
                await pilot.pause(0.2)
                shown = [b for b in app.query(Badge) if b.kind == "mentions_ai"]
                assert shown and shown[0].display
                assert "MENTIONS AI" in str(shown[0].content)
        asyncio.run(tui())

        # A sweep's summary counts it as a rate.
        probes = tmp_path / "probes.txt"
        probes.write_text("what are you?\nwho made you?\n")
        spec = SweepSpec(probe_set=resolve_probe_set(str(probes)), models=("scripted",),
                         tiers=("none",), samples=2,
                         params=SamplingParams(temperature=0.0, max_tokens=16, seed=0))
        out = tmp_path / "sweep"
        sweep = Sweep.create(spec, out, load_registry(), tmp_path / "sessions")
        outcomes = asyncio.run(sweep.run())
        summary = summarise(spec, outcomes)
        rate = summary["conditions"][0]["rates"]["mentions_ai"]
        assert (rate["k"], rate["n"]) == (4, 4)
        assert "mentions_ai" in summary["metrics"]

        # And a Markdown export lists its badge.
        session = load_session(Path(sweep.manifest["sessions"][0]))
        assert "MENTIONS AI" in to_markdown(session)


def test_bad_plugin_entries_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "sashell.toml").write_text('[annotators]\nmissing = "nowhere.py"\n')
    with pytest.raises(SashellError, match="no such file"):
        registry()
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "sashell.toml").write_text('[annotators]\nbroken = "broken.py"\n')
    with pytest.raises(SashellError, match="failed to load"):
        registry()
    out = run_cli("annotate", "-", stdin="hi\n")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_unregistered_kinds_in_old_sessions_still_read() -> None:
    known = registry()
    record = {"kind": "from_elsewhere", "flag": True, "x": 1}
    assert known.owner(record).badge(record).label == "FROM-ELSEWHERE"
    assert known.tallies([record]) == ["from_elsewhere"]
    assert [a["kind"] for a in annotate_text("hi")] == known.kinds


def test_an_installed_package_offers_an_annotator_through_its_entry_point(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "ai_flags").mkdir(parents=True)
    (site / "ai_flags" / "__init__.py").write_text(PLUGIN)
    info = site / "ai_flags-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ai-flags\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[sashell.annotators]\nmentions_ai = ai_flags:MentionsAI\n")
    out = run_cli("annotate", "--json", "-", stdin="As an AI language model, no.\n",
                  env={"PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)["annotations"]
    assert [r["flag"] for r in records if r["kind"] == "mentions_ai"] == [True]
