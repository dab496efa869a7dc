"""Health of a running bot, for container and service-manager health checks (`stimulans healthcheck`).

HTTP mode serves GET /healthz (bot/slack/http.py). Socket Mode has no port, so `stimulans serve` keeps a
heartbeat file fresh while its websocket to Slack is connected; the health check reads its age.

    STIMULANS_HEARTBEAT_FILE   the heartbeat file (default: <temp dir>/stimulans-heartbeat)

`stimulans healthcheck` exits 0 when the heartbeat file is younger than --max-age seconds (Socket
Mode) or, when there is no heartbeat file, when http://127.0.0.1:$PORT/healthz answers 200 (HTTP).
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

HEARTBEAT_ENV = "STIMULANS_HEARTBEAT_FILE"
INTERVAL_SECONDS = 15.0
MAX_AGE_SECONDS = 90.0  # six missed beats


def heartbeat_path() -> Path:
    return Path(os.environ.get(HEARTBEAT_ENV) or Path(tempfile.gettempdir()) / "stimulans-heartbeat")


class Heartbeat:
    """Touches `path` every `interval` seconds while `alive()` is true (e.g. the Socket Mode client is
    connected), from a daemon thread. A hung or disconnected process stops touching it, so it ages."""

    def __init__(self, alive: Callable[[], bool], path: Path | None = None, interval: float = INTERVAL_SECONDS):
        self.alive = alive
        self.path = path or heartbeat_path()
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> bool:
        """One beat: touch the file if alive. Never raises (a health file must not stop the bot)."""
        try:
            if not self.alive():
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(f"{time.time():.0f}\n", encoding="ascii")
            os.replace(tmp, self.path)
            return True
        except Exception as exc:  # noqa: BLE001
            log.warning("heartbeat: kunde inte skriva %s: %s", self.path, type(exc).__name__)
            return False

    def start(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._run, name="stimulans-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def stop(self) -> None:
        self._stop.set()
        try:
            self.path.unlink()
        except OSError:
            pass


def check_heartbeat(path: Path, max_age: float = MAX_AGE_SECONDS, now: float | None = None) -> tuple[bool, str]:
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False, f"ingen heartbeat-fil {path}"
    if age > max_age:
        return False, (f"heartbeat-filen {path} är {age:.0f} s gammal (max {max_age:.0f} s): "
                       "Socket Mode-anslutningen är nere eller processen hänger")
    return True, f"Socket Mode ansluten (heartbeat {age:.0f} s sedan)"


def check_http(port: int, host: str = "127.0.0.1", timeout: float = 3.0) -> tuple[bool, str]:
    url = f"http://{host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            if resp.status == 200:
                return True, f"{url} svarar 200"
            return False, f"{url} svarar {resp.status}"
    except urllib.error.HTTPError as e:
        return False, f"{url} svarar {e.code}"
    except (OSError, ValueError) as e:
        return False, f"{url} svarar inte ({getattr(e, 'reason', None) or type(e).__name__})"


def check(port: int, path: Path | None = None, max_age: float = MAX_AGE_SECONDS) -> tuple[bool, str]:
    """Socket Mode when a heartbeat file exists, else the HTTP endpoint."""
    path = path or heartbeat_path()
    if path.exists():
        return check_heartbeat(path, max_age)
    ok, detail = check_http(port)
    if ok:
        return ok, detail
    return False, f"{detail}; och ingen heartbeat-fil {path} (Socket Mode)"
