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
