"""Slack: ack latency of the production web process — gunicorn (`stimulans serve --http`) with N worker
processes, the real knowledge base and engine, the real workbook store, Redis for shared state when N > 1 —
under 1, 8 and 32 concurrent clients sending signed slash commands over loopback.

The answers really happen and are checked: with 4 workers (REDIS_URL) the workers queue them and the answer
process started by the gunicorn master (bot/slack/answer_queue.py, nice 10) answers them on the real engine
and posts them to a local mock of Slack's Web API (the command's response_url), as in production; with 1
worker (no Redis) the worker answers in its own threads. The bench waits until every answer has arrived,
checks that each request got exactly ONE reply and that it is an answer (not an error notice), and reports
how long after its ack each answer arrived (p50/p99) and how long the queue took to drain.

What runs on this machine besides the server, and how it is kept out of the measurement:
- the load generator is ONE thread driving `concurrency` keep-alive connections (a closed loop: each client
  sends its next request when its ack is complete); requests are signed just before each level starts (the
  signatures stay inside Slack's 5-minute window), so the clock starts at the first byte sent and the
  generator's own CPU (signing, 32 Python threads fighting over one GIL) does not delay the acks;
- the mock Slack Web API (in production Slack's servers, not our CPU) runs in its own process at nice 10,
  so receiving the answers does not share a GIL with the load generator's clock.
Both still use the same two cores as the server, so the figures are upper bounds.

BENCH_SLACK_REQUESTS scales the request counts (default 1.0 = 10 000 requests on 4 workers)."""
from __future__ import annotations

import math
import multiprocessing
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import Row

SCALE = float(os.environ.get("BENCH_SLACK_REQUESTS", "1.0"))
LEVELS = [(1, 1000), (8, 3000), (32, 6000)]  # (concurrency, requests) on 4 workers: 10 000 in all
ONE_WORKER = (32, 1000)
QUESTIONS = ["Hur mycket får Falun 2020?", "status Falun", "hjälp", "Sista dag att fakturera Storsthlm?",
             "moms på fakturan?", "Hur mycket får Danderyd 2020?"]
ROOT = Path(__file__).resolve().parents[1]
MOCK_NICE = 10
NOTICE_MARKERS = ("svarsprocessen", "för många frågor i kö", "Något gick fel")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# ------------------------------------------------------------------ the mock Slack Web API, in its own process

def _mock_main(conn: Any, nice: int) -> None:
    """Child process: tests.slack_support.MockSlack; answers the bench's questions over a pipe."""
    if nice:
        os.nice(nice)
    from tests import slack_support as s

    mock = s.MockSlack()
    class Recording(type(mock.calls)):  # stamp each answer's arrival as it is recorded
        def append(self, call: Any) -> None:
            super().append(call)
            if call.method == "response_url":
                call.data["_arrived"] = time.monotonic()

    mock.calls = Recording()
    conn.send(mock.url)
    while True:
        cmd = conn.recv()
        if cmd[0] == "wait":  # ("wait", expected answers, timeout) -> seconds waited (nan on timeout)
            t0, expected = time.monotonic(), cmd[1]
            try:
                mock.wait_for(lambda calls, n=expected: sum(c.method == "response_url" for c in calls) >= n,
                              timeout=cmd[2])
                conn.send(time.monotonic() - t0)
            except AssertionError:
                conn.send(float("nan"))
        elif cmd[0] == "arrivals":  # name -> [(arrival monotonic, text)]
            with mock._cond:
                calls = [c for c in mock.calls if c.method == "response_url"]
            out: dict[str, list[tuple[float, str]]] = {}
            for c in calls:
                out.setdefault(c.path.rsplit("/", 1)[-1], []).append((c.data["_arrived"], str(c.data.get("text", ""))))
            conn.send(out)
        else:
            mock.close()
            conn.send("closed")
            return


class MockProcess:
    def __init__(self, nice: int = MOCK_NICE):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_mock_main, args=(child, nice), daemon=True)
        self.proc.start()
        self.url = self.conn.recv()
        self.base = self.url.removesuffix("/api/")

    def response_url(self, name: str) -> str:
        return f"{self.base}/response/{name}"

    def wait(self, expected: int, timeout: float = 600) -> float:
        self.conn.send(("wait", expected, timeout))
        return self.conn.recv()

    def arrivals(self) -> dict[str, list[tuple[float, str]]]:
        self.conn.send(("arrivals",))
        return self.conn.recv()

    def close(self) -> None:
        try:
            self.conn.send(("close",))
            self.conn.recv()
        finally:
            self.proc.join(10)


# ------------------------------------------------------------------ a light closed-loop load generator

