import subprocess
import sys


def loaded_after(imports: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` (modules or top-level packages) a fresh interpreter has loaded after
    running ``imports``."""
    code = (f"import sys\n{imports}\n"
            f"print(','.join(sorted({{m for m in sys.modules for w in {watched!r} "
            f"if m == w or m.startswith(w + '.')}})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_core_imports_no_ui_library() -> None:
    imports = ("import pkgutil, importlib, sashell.core as core\n"
               "for m in pkgutil.walk_packages(core.__path__, 'sashell.core.'):\n"
               "    importlib.import_module(m.name)")
    assert loaded_after(imports, ("textual", "prompt_toolkit")) == []


def test_version_and_help() -> None:
    from sashell import __version__

    out = subprocess.run([sys.executable, "-m", "sashell", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"sashell {__version__}"
    for sub in ("probe", "models", "annotate", "repl", "dataset", "finetune", "demo", "sessions",
                "replay"):
        res = subprocess.run([sys.executable, "-m", "sashell", sub, "--help"], capture_output=True,
                             text=True)
        assert res.returncode == 0, res.stderr
        assert "usage: sashell " + sub in res.stdout


def test_the_tui_paints_before_loading_the_heavy_modules() -> None:
    """The first screen imports only textual and the TUI's chrome: the annotators (their patterns
    compile on import), numpy and the model runtimes load in a thread after the first paint
    (bench/tui_start.py). A top-level import in a TUI module can drag them in unnoticed."""
    heavy = ("sashell.core.annotate", "sashell.present.render", "sashell.core.lens", "numpy",
             "llama_cpp", "openai", "sashell.core.shell")
    assert loaded_after("import sashell.cli, sashell.tui.app", heavy) == []
