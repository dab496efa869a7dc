"""Shared state on a real redis-server (sheets/redis_state.py): event dedup, follow-up context and locks
shared by several processes; the in-process defaults when REDIS_URL is unset; Redis down never breaks
answering."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.conversation import InProcessContext
from sheets import redis_state
from sheets.redis_state import RedisState
from tests import slack_support as s
from tests.redis_support import RedisServer, _free_port, redis_server  # noqa: F401 - fixture
from tests.test_slack_serve import ROOT, _env


def test_dedup_context_and_locks_are_shared_between_clients(redis_server):  # noqa: F811
    a, b = RedisState(redis_server.url, prefix="t1:"), RedisState(redis_server.url, prefix="t1:")
    assert a.first_time("Ev1") is True
    assert b.first_time("Ev1") is False and a.first_time("Ev1") is False
    assert b.first_time("Ev2") is True and a.first_time(None) is True
    a.put("C1:1.0:U1", {"question": "Hur mycket får Falun 2020?", "intent": "amount"})
    assert b.get("C1:1.0:U1") == {"question": "Hur mycket får Falun 2020?", "intent": "amount"}
    assert b.get("nothing") is None
    with a.lock("remind", wait=1) as held:
        assert held is True
        with b.lock("remind", wait=0) as other:
            assert other is False  # another process holds it
    with b.lock("remind", wait=0) as again:
        assert again is True  # released


def test_redis_down_degrades_to_answering():
    state = RedisState(f"redis://127.0.0.1:{_free_port()}/0")
    assert state.first_time("Ev1") is True and state.first_time("Ev1") is True  # let through, never lost
    assert state.get("k") is None
    state.put("k", {"x": 1})  # no exception
    with state.lock("remind", wait=0) as held:
        assert held is False


def test_memory_context_store_is_the_default():
    from bot.slack.services import Services
    from config.settings import Settings

    svc = Services(Settings(_env_file=None))
    assert svc.shared is None and isinstance(svc.context, InProcessContext)
    svc.context.put("k", {"q": 1})
    assert svc.context.get("k") == {"q": 1}


def _start(port: int, env: dict[str, str], tmp_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1",
                             "--port", str(port), "--threads", "2"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_server_processes_deduplicate_a_retried_event_and_share_follow_up_context(tmp_path,
                                                                                      redis_server):  # noqa: F811
    """Two hosts behind one load balancer: Slack's retry of an event lands on the other process."""
    mock = s.MockSlack()
    env = _env(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
               SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=str(tmp_path / "x.xlsx"), REDIS_URL=redis_server.url)
    ports = [_free_port(), _free_port()]
    procs = [_start(p, env, tmp_path) for p in ports]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for proc, base in zip(procs, bases, strict=True):
            s.wait_healthy(proc, base)
        event = s.mention_event("Hur mycket får Falun 2020?", ts="1600000007.000700")
        body = s.event_body(event, event_id="EvRETRY1")
        first = s.post(bases[0] + "/slack/events", body, "application/json", s.sign(body))
        retry = s.post(bases[1] + "/slack/events", body, "application/json",
                       {**s.sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert first.status == retry.status == 200
        mock.wait_method("chat.postMessage", timeout=60)
        # a follow-up in the same thread, answered by the OTHER process
        follow = s.mention_event("och 2021?", ts="1600000009.000900", thread_ts="1600000007.000700")
        body2 = s.event_body(follow, event_id="EvFOLLOW")
        assert s.post(bases[1] + "/slack/events", body2, "application/json", s.sign(body2)).status == 200
        posts = mock.wait_method("chat.postMessage", count=2, timeout=60)
        assert [p.data["thread_ts"] for p in posts] == ["1600000007.000700"] * 2  # the retry got no reply
        # both processes wrote the thread's context to the same Redis: the second saw the first's
        state = RedisState(redis_server.url)
        ctx = state.get(f"slack:{event['channel']}:1600000007.000700")
        assert ctx is not None and ctx["raw"] == "och 2021?" and ctx["recipients"] == ["kommun-2080"]
        assert "Falu" in posts[1].data["text"]  # the other process answered the follow-up about Falun
    finally:
        for proc in procs:
            proc.terminate()  # both at once; stop_served then waits for each
        for proc in procs:
            s.stop_served(proc)
        mock.close()
    assert len(mock.of("chat.postMessage")) == 2


def test_gunicorn_workers_behind_one_port_answer_each_retried_event_once(tmp_path, redis_server):  # noqa: F811
    """`serve --http --workers 2` with REDIS_URL: retries hit whichever worker the kernel picks; one reply each."""
    import concurrent.futures

    mock = s.MockSlack()
    env = _env(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
               SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=str(tmp_path / "x.xlsx"), REDIS_URL=redis_server.url)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "2", "--threads", "2"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        s.wait_healthy(proc, base)
        bodies = [s.event_body(s.mention_event("hjälp", ts=f"1600000200.{i:06d}"), event_id=f"EvMANY{i}")
                  for i in range(6)]
        sends = [b for b in bodies for _ in range(3)]  # each event delivered three times (two retries)

        def send(body: str) -> int:
            headers = s.sign(body)
            return s.post(base + "/slack/events", body, "application/json", headers).status

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            assert set(pool.map(send, sends)) == {200}
        posts = mock.wait_method("chat.postMessage", count=6, timeout=60)
        # a further request proves the workers are idle, then no seventh reply may have appeared
        assert send(s.event_body(s.mention_event("hjälp", ts="1600000300.000001"), event_id="EvLAST")) == 200
        mock.wait_method("chat.postMessage", count=7, timeout=60)
        threads = sorted(c.data["thread_ts"] for c in mock.of("chat.postMessage"))
        assert threads == sorted([f"1600000200.{i:06d}" for i in range(6)] + ["1600000300.000001"]), posts
    finally:
        s.stop_served(proc)
        mock.close()


def test_a_follow_up_answered_by_another_worker_gets_the_first_questions_context(redis_server):  # noqa: F811
    """Two apps (two workers), each with its own Redis connection and the real engine: the second
    answers a follow-up in the same thread with what the first understood; another thread starts fresh."""
    from bot.slack.listeners.answers import produce
    from bot.slack.services import Services
    from config.settings import Settings
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    settings = Settings(_env_file=None, REDIS_URL=redis_server.url)
    kb = load_knowledge()
    workers = []
    for _ in range(2):
        redis_state._states.clear()  # a fresh connection, as in another process
        svc = Services(settings, kb=kb)
        svc._engine = Engine(kb, context=svc.context)
        workers.append(svc)
    assert workers[0].shared is not workers[1].shared
    first = produce(workers[0], "ask", "Hur mycket får Mora 2020?", "U1", conversation="slack:C1:1.0")
    assert "593 461" in first.text
    second = produce(workers[1], "ask", "och Rättvik?", "U2", conversation="slack:C1:1.0")
    assert "318 737" in second.text and "2020" in second.text  # year inherited across workers
    fresh = produce(workers[0], "ask", "och totalt?", "U1", conversation="slack:C2:2.0")
    assert "Rättvik" not in fresh.text and "318 737" not in fresh.text


def test_several_workers_without_redis_are_refused(tmp_path):
    env = _env(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
               SLACK_API_URL="http://127.0.0.1:9/", STIMULANS_WORKBOOK=str(tmp_path / "x.xlsx"))
    proc = subprocess.run([sys.executable, "-m", "bot", "serve", "--http", "--workers", "4"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "REDIS_URL" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(autouse=True)
def _fresh_states():
    yield
    redis_state._states.clear()


def test_json_context_round_trip_keeps_swedish_text(redis_server):  # noqa: F811
    state = RedisState(redis_server.url)
    state.put("k", {"q": "Hur mycket får Älvdalen?"})
    raw = state.client.get("stimulans:ctx:k")
    assert json.loads(raw) == {"q": "Hur mycket får Älvdalen?"} and "Älvdalen" in raw
