import subprocess
import sys


def test_core_imports_no_ui_library() -> None:
    code = (
        "import pkgutil, importlib, sys, sashell.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'sashell.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'prompt_toolkit')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


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
    code = (
        "import sys, sashell.cli, sashell.tui.app\n"
        "heavy = ('sashell.core.annotate', 'sashell.present.render', 'sashell.core.lens', 'numpy',\n"
        "         'llama_cpp', 'openai', 'sashell.core.shell')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
