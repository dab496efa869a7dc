"""The engine imports neither Slack nor gspread (checked in a fresh interpreter)."""
import pkgutil
import subprocess
import sys

import engine


def test_engine_imports_no_slack_or_gspread():
    modules = [f"engine.{m.name}" for m in pkgutil.walk_packages(engine.__path__, prefix="") if not m.name.startswith("_")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'slack_bolt', 'slack_sdk', 'gspread', 'openpyxl'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine pulled in: {out.stdout.strip()}"
    assert len(modules) > 5
