"""Answers off the web workers (bot/slack/answer_queue.py), on a real redis-server: the web app only acks and
queues; the answer worker delivers each answer exactly once; no answer process, a full queue or an answer
process that died mid-job each give the asker a clear message instead of silence; stopping drains the queue;
Redis down when queueing degrades to answering in the web process."""
from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import redis

from bot.slack import answer_queue as aq
from sheets import redis_state
from tests import slack_support as s
from tests.redis_support import _free_port, redis_server  # noqa: F401 - fixture
from tests.test_slack_serve import ROOT, _env


@contextmanager
def queued_bot(tmp_path, url: str):
    """The web app (answer_queue) served over loopback and the answer worker's app, both real Bolt apps on
    the same engine/store, sharing the real Redis at `url` (emptied first)."""
    from bot.slack.app import create_app
    from bot.slack.http import create_wsgi_app
    from config.settings import Settings

    redis.Redis.from_url(url).flushdb()
    redis_state._states.clear()
    mock = s.MockSlack()
    kb = s.slack_kb()
    store = s.open_workbook_store(tmp_path / "stimulans.xlsx", kb)
    engine = s.make_engine(kb, store)
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
                        SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=tmp_path / "stimulans.xlsx", REDIS_URL=url)
    web = create_app(settings, engine=engine, store=store, kb=kb, answer_queue=True)
    answers = create_app(settings, engine=engine, store=store, kb=kb, answer_worker=True)
    server = s.BotServer(create_wsgi_app(web))
    worker = aq.AnswerWorker(answers, aq.redis_client(url), s.SIGNING_SECRET, drain_seconds=60, threads=2)
    try:
        yield mock, server, worker, web, engine
    finally:
        server.close()
        mock.close()


def _command(server, mock, text: str, name: str) -> int:
    body = s.command_body(text, s.U_FALUN, mock.response_url(name))
    return s.post(server.url + "/slack/events", body, "application/x-www-form-urlencoded", s.sign(body)).status


def _event(server, event: dict, event_id: str) -> int:
    body = s.event_body(event, event_id=event_id)
    return s.post(server.url + "/slack/events", body, "application/json", s.sign(body)).status


def _job(mock, name: str, text: str = "Hur mycket får Falun 2020?") -> dict:
    job = {"id": name, "fn": "run_command", "ct": "application/x-www-form-urlencoded", "at": time.time(),
           "body": s.command_body(text, s.U_FALUN, mock.response_url(name))}
    return {**job, "mac": aq._mac(job, s.SIGNING_SECRET)}


def _replies(mock) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in mock.of("response_url"):
        out.setdefault(c.path.rsplit("/", 1)[-1], []).append(c.data.get("text", ""))
    return out


def test_the_web_app_only_queues_and_the_answer_worker_delivers_each_answer_once_then_drains(tmp_path,
                                                                                             redis_server):  # noqa: F811
    with queued_bot(tmp_path, redis_server.url) as (mock, server, worker, web, engine):
        worker.heartbeat()  # an answer process is alive, but not taking jobs yet
        names = [f"q{i}" for i in range(5)]
        assert [_command(server, mock, "Hur mycket får Falun 2020?", n) for n in names] == [200] * 5
        mention = s.mention_event("hjälp", ts="1600000500.000001")
        assert _event(server, mention, "EvQ1") == 200
        assert _event(server, mention, "EvQ1") == 200  # Slack's retry: dropped by the web worker's dedup
        assert _event(server, s.dm_event("moms på fakturan?", ts="1600000500.000002"), "EvQ2") == 200
        # every request was acked, and nothing was answered in the web process: it is all queued
        assert engine.calls == [] and mock.of("response_url") == [] and mock.of("chat.postMessage") == []
        client = redis.Redis.from_url(redis_server.url, decode_responses=True)
        assert client.llen(aq.Keys().queue) == 7

        worker.stop()  # a SIGTERM before it took anything: it must still answer everything queued
        worker.run()

        replies = _replies(mock)
        assert sorted(replies) == names and all(len(v) == 1 for v in replies.values()), replies
        assert all("1 800 000 kr" in v[0] for v in replies.values()), replies  # the real answer, not a notice
        threads = sorted(c.data["thread_ts"] for c in mock.of("chat.postMessage"))
        assert threads == ["1600000500.000001", "1600000500.000002"]  # one reply per event, in its thread
        assert client.llen(aq.Keys().queue) == 0 and client.llen(aq.Keys().working(worker.id)) == 0
        assert not client.sismember(aq.Keys().workers, worker.id)  # unregistered on exit


