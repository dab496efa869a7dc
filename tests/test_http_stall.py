"""Stalled clients cannot starve the endpoint: the production web process (gunicorn with
bot/slack/gunicorn_conf.py, as in the Procfile) with 64 sockets that announce a body and stall, or stop in
the middle of their headers, still answers /healthz and a signed request at once; the stalled body
readers are cut off with 408 after BODY_DEADLINE. The sockets are held open while the fast answers are
asserted, then closed (no idle waiting)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.slack.http import BODY_DEADLINE
from tests import slack_support as s

ROOT = Path(__file__).resolve().parents[1]
STALLED = 64
#: the acceptance bound for an answer while the stalled sockets are held
FAST = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stall(port: int, n: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if n % 8 == 7:  # stop in the middle of the headers
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
    else:  # announce 1 000 bytes, send 10
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"type\":\"u")
    return sock


def _timed(fn) -> tuple[float, object]:
    t0 = time.monotonic()
    result = fn()
    return time.monotonic() - t0, result


def test_stalled_clients_do_not_starve_healthz_or_signed_requests(tmp_path):
    mock = s.MockSlack()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_"))}
    env.update(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
               SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=str(tmp_path / "x.xlsx"), PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:bot.slack.gunicorn_conf",
                             "--bind", f"127.0.0.1:{port}", "bot.slack.http:create_wsgi_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stalled: list[socket.socket] = []
    base = f"http://127.0.0.1:{port}"
    try:
        s.wait_healthy(proc, base, attempt_timeout=5)

        def healthz() -> bytes:
            with urllib.request.urlopen(base + "/healthz", timeout=FAST * 5) as r:
                return r.read()

        def signed() -> s.Response:
            body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
            return s.post(base + "/slack/events", body, "application/json", s.sign(body))

        stalled = [_stall(port, n) for n in range(STALLED)]
        # every stalled socket is connected and has sent its bytes; now the server must still answer at once
        for _ in range(3):
            took, body = _timed(healthz)
            assert body == b"ok" and took < FAST, f"/healthz took {took:.2f} s with {STALLED} stalled clients"
            took, resp = _timed(signed)
            assert resp.status == 200 and resp.json() == {"challenge": "c-123"}
            assert took < FAST, f"a signed request took {took:.2f} s with {STALLED} stalled clients"
        # the stalled body readers are answered 408 within the body deadline (threads freed), not held
        body_stallers = [sock for n, sock in enumerate(stalled) if n % 8 != 7]
        t0 = time.monotonic()
        for sock in body_stallers[:8]:
            sock.settimeout(BODY_DEADLINE + 10)
            assert sock.recv(64).startswith(b"HTTP/1.1 408"), "a stalled body was not cut off"
        assert time.monotonic() - t0 < BODY_DEADLINE + 10
        took, body = _timed(healthz)  # still answering while the header stallers hold their sockets
        assert body == b"ok" and took < FAST
    finally:
        for sock in stalled:
            sock.close()
        out = s.stop_served(proc)
        mock.close()
    assert "Traceback" not in out, out[-2000:]
