"""Heavy output libraries (matplotlib, python-docx, fpdf2, pypdf) stay out of the engine and out of the
chat's/bot's cold start: they are imported only when a draft, chart or document is actually made."""
import pkgutil
import subprocess
import sys

import engine

HEAVY = {"matplotlib", "docx", "fpdf", "pypdf", "numpy"}


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(','.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.strip().split(","))


def test_engine_imports_no_file_format_library():
    modules = [f"engine.{m.name}" for m in pkgutil.walk_packages(engine.__path__, prefix="") if not m.name.startswith("_")]
    assert "engine.drafts" in modules and "engine.digest" in modules and "engine.exports" in modules
    loaded = _loaded_after("import importlib\n" + "\n".join(f"importlib.import_module({m!r})" for m in modules))
    assert not loaded & HEAVY, loaded & HEAVY


def test_bot_cold_start_does_not_pay_for_the_output_libraries():
    loaded = _loaded_after(
        "from bot.cli import build_parser\nbuild_parser()\n"
        "import bot.slack.app, bot.slack.http, bot.slack.home, bot.slack.listeners.drafts, bot.cli.commands.digest, bot.slack.digest_sender\n"
        "import sheets.outputs, sheets.exports, bot.charts\n")
    assert not loaded & HEAVY, loaded & HEAVY
