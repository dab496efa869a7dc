"""Answers off the web workers: a Redis list of lazy-listener jobs and the answer process that runs them.

With `REDIS_URL` set, the web process (gunicorn, N workers) no longer answers in its own threads. Every
listener still acks first (bot/slack/app.py); Bolt then hands each lazy listener (the answer, the sheet
write, the App Home) to `QueueLazyRunner.start`, which pushes ONE job — the verified request's raw body,
its content type and the lazy function's name — onto `stimulans:answers` and returns. The ack path is
verify, dedup, enqueue (one Redis round trip), 200.

`stimulans answers` (started by the web process's gunicorn master at a lower CPU priority, or run as its
own process/host) takes jobs on STIMULANS_ANSWER_THREADS threads (answers mostly wait on Slack's Web API)
with `BLMOVE` into its own working list, rebuilds the request and runs the named lazy function through
Bolt's own lazy-only dispatch (the mechanism Bolt uses on AWS Lambda), posting to Slack exactly as before;
then removes the job from its working list.

Never silence:
- no answer process alive (no heartbeat) or more than STIMULANS_ANSWER_QUEUE_MAX jobs waiting: the job is
  not queued; the web worker posts a clear notice instead (ephemeral via response_url, in the thread, or on
  App Home);
- an answer process that dies mid-job leaves the job in its working list; the next answer process to look
  (every few seconds, and at start) posts the "avbröts" notice for it, once (LPOP is atomic);
- Redis unreachable when enqueueing: the answer runs in the web worker's own thread pool (as without
  Redis): a slower ack beats a lost answer.
Shutdown drains: on SIGTERM the answer process stops waiting, answers every job still queued (within
STIMULANS_ANSWER_DRAIN seconds), then exits; jobs left after that stay queued for the next process.

Without `REDIS_URL` (one web worker, the embedded default) lazy listeners keep running in the worker's
thread pool. docs/scale.md.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener.internals import build_runnable_function
from slack_bolt.lazy_listener.runner import LazyListenerRunner

log = logging.getLogger(__name__)

PREFIX = "stimulans:"
#: jobs waiting beyond this are refused with a notice (an answer would come too late to help)
QUEUE_MAX = int(os.environ.get("STIMULANS_ANSWER_QUEUE_MAX", "20000") or 20000)
#: seconds an answer process keeps answering queued jobs after SIGTERM
DRAIN_SECONDS = float(os.environ.get("STIMULANS_ANSWER_DRAIN", "20") or 20)
#: the answer process's niceness: the web workers' acks win the CPU over answering
NICE = int(os.environ.get("STIMULANS_ANSWER_NICE", "10") or 0)
#: jobs one answer process runs at once (answers wait on Slack's Web API, ~0.1 s a call, most of the time)
THREADS = int(os.environ.get("STIMULANS_ANSWER_THREADS", "8") or 8)
HEARTBEAT_SECONDS = 2.0
ALIVE_TTL_SECONDS = 10
RECOVER_EVERY_SECONDS = 5.0

DOWN = ("Jag kan inte svara just nu: svarsprocessen körs inte. Försök igen om en stund, eller säg till den "
        "som driver boten.")
OVERLOADED = ("Jag har för många frågor i kö just nu och hinner inte svara på den här. Försök igen om en "
              "stund.")
CRASHED = ("Svaret kunde inte tas fram: svarsprocessen avbröts innan den var klar. Ställ frågan igen "
           "(eller gör om det du gjorde).")

# KEYS: queue, alive; ARGV: job, max waiting. 1 queued, -1 no answer process alive, -2 queue full.
_PUSH = """
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return -2 end
redis.call('LPUSH', KEYS[1], ARGV[1])
return 1
"""


class Keys:
    def __init__(self, prefix: str = PREFIX):
        self.queue = f"{prefix}answers"
        self.alive = f"{prefix}answers:alive"  # any answer process (TTL refreshed by its heartbeat)
        self.workers = f"{prefix}answers:workers"  # ids of answer processes that registered

    def alive_of(self, worker: str) -> str:
        return f"{self.alive}:{worker}"

    def working(self, worker: str) -> str:
        return f"{self.queue}:working:{worker}"


def _mac(job: dict[str, Any], secret: str) -> str:
    text = "\n".join(str(job.get(k, "")) for k in ("id", "fn", "ct", "at", "body"))
    return hmac.new(f"stimulans-answer-job:{secret}".encode(), text.encode(), hashlib.sha256).hexdigest()


def make_job(function_name: str, request: Any, secret: str) -> str:
    """The job for a verified request, signed with the Slack signing secret: the answer process runs jobs
    without checking Slack's signature again, so one written into Redis by anyone else is refused."""
    ctype = request.headers.get("content-type", ["application/json"])[0]
    job = {"id": uuid.uuid4().hex, "fn": function_name, "body": request.raw_body, "ct": ctype, "at": time.time()}
    job["mac"] = _mac(job, secret)
    return json.dumps(job, ensure_ascii=False)