def test_without_an_answer_process_the_asker_is_told_so(tmp_path, redis_server):  # noqa: F811
    with queued_bot(tmp_path, redis_server.url) as (mock, server, worker, web, engine):
        assert _command(server, mock, "Hur mycket får Falun 2020?", "down") == 200
        notice = mock.wait_method("response_url", timeout=30)[0]
        assert "svarsprocessen körs inte" in notice.data["text"]
        assert _event(server, s.mention_event("hjälp", ts="1600000600.000001"), "EvDOWN") == 200
        post = mock.wait_method("chat.postMessage", timeout=30)[0]
        assert post.data["thread_ts"] == "1600000600.000001" and "svarsprocessen körs inte" in post.data["text"]
        assert redis.Redis.from_url(redis_server.url).llen(aq.Keys().queue) == 0  # nothing left to answer late


def test_a_full_queue_tells_the_asker_and_the_queued_ones_are_still_answered(tmp_path, redis_server):  # noqa: F811
    with queued_bot(tmp_path, redis_server.url) as (mock, server, worker, web, engine):
        web._listener_runner.lazy_listener_runner.max_waiting = 2
        worker.heartbeat()
        assert [_command(server, mock, "Hur mycket får Falun 2020?", f"full{i}") for i in range(3)] == [200] * 3
        notice = mock.wait_method("response_url", timeout=30)
        assert [c.path.rsplit("/", 1)[-1] for c in notice] == ["full2"]
        assert "för många frågor i kö" in notice[0].data["text"]
        worker.stop()
        worker.run()
        replies = _replies(mock)
        assert sorted(replies) == ["full0", "full1", "full2"] and all(len(v) == 1 for v in replies.values())
        assert "1 800 000 kr" in replies["full0"][0] and "1 800 000 kr" in replies["full1"][0]


def test_a_job_left_by_a_dead_answer_process_gets_one_clear_message(tmp_path, redis_server):  # noqa: F811
    with queued_bot(tmp_path, redis_server.url) as (mock, server, worker, web, engine):
        client = redis.Redis.from_url(redis_server.url, decode_responses=True)
        keys = aq.Keys()
        job = _job(mock, "crashed")
        forged = {**_job(mock, "forged"), "mac": "0" * 64}
        # a process that registered, took the job into its working list and died (its heartbeat expired)
        client.sadd(keys.workers, "deadhost:1:abc")
        client.lpush(keys.working("deadhost:1:abc"), json.dumps(job), json.dumps(forged))
        client.set(keys.alive_of("alivehost:2:def"), "1")  # a live one is never robbed
        client.sadd(keys.workers, "alivehost:2:def")
        client.lpush(keys.working("alivehost:2:def"), json.dumps({**job, "id": "j2"}))

        assert worker.recover_orphans() == 2  # the genuine job and the forged one
        assert worker.recover_orphans() == 0  # told once, not again
        replies = _replies(mock)
        assert list(replies) == ["crashed"] and len(replies["crashed"]) == 1
        assert "svarsprocessen avbröts" in replies["crashed"][0]
        assert not client.sismember(keys.workers, "deadhost:1:abc")
        assert client.llen(keys.working("alivehost:2:def")) == 1
        assert engine.calls == []  # the interrupted question is not silently re-answered


def test_a_job_written_into_redis_by_someone_else_is_refused(tmp_path, redis_server):  # noqa: F811
    """The answer process does not verify Slack's signature again; its jobs carry their own, so write access
    to Redis alone cannot make the bot act for anyone."""
    with queued_bot(tmp_path, redis_server.url) as (mock, server, worker, web, engine):
        client = redis.Redis.from_url(redis_server.url, decode_responses=True)
        genuine = _job(mock, "genuine")
        forged = {**_job(mock, "forged"), "mac": "0" * 64}
        altered = {**_job(mock, "altered"), "body": _job(mock, "altered", "status Falun")["body"]}
        unsigned = {k: v for k, v in _job(mock, "unsigned").items() if k != "mac"}
        client.lpush(aq.Keys().queue, *(json.dumps(j) for j in (forged, altered, unsigned, genuine)))
        worker.stop()
        worker.run()
        assert list(_replies(mock)) == ["genuine"] and [q for _, q in engine.calls] == ["Hur mycket får Falun 2020?"]
        assert client.llen(aq.Keys().queue) == 0 and client.llen(aq.Keys().working(worker.id)) == 0


