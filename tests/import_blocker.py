"""Run Python in a subprocess where some modules cannot be imported — as on a machine without an
optional extra (slack_bolt, gspread, gunicorn …) or on Windows (fcntl, readline).

A meta-path finder placed first on sys.meta_path raises ImportError (with `name` set, like a real
missing module) for the blocked top-level names, before anything else is imported.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS_MODULES = ("slack_bolt", "slack_sdk", "gspread", "google", "gunicorn", "requests")
WINDOWS_MISSING = ("fcntl", "readline")

_PRELUDE = """\
import sys
_BLOCKED = frozenset({blocked!r})

class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in _BLOCKED:
            raise ImportError(f"No module named {{name!r}}", name=name)
        return None

for _m in [m for m in sys.modules if m.partition(".")[0] in _BLOCKED]:
    del sys.modules[_m]
sys.meta_path.insert(0, _Blocker())
"""


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The current environment without any Stimulans/Slack/Google setting, data in `tmp`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STIMULANS_", "SLACK_", "GOOGLE_")) and k != "PYTHONPATH"}
    env.update({"STIMULANS_DATA_DIR": str(tmp / "data"), "PYTHONPATH": str(ROOT), **extra})
    return env


def run_blocked(blocked: tuple[str, ...], code: str, *args: str, cwd: Path, env: dict[str, str],
                stdin: str = "", timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python -c <blocker + code> args…` with `blocked` modules unimportable."""
    script = _PRELUDE.format(blocked=tuple(blocked)) + code
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


CLI = "from bot.cli import main\nraise SystemExit(main(sys.argv[1:]))\n"
