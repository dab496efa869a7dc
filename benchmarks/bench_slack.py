"""Slack: HTTP ack latency of the Bolt endpoint over loopback (signed slash commands and events).

A real Bolt App (signature verification on) behind bot.http's WSGI app on 127.0.0.1, answering
through a local mock of Slack's Web API; the lazy answers run in the same process while we measure,
as in production. Bounded: a fixed number of requests, loopback only, stops by itself.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

COMMANDS = 1000
EVENTS = 200
GOAL_P99_MS = 50.0
QUESTIONS = ["Hur mycket får Falun 2020?", "status Falun", "hjälp", "Sista dag att fakturera Storsthlm?",
             "moms på fakturan?"]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run() -> list[str]:
    from bot.app import create_app
    from bot.http import create_wsgi_app
    from config.settings import Settings
    from tests import slack_support as s

    mock = s.MockSlack()
    with tempfile.TemporaryDirectory() as tmp:
        kb = s.slack_kb()
        store = s.open_workbook_store(Path(tmp) / "bench.xlsx", kb)
        engine = s.make_engine(kb, store)
        settings = Settings(SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
                            SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=Path(tmp) / "bench.xlsx")
        server = s.BotServer(create_wsgi_app(create_app(settings, engine=engine, store=store, kb=kb)))
        url = server.url + "/slack/events"
        try:
            cmd_ms, ev_ms, bad = [], [], 0
            for i in range(COMMANDS):
                body = s.command_body(QUESTIONS[i % len(QUESTIONS)], s.U_FALUN, mock.response_url(f"b{i}"))
                headers = s.sign(body)
                t0 = time.perf_counter()
                resp = s.post(url, body, "application/x-www-form-urlencoded", headers)
                cmd_ms.append((time.perf_counter() - t0) * 1000)
                bad += resp.status != 200
            for i in range(EVENTS):
                body = s.event_body(s.mention_event(QUESTIONS[i % len(QUESTIONS)], ts=f"1600000100.{i:06d}"))
                headers = s.sign(body)
                t0 = time.perf_counter()
                resp = s.post(url, body, "application/json", headers)
                ev_ms.append((time.perf_counter() - t0) * 1000)
                bad += resp.status != 200
            t0 = time.perf_counter()
            try:
                mock.wait_for(lambda calls: sum(c.method in ("response_url", "chat.postMessage") for c in calls)
                              >= COMMANDS + EVENTS, timeout=120)
                drained = f"all {COMMANDS + EVENTS} lazy answers delivered {time.perf_counter() - t0:.1f} s after the last ack"
            except AssertionError:
                done = sum(c.method in ("response_url", "chat.postMessage") for c in mock.calls)
                drained = f"only {done} of {COMMANDS + EVENTS} lazy answers delivered within 120 s"
        finally:
            server.close()
            mock.close()
    p99 = _percentile(cmd_ms, 99)
    verdict = "OK" if p99 < GOAL_P99_MS else "OVER GOAL"
    return [
        f"slash command ack over loopback: n={len(cmd_ms)} p50={statistics.median(cmd_ms):.2f} ms "
        f"p99={p99:.2f} ms max={max(cmd_ms):.2f} ms (goal p99 < {GOAL_P99_MS:.0f} ms: {verdict})",
        f"event (app_mention) ack over loopback: n={len(ev_ms)} p50={statistics.median(ev_ms):.2f} ms "
        f"p99={_percentile(ev_ms, 99):.2f} ms",
        f"non-200 responses: {bad}",
        drained,
    ]


if __name__ == "__main__":
    print("\n".join(run()))
