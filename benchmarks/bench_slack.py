"""Slack: ack latency of the production web process — gunicorn (`stimulans serve --http`) with N worker
processes, the real knowledge base and engine, the real workbook store, Redis for shared state when N > 1 —
under 1, 8 and 32 concurrent clients sending signed slash commands over loopback. The lazy answers run on
the workers' pools meanwhile and go to a local mock of Slack's Web API (response_url), as in production.

BENCH_SLACK_REQUESTS scales the request counts (default 1.0 = 10 000 requests on 4 workers)."""
from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.report import Row

SCALE = float(os.environ.get("BENCH_SLACK_REQUESTS", "1.0"))
LEVELS = [(1, 1000), (8, 3000), (32, 6000)]  # (concurrency, requests) on 4 workers: 10 000 in all
ONE_WORKER = (32, 1000)
QUESTIONS = ["Hur mycket får Falun 2020?", "status Falun", "hjälp", "Sista dag att fakturera Storsthlm?",
             "moms på fakturan?", "Hur mycket får Danderyd 2020?"]
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def _start(workers: int, env: dict[str, str], tmp: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--threads", "8"], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn with {workers} workers did not start") from None
            time.sleep(0.2)
    # warm every worker (knowledge base, engine, store load lazily on first use)
    return proc, base


def _load(base: str, mock, concurrency: int, total: int, tag: str) -> tuple[list[float], int]:
    from tests import slack_support as s

    port = int(base.rsplit(":", 1)[1])
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        for i in counter:
            body = s.command_body(QUESTIONS[i % len(QUESTIONS)], s.U_FALUN, mock.response_url(f"{tag}{i}"))
            headers = {**s.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - t0) * 1000)
            bad += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def _drain(mock, expected: int, timeout: float = 300) -> float:
    t0 = time.perf_counter()
    try:
        mock.wait_for(lambda calls: sum(c.method == "response_url" for c in calls) >= expected, timeout=timeout)
    except AssertionError:
        return float("nan")
    return time.perf_counter() - t0


def run() -> list:
    from config.settings import Settings
    from sheets.factory import open_store
    from tests import slack_support as s
    from tests.redis_support import RedisServer

    lines: list = []
    mock = s.MockSlack()
    redis = None
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
            delivered = 0
            four_errors = 0
            for workers, levels in configs:
                run_env = dict(env, **({"REDIS_URL": redis.url} if workers > 1 and redis else {}))
                proc, base = _start(workers, run_env, tmp)
                try:
                    warm, _ = _load(base, mock, workers * 2, workers * 20, f"w{workers}-warm-")
                    delivered += len(warm)
                    for concurrency, requests in levels:
                        n = max(concurrency, int(requests * SCALE))
                        t0 = time.perf_counter()
                        lat, errors = _load(base, mock, concurrency, n, f"w{workers}c{concurrency}-")
                        wall = time.perf_counter() - t0
                        delivered += n
                        four_errors += errors if workers == 4 else 0
                        drain = _drain(mock, delivered)
                        p50, p99 = statistics.median(lat), _pct(lat, 99)
                        lines.append(f"{workers} worker(s), concurrency {concurrency}: {n} signed commands in "
                                     f"{wall:.1f} s ({n / wall:.0f}/s), ack p50 {p50:.1f} ms p99 {p99:.1f} ms "
                                     f"max {max(lat):.0f} ms, {errors} errors; all answers delivered "
                                     f"{drain:.1f} s after the last ack")
                        target = workers == 4 and concurrency == 32
                        lines.append(Row(f"ack p99, {workers} worker(s), concurrency {concurrency}", p99, "ms", 3000,
                                         "Slack's 3 s", "< 100 ms" if target else "",
                                         (p99 < 100) if target else None, note=f"{errors} errors in {n}"))
                finally:
                    proc.terminate()
                    try:
                        proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            if redis is not None:
                total = sum(max(c, int(r * SCALE)) for c, r in LEVELS)
                lines.append(Row("errors in the 4-worker signed requests", four_errors, f"of {total}", None, "", "0",
                                 four_errors == 0))
        finally:
            if redis is not None:
                redis.close()
            mock.close()
    return lines