def signed_requests(mock: MockProcess, n: int, tag: str) -> tuple[list[str], list[bytes]]:
    """n signed slash commands (HTTP/1.1 keep-alive bytes) and their response_url names."""
    from tests import slack_support as s

    names, out = [], []
    for i in range(n):
        name = f"{tag}{i}"
        body = s.command_body(QUESTIONS[i % len(QUESTIONS)], s.U_FALUN, mock.response_url(name)).encode()
        sig = s.sign(body.decode())
        head = ("POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"X-Slack-Request-Timestamp: {sig['X-Slack-Request-Timestamp']}\r\n"
                f"X-Slack-Signature: {sig['X-Slack-Signature']}\r\nContent-Length: {len(body)}\r\n\r\n")
        names.append(name)
        out.append(head.encode() + body)
    return names, out


def closed_loop(port: int, requests: list[bytes], concurrency: int,
                timeout: float = 60.0) -> tuple[list[float], list[float], int]:
    """Drive `concurrency` keep-alive connections from one thread; each sends the next request as soon as the
    previous response is complete. (latency ms per request, ack time (monotonic) per request, errors)."""
    sel = selectors.DefaultSelector()
    n = len(requests)
    latency = [float("nan")] * n
    acked = [float("nan")] * n
    errors = 0
    nxt = 0
    state: dict[socket.socket, list[Any]] = {}  # sock -> [request index, started, buffer]

    def connect() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sel.register(sock, selectors.EVENT_READ)
        return sock

    def send_next(sock: socket.socket) -> None:
        nonlocal nxt
        if nxt >= n:
            sel.unregister(sock)
            sock.close()
            state.pop(sock, None)
            return
        i, nxt = nxt, nxt + 1
        state[sock] = [i, time.monotonic(), bytearray()]
        sock.sendall(requests[i])

    def finish(sock: socket.socket, ok: bool, reconnect: bool) -> None:
        nonlocal errors
        i, started, _ = state.pop(sock)
        now = time.monotonic()
        latency[i], acked[i] = (now - started) * 1000, now
        errors += not ok
        if reconnect:
            sel.unregister(sock)
            sock.close()
            sock = connect()
        send_next(sock)

    for _ in range(min(concurrency, n)):
        send_next(connect())
    while state:
        events = sel.select(timeout)
        if not events:
            raise RuntimeError(f"no ack within {timeout:g} s")
        for key, _ in events:
            sock = key.fileobj  # type: ignore[assignment]
            if sock not in state:
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                finish(sock, False, True)
                continue
            buf = state[sock][2]
            buf += data
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                continue
            head = bytes(buf[:end]).lower()
            lines = head.split(b"\r\n")
            length = next((int(x.split(b":", 1)[1]) for x in lines if x.startswith(b"content-length:")), 0)
            if b"transfer-encoding: chunked" in head:
                if not buf.endswith(b"0\r\n\r\n"):
                    continue
            elif len(buf) - end - 4 < length:
                continue
            finish(sock, lines[0][9:12] == b"200", b"connection: close" in head)
    return latency, acked, errors


def paced(port: int, requests: list[bytes], per_second: float) -> tuple[list[float], list[float], int]:
    """Normal use rather than a burst: one request every 1/per_second s on one connection (open loop)."""
    latency, acked, errors = [], [], 0
    start = time.monotonic()
    for i, req in enumerate(requests):
        time.sleep(max(0.0, start + i / per_second - time.monotonic()))  # pacing the load, not synchronising
        lat, ack, err = closed_loop(port, [req], 1)
        latency += lat
        acked += ack
        errors += err
    return latency, acked, errors


# ------------------------------------------------------------------ the run

def _start(workers: int, env: dict[str, str], tmp: str) -> tuple[subprocess.Popen, int]:
    from tests import slack_support as s

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--threads", "8"], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        s.wait_healthy(proc, f"http://127.0.0.1:{port}", timeout=120)
    except AssertionError:
        proc.kill()
        raise RuntimeError(f"gunicorn with {workers} workers did not start") from None
    return proc, port


def _normal_use(mock: MockProcess, env: dict[str, str], tmp: str, sent: dict[str, float]) -> Row:
    """Ack→answer latency at 5 questions a second on 4 workers: what an asker waits outside a burst."""
    from tests import slack_support as s

    proc, port = _start(4, env, tmp)
    try:
        names, reqs = signed_requests(mock, 40, "w4paced-warm-")  # the fresh answer process loads the engine
        _, acked, _ = closed_loop(port, reqs, 8)
        sent.update(zip(names, acked, strict=True))
        mock.wait(len(sent))
        names, reqs = signed_requests(mock, max(10, int(100 * SCALE)), "w4paced-")
        lat, acked, errors = paced(port, reqs, 5.0)
        sent.update(zip(names, acked, strict=True))
        mock.wait(len(sent))
        got = mock.arrivals()
        delivery = [(got[k][0][0] - sent[k]) * 1000 for k in names if k in got]
    finally:
        s.stop_served(proc, timeout=60)
    return Row("ack→answer p99 at 5 questions/s, 4 workers", _pct(delivery, 99), "ms", 3000, "Slack's 3 s",
               note=f"p50 {statistics.median(delivery or [0]):.0f} ms, ack p99 {_pct(lat, 99):.1f} ms, "
                    f"{len(delivery)} of {len(names)} answers, {errors} errors")