def genuine(job: Any, secret: str) -> bool:
    return isinstance(job, dict) and isinstance(job.get("mac"), str) and isinstance(job.get("body"), str) \
        and hmac.compare_digest(job["mac"], _mac(job, secret))


def job_request(job: dict[str, Any], *, lazy: bool = True) -> BoltRequest:
    headers: dict[str, str] = {"content-type": job["ct"]}
    if lazy:
        headers.update({"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": job["fn"]})
    return BoltRequest(body=job["body"], headers=headers)


def notice_function(text: str) -> Callable[..., None]:
    """A lazy-listener-shaped function that tells the asker `text` where the answer would have gone."""
    def stimulans_notice(body: dict[str, Any], context: Any, client: Any) -> None:
        from bot.slack.blocks import notice_message

        if context.get("response_url"):
            context.respond(response_type="ephemeral", replace_original=False, **notice_message(text))
            return
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        if event is not None and event.get("type") == "app_home_opened":
            from bot.slack import home

            client.views_publish(user_id=event.get("user"), view=home.error_home(text))
        elif event is not None and event.get("channel") and (event.get("thread_ts") or event.get("ts")):
            client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
                                    **notice_message(text))
        elif context.get("user_id"):  # a modal submission: tell the person in a DM
            client.chat_postMessage(channel=context["user_id"], **notice_message(text))
        else:
            log.warning("ett meddelande om att svaret uteblev kunde inte levereras (ingen mottagare)")
    return stimulans_notice


class _Pending:
    """What the queue needs of a lazy request — its raw body, headers and function name — without Bolt's deep
    copy of the whole request context (a quarter of the ack path's CPU); the full copy is made only when the
    job has to run in this process after all (a notice, Redis down)."""

    def __init__(self, request: BoltRequest, name: str, copy: Callable[[BoltRequest, str], BoltRequest]):
        self.raw_body, self.headers, self.lazy_function_name = request.raw_body, request.headers, name
        self._request, self._copy = request, copy

    def full(self) -> BoltRequest:
        return self._copy(self._request, self.lazy_function_name)


def install(app: App, client: Any, secret: str) -> QueueLazyRunner:
    """Make the web app's lazy listeners go to the queue (bot/slack/app.py, with REDIS_URL)."""
    runner = app._listener_runner  # Bolt has no public hook for the lazy runner or its request copy
    copy = runner._build_lazy_request
    runner._build_lazy_request = lambda request, name: _Pending(request, name, copy)
    queued = QueueLazyRunner(client, runner.lazy_listener_runner, secret)
    runner.lazy_listener_runner = queued
    return queued


class QueueLazyRunner(LazyListenerRunner):
    """Bolt's lazy-listener runner for the web workers: enqueue, never run (see the module docstring)."""

    def __init__(self, client: Any, fallback: LazyListenerRunner, secret: str, *, prefix: str = PREFIX,
                 max_waiting: int | None = None):
        self.client = client
        self.secret = secret
        self.fallback = fallback
        self.logger = fallback.logger
        self.keys = Keys(prefix)
        self.max_waiting = QUEUE_MAX if max_waiting is None else max_waiting
        self._push = client.register_script(_PUSH)
        self._warned = 0.0

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        import redis

        name = request.lazy_function_name or getattr(function, "__name__", "")
        if isinstance(request, _Pending):
            pending, request = request, None  # type: ignore[assignment]
        else:
            pending = None

        def full() -> BoltRequest:
            return pending.full() if pending is not None else request

        try:
            result = int(self._push(keys=[self.keys.queue, self.keys.alive],
                                    args=[make_job(name, pending or request, self.secret), self.max_waiting]))
        except redis.RedisError as exc:
            now = time.monotonic()
            if now - self._warned > 60:
                self._warned = now
                log.warning("Redis svarar inte (svarskö): %s; svarar i webbprocessen", type(exc).__name__)
            self.fallback.start(function, full())
            return
        if result == -1:
            log.error("ingen svarsprocess lever (stimulans answers); frågan besvaras med ett felmeddelande")
            self.fallback.start(notice_function(DOWN), full())
        elif result == -2:
            log.error("svarskön är full (%d jobb); frågan besvaras med ett felmeddelande", self.max_waiting)
            self.fallback.start(notice_function(OVERLOADED), full())