def test_redis_down_when_queueing_answers_in_the_web_process(tmp_path, redis_server):  # noqa: F811
    with queued_bot(tmp_path, redis_server.url) as (mock, server, worker, web, engine):
        runner = web._listener_runner.lazy_listener_runner
        runner.client = redis.Redis.from_url(f"redis://127.0.0.1:{_free_port()}/0", socket_connect_timeout=1)
        runner._push = runner.client.register_script(aq._PUSH)
        assert _command(server, mock, "Hur mycket får Falun 2020?", "noredis") == 200
        reply = mock.wait_method("response_url", timeout=30)[0]
        assert "1 800 000 kr" in reply.data["text"]


def _serve(tmp_path, port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", "2", "--threads", "2"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_gunicorn_with_workers_and_its_answer_process_answers_all_then_drains_on_exit(tmp_path,
                                                                                      redis_server):  # noqa: F811
    """The production path: `serve --http --workers 2` starts the answer process; stopping the server right
    after the acks still delivers every answer, once."""
    redis.Redis.from_url(redis_server.url).flushdb()
    mock = s.MockSlack()
    env = _env(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
               SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=str(tmp_path / "x.xlsx"), REDIS_URL=redis_server.url)
    port = _free_port()
    proc = _serve(tmp_path, port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        s.wait_healthy(proc, base)
        names = [f"g{i}" for i in range(12)]

        def send(name: str) -> int:
            body = s.command_body("Hur mycket får Falun 2020?", s.U_FALUN, mock.response_url(name))
            return s.post(base + "/slack/events", body, "application/x-www-form-urlencoded", s.sign(body)).status

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            assert set(pool.map(send, names)) == {200}
    finally:
        # at once: whatever is still queued must be answered before the server exits
        out = s.stop_served(proc, timeout=90)
        mock.close()
    replies = _replies(mock)
    assert sorted(replies) == sorted(names) and all(len(v) == 1 for v in replies.values()), (replies, out[-2000:])
    assert all("Falu" in v[0] for v in replies.values()), replies
    assert "Traceback" not in out


def test_the_supervisor_restarts_an_answer_process_that_dies(tmp_path, redis_server, monkeypatch):  # noqa: F811
    redis.Redis.from_url(redis_server.url).flushdb()
    mock = s.MockSlack()
    for key, value in _env(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
                           SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=str(tmp_path / "x.xlsx"),
                           REDIS_URL=redis_server.url).items():
        monkeypatch.setenv(key, value)
    procs = aq.AnswerProcesses(1)
    try:
        assert procs.start(redis_server.url, ready_timeout=60)
        first = procs.procs[0]
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # bounded: the supervisor checks once a second
            with procs._lock:
                alive = [p for p in procs.procs if p is not first and p.poll() is None]
            if alive:
                break
            time.sleep(0.1)
        assert alive, "the answer process was not restarted"
    finally:
        procs.stop(timeout=30)
        mock.close()
    assert all(p.poll() is not None for p in procs.procs)


def test_a_modal_whose_trigger_expired_in_the_queue_is_explained(tmp_path):
    """A queued `/stimulans uppdatera` that reaches views.open after Slack's 3-second trigger window gets a
    clear line instead of silence."""
    with s.running_bot(tmp_path) as (mock, server, engine, store, app):
        reply = mock._reply

        def expired(call):
            if call.method == "views.open":
                return {"ok": False, "error": "expired_trigger_id"}
            return reply(call)

        mock._reply = expired
        body = s.command_body("uppdatera", s.U_FALUN, mock.response_url("late"))
        assert s.post(server.url + "/slack/events", body, "application/x-www-form-urlencoded",
                      s.sign(body)).status == 200
        answer = mock.wait_method("response_url", timeout=30)[0].data
        assert answer["response_type"] == "ephemeral" and "Formuläret kunde inte öppnas" in answer["text"]