def run() -> list:
    from config.settings import Settings
    from sheets.factory import open_store
    from tests import slack_support as s
    from tests.redis_support import RedisServer

    lines: list = ["load generator: one thread, keep-alive connections, requests signed before each level; "
                   f"mock Slack API in its own process at nice {MOCK_NICE} (see benchmarks/bench_slack.py)"]
    mock = MockProcess()
    redis = None
    sent: dict[str, float] = {}  # response_url name -> ack time (monotonic)
    with tempfile.TemporaryDirectory() as tmp:
        workbook = Path(tmp) / "bench.xlsx"
        open_store(Settings(_env_file=None, STIMULANS_WORKBOOK=workbook)).init_schema()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_", "REDIS_"))}
        env.update(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
                   SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=str(workbook))
        try:
            try:
                redis = RedisServer()
            except BaseException as exc:  # noqa: BLE001 - pytest.skip when redis-server is missing
                lines.append(f"redis-server unavailable ({exc}); 4-worker runs skipped")
            configs = [(1, [ONE_WORKER])] + ([(4, LEVELS)] if redis is not None else [])
            four_errors = 0
            for workers, levels in configs:
                run_env = dict(env, **({"REDIS_URL": redis.url} if workers > 1 and redis else {}))
                proc, port = _start(workers, run_env, tmp)
                try:
                    names, reqs = signed_requests(mock, workers * 20, f"w{workers}-warm-")
                    _, acked, _ = closed_loop(port, reqs, workers * 2)
                    sent.update(zip(names, acked, strict=True))
                    if math.isnan(mock.wait(len(sent))):
                        raise RuntimeError("warm-up answers never arrived")
                    for concurrency, requests in levels:
                        n = max(concurrency, int(requests * SCALE))
                        names, reqs = signed_requests(mock, n, f"w{workers}c{concurrency}-")
                        t0 = time.monotonic()
                        lat, acked, errors = closed_loop(port, reqs, concurrency)
                        wall = time.monotonic() - t0
                        sent.update(zip(names, acked, strict=True))
                        four_errors += errors if workers == 4 else 0
                        drain = mock.wait(len(sent))
                        got = mock.arrivals()
                        delivery = [(got[k][0][0] - sent[k]) * 1000 for k in names if k in got]
                        missing = sum(k not in got for k in names)
                        p50, p99 = statistics.median(lat), _pct(lat, 99)
                        lines.append(
                            f"{workers} worker(s), concurrency {concurrency}: {n} signed commands in {wall:.1f} s "
                            f"({n / wall:.0f}/s), ack p50 {p50:.1f} ms p99 {p99:.1f} ms max {max(lat):.0f} ms, "
                            f"{errors} errors; answers: {n - missing} of {n} delivered, the last {drain:.1f} s "
                            f"after the last ack; ack→answer p50 {statistics.median(delivery or [0]):.0f} ms "
                            f"p99 {_pct(delivery, 99):.0f} ms; load {os.getloadavg()[0]:.1f}")
                        target = workers == 4 and concurrency == 32
                        lines.append(Row(f"ack p99, {workers} worker(s), concurrency {concurrency}", p99, "ms", 3000,
                                         "Slack's 3 s", "< 100 ms" if target else "",
                                         (p99 < 100) if target else None, note=f"{errors} errors in {n}"))
                finally:
                    s.stop_served(proc, timeout=60)
            got = mock.arrivals()
            if redis is not None:
                lines.append(_normal_use(mock, dict(env, REDIS_URL=redis.url), tmp, sent))
                got = mock.arrivals()
            twice = sum(len(got.get(k, [])) > 1 for k in sent)
            lost = sum(k not in got for k in sent)
            bad = [(k, text) for k in sent for _, text in got.get(k, []) if any(m in text for m in NOTICE_MARKERS)]
            notices = len(bad)
            if bad:
                lines.append(f"error notices, e.g. {bad[0][0]}: {bad[0][1][:120]!r}")
            lines.append(Row("answers delivered exactly once", len(sent) - twice - lost, f"of {len(sent)}", None, "",
                             "all", twice == lost == notices == 0,
                             note=f"{lost} missing, {twice} twice, {notices} error notices instead of answers"))
            if redis is not None:
                total = sum(max(c, int(r * SCALE)) for c, r in LEVELS)
                lines.append(Row("errors in the 4-worker signed requests", four_errors, f"of {total}", None, "", "0",
                                 four_errors == 0))
        finally:
            if redis is not None:
                redis.close()
            mock.close()
    return lines