class AnswerWorker:
    """One answer process: take jobs, run them through the Bolt app, post the results (module docstring)."""

    def __init__(self, app: App | None, client: Any, secret: str, *, prefix: str = PREFIX,
                 drain_seconds: float | None = None, worker_id: str | None = None, threads: int | None = None):
        self.app = app
        self.client = client
        self.secret = secret
        self.keys = Keys(prefix)
        self.drain_seconds = DRAIN_SECONDS if drain_seconds is None else drain_seconds
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.working = self.keys.working(self.id)
        self.threads = max(1, THREADS if threads is None else threads)
        self._stop = threading.Event()
        self.handled = 0
        self.notices = 0
        self._count_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop taking new work after the queue is drained (SIGTERM)."""
        self._stop.set()

    def heartbeat(self) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.sadd(self.keys.workers, self.id)
        pipe.set(self.keys.alive_of(self.id), "1", ex=ALIVE_TTL_SECONDS)
        pipe.set(self.keys.alive, "1", ex=ALIVE_TTL_SECONDS)
        pipe.execute()

    def _beat(self, done: threading.Event) -> None:
        import redis

        while not done.wait(HEARTBEAT_SECONDS):
            try:
                self.heartbeat()
            except redis.RedisError as exc:
                log.warning("svarsprocessens hjärtslag nådde inte Redis: %s", type(exc).__name__)

    def run(self) -> None:
        """Answer on `threads` threads until stop(); then drain the queue (bounded) and unregister."""
        import redis

        self.heartbeat()
        done = threading.Event()
        beat = threading.Thread(target=self._beat, args=(done,), name="answers-heartbeat", daemon=True)
        beat.start()
        deadline: list[float] = []  # set once, when the first thread starts draining
        lock = threading.Lock()

        def loop(first: bool) -> None:
            last_recover = 0.0
            while not self._stop.is_set():
                try:
                    if first and time.monotonic() - last_recover > RECOVER_EVERY_SECONDS:
                        last_recover = time.monotonic()
                        self.recover_orphans()
                    raw = self.client.blmove(self.keys.queue, self.working, 1, "RIGHT", "LEFT")
                except redis.RedisError as exc:
                    log.warning("svarskön kunde inte läsas: %s", type(exc).__name__)
                    self._stop.wait(1.0)
                    continue
                if raw is not None:
                    self._handle(raw)
            with lock:
                if not deadline:
                    deadline.append(time.monotonic() + self.drain_seconds)
            self._drain_until(deadline[0])

        workers = [threading.Thread(target=loop, args=(i == 0,), name=f"answers-{i}") for i in range(self.threads)]
        try:
            for t in workers:
                t.start()
            for t in workers:
                t.join()
            left = self.client.llen(self.keys.queue)
            if left:
                log.warning("svarsprocessen avslutas med %d jobb kvar i kön (nästa svarsprocess tar dem)", left)
        finally:
            done.set()
            try:
                pipe = self.client.pipeline(transaction=False)
                pipe.delete(self.keys.alive_of(self.id))
                pipe.srem(self.keys.workers, self.id)
                pipe.execute()
            except redis.RedisError:
                pass

    def drain(self) -> int:
        """Answer the jobs still queued (this thread), until the queue is empty or drain_seconds have passed."""
        return self._drain_until(time.monotonic() + self.drain_seconds)

    def _drain_until(self, deadline: float) -> int:
        import redis

        count = 0
        while time.monotonic() < deadline:
            try:
                raw = self.client.lmove(self.keys.queue, self.working, "RIGHT", "LEFT")
            except redis.RedisError as exc:
                log.warning("svarskön kunde inte tömmas: %s", type(exc).__name__)
                break
            if raw is None:
                break
            self._handle(raw)
            count += 1
        return count

    # -- work ------------------------------------------------------------------------------------------------
    def _handle(self, raw: str) -> None:
        try:
            job = json.loads(raw)
            if not genuine(job, self.secret):
                log.error("ett svarsjobb utan giltig signatur avvisades (skrivet i Redis av någon annan?)")
                return
            response = self.app.dispatch(job_request(job))
            if response.status != 200:
                log.error("svarsjobbet %s (%s) gav status %s", job.get("id"), job.get("fn"), response.status)
                self.notify(job, CRASHED)
            with self._count_lock:
                self.handled += 1
        except Exception:  # noqa: BLE001 - one bad job must not stop the process
            log.exception("svarsjobbet kunde inte köras")
        finally:
            self.client.lrem(self.working, 1, raw)

    def notify(self, job: dict[str, Any], text: str) -> None:
        """Post `text` where the job's answer would have gone."""
        request = job_request(job, lazy=False)
        request.context["client"] = self.app.client
        request.context["token"] = self.app.client.token
        build_runnable_function(notice_function(text), log, request)()
        with self._count_lock:
            self.notices += 1

    def recover_orphans(self) -> int:
        """Jobs in the working list of an answer process that is gone (no heartbeat): tell the asker."""
        found = 0
        for worker in self.client.smembers(self.keys.workers):
            if worker == self.id or self.client.exists(self.keys.alive_of(worker)):
                continue
            working = self.keys.working(worker)
            while (raw := self.client.rpop(working)) is not None:
                found += 1
                try:
                    job = json.loads(raw)
                    if not genuine(job, self.secret):
                        log.error("ett avbrutet svarsjobb utan giltig signatur avvisades")
                        continue
                    log.error("svarsprocessen %s avbröts under jobbet %s (%s)", worker, job.get("id"), job.get("fn"))
                    self.notify(job, CRASHED)
                except Exception:  # noqa: BLE001
                    log.exception("meddelandet om ett avbrutet svar kunde inte skickas")
            self.client.srem(self.keys.workers, worker)
        return found


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0, health_check_interval=30,
                                decode_responses=True)


