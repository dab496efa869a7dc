"""Health checks for both serving modes: the Socket Mode heartbeat file (`stimulans serve` keeps it
fresh while connected) and GET /healthz in HTTP mode, through `stimulans healthcheck`."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.slack.health import Heartbeat, check, check_heartbeat, check_http
from config.secret import Secret

ROOT = Path(__file__).resolve().parents[1]


def healthcheck(tmp_path: Path, heartbeat: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_", "GOOGLE_"))}
    env.update(PYTHONPATH=str(ROOT), STIMULANS_HEARTBEAT_FILE=str(heartbeat), STIMULANS_DATA_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "bot", "healthcheck", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def healthz():
    """A loopback server answering /healthz like bot/slack/http.py (200 "ok"); .status changes the answer."""
    state = SimpleNamespace(status=200)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            code = state.status if self.path == "/healthz" else 404
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.port = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


def test_heartbeat_is_written_only_while_connected(tmp_path):
    path = tmp_path / "hb"
    connected = [False]
    hb = Heartbeat(lambda: connected[0], path, interval=3600)
    assert hb.beat() is False and not path.exists()
    connected[0] = True
    assert hb.beat() is True and path.exists()
    assert check_heartbeat(path)[0] is True
    assert check_heartbeat(path, max_age=90, now=path.stat().st_mtime + 91)[0] is False
    hb.stop()
    assert not path.exists()


def test_a_failing_alive_probe_never_raises(tmp_path):
    def boom() -> bool:
        raise RuntimeError("socket closed")

    assert Heartbeat(boom, tmp_path / "hb").beat() is False


def test_healthcheck_command_socket_mode(tmp_path):
    path = tmp_path / "hb"
    missing = healthcheck(tmp_path, path, "--port", "9")  # nothing listens on port 9
    assert missing.returncode == 1 and "ingen heartbeat-fil" in missing.stdout

    Heartbeat(lambda: True, path).beat()
    fresh = healthcheck(tmp_path, path)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.startswith("frisk")

    old = time.time() - 600
    os.utime(path, (old, old))
    stale = healthcheck(tmp_path, path)
    assert stale.returncode == 1 and "gammal" in stale.stdout


def test_healthcheck_command_http_mode(tmp_path, healthz):
    path = tmp_path / "no-heartbeat"
    ok = healthcheck(tmp_path, path, "--port", str(healthz.port))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    healthz.status = 503
    assert check_http(healthz.port) == (False, f"http://127.0.0.1:{healthz.port}/healthz svarar 503")
    assert check(healthz.port, path)[0] is False


def test_serve_in_socket_mode_keeps_the_heartbeat(tmp_path, monkeypatch):
    import slack_bolt.adapter.socket_mode as socket_mode

    import bot.slack.app
    from bot.cli.commands import serve

    path = tmp_path / "hb"
    monkeypatch.setenv("STIMULANS_HEARTBEAT_FILE", str(path))
    seen = {}

    class FakeHandler:
        def __init__(self, app, token):
            self.connected = True
            self.client = SimpleNamespace(is_connected=lambda: self.connected)
            seen["token"] = token

        def start(self):  # connects and blocks in real life; here: look at the heartbeat, then "disconnect"
            seen["healthy"] = check_heartbeat(path)[0]
            self.connected = False

    monkeypatch.setattr(socket_mode, "SocketModeHandler", FakeHandler)
    monkeypatch.setattr(bot.slack.app, "create_app", lambda: object())
    assert serve._serve_socket_mode(SimpleNamespace(slack_app_token=Secret("xapp-1"))) == 0
    assert seen == {"token": "xapp-1", "healthy": True}


def test_heartbeat_follows_a_real_socket_mode_connection(tmp_path):
    """Bolt's own SocketModeHandler against the mock Web API and a loopback Socket Mode endpoint: the
    heartbeat `serve` uses is written while connected and not after the connection is closed."""
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk import WebClient

    from tests.slack_support import BOT_TOKEN, MockSlack
    from tests.socket_mode_support import SocketModeServer

    ws = SocketModeServer()
    mock = MockSlack()
    plain = mock._reply
    mock._reply = lambda call: ({"ok": True, "url": ws.url} if call.method == "apps.connections.open"
                                else plain(call))
    try:
        app = App(client=WebClient(token=BOT_TOKEN, base_url=mock.url), token_verification_enabled=False)
        handler = SocketModeHandler(app, "xapp-1-test")
        path = tmp_path / "hb"
        heartbeat = Heartbeat(handler.client.is_connected, path, interval=3600)
        assert heartbeat.beat() is False and not path.exists()  # not connected yet
        handler.connect()
        assert ws.connected.wait(10)
        assert heartbeat.beat() is True and check_heartbeat(path)[0] is True
        handler.close()
        path.unlink()
        assert heartbeat.beat() is False and not path.exists()  # disconnected: the file ages, never renewed
        assert mock.of("apps.connections.open")
    finally:
        ws.close()
        mock.close()