def main(nice: int | None = None) -> int:
    """`stimulans answers`: one answer process (needs REDIS_URL and the Slack settings)."""
    from bot.slack.app import create_app
    from config.settings import get_settings

    settings = get_settings()
    if settings.redis_url is None:
        print("stimulans answers kräver REDIS_URL (svarskön delas med webbprocessen); se docs/scale.md",
              file=sys.stderr)
        return 2
    level = NICE if nice is None else nice
    if level and hasattr(os, "nice"):
        os.nice(level)
    if settings.slack_signing_secret is None:
        print("stimulans answers kräver SLACK_SIGNING_SECRET (jobben är signerade med den)", file=sys.stderr)
        return 2
    worker = AnswerWorker(None, redis_client(settings.redis_url.get_secret_value()),
                          settings.slack_signing_secret.get_secret_value())
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.heartbeat()  # alive before the app is built: jobs queued meanwhile wait for it, none is refused
    worker.app = create_app(answer_worker=True)
    log.info("svarsprocessen %s startad", worker.id)
    worker.run()
    log.info("svarsprocessen %s avslutad (%d jobb)", worker.id, worker.handled)
    return 0


class AnswerProcesses:
    """The gunicorn master's answer processes (bot/slack/gunicorn_conf.py): started when the server is
    ready, restarted when one dies, asked to drain and stop when the server exits."""

    def __init__(self, count: int, argv: list[str] | None = None):
        self.count = count
        self.argv = argv or [sys.executable, "-m", "bot", "answers"]
        self.procs: list[subprocess.Popen] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def start(self, redis_url: str | None = None, ready_timeout: float = 60.0) -> bool:
        """Start the processes; with `redis_url`, wait (bounded) until one has announced itself, so the web
        workers started after this never find the queue without an answer process. False on timeout."""
        for _ in range(self.count):
            self._spawn()
        threading.Thread(target=self._watch, name="answers-supervisor", daemon=True).start()
        if redis_url is None:
            return True
        import redis

        client = redis_client(redis_url)
        deadline = time.monotonic() + ready_timeout
        try:
            while time.monotonic() < deadline:
                try:
                    if client.exists(Keys().alive):
                        return True
                except redis.RedisError:
                    pass
                time.sleep(0.1)
        finally:
            client.close()
        log.error("ingen svarsprocess anmälde sig inom %.0f s; frågor får ett felmeddelande tills den gör det",
                  ready_timeout)
        return False

    def _spawn(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                self.procs.append(subprocess.Popen(self.argv))

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            with self._lock:
                dead = [p for p in self.procs if p.poll() is not None]
                self.procs = [p for p in self.procs if p.poll() is None]
            for p in dead:
                log.error("svarsprocessen %d avslutades (kod %s); startar en ny", p.pid, p.returncode)
                self._spawn()

    def stop(self, timeout: float = DRAIN_SECONDS + 10) -> None:
        self._stopping.set()
        with self._lock:
            procs = list(self.procs)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
