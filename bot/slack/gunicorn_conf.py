"""gunicorn settings for the Slack HTTP endpoint (Procfile `web:` and `stimulans serve --http`).

`gunicorn -c python:bot.slack.gunicorn_conf 'bot.slack.http:create_wsgi_app()'`

Stalled clients (docs/security.md "Långsamma klienter"): gthread accepts connections in its main
loop and hands one to a thread only when bytes arrive; a thread then reads the request. The body is
read by bot/slack/http.py within BODY_DEADLINE seconds (the socket gets a timeout of the time left), so a
client that announces 1 000 bytes and sends 10 holds a thread for at most 5 s and is answered 408.
With THREADS threads, fewer than THREADS stalled clients at a time cannot delay /healthz or a signed
request at all; more can delay them for at most BODY_DEADLINE seconds per wave.

Workers: WEB_CONCURRENCY (default 1). Without REDIS_URL keep ONE: the event-id and replay caches
(bot/slack/dedup.py) then live in the process; with REDIS_URL several workers share them (docs/scale.md).

Answers: with REDIS_URL the workers only ack and queue; the master starts STIMULANS_ANSWER_PROCESSES
(default 1; 0 when `stimulans answers` runs elsewhere) answer processes at a lower CPU priority when it is
ready, restarts one that dies, and lets them drain the queue when it exits (bot/slack/answer_queue.py).
"""
from __future__ import annotations

import os

#: threads of the one worker: more than the stalled sockets an attacker has to spend to delay anyone
THREADS = int(os.environ.get("STIMULANS_HTTP_THREADS", "128"))

bind = f"0.0.0.0:{os.environ.get('PORT', '3000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1") or 1)
if workers > 1 and not os.environ.get("REDIS_URL"):
    raise SystemExit(f"WEB_CONCURRENCY={workers} arbetsprocesser kräver REDIS_URL (delad dubblettkontroll och "
                     "trådkontext); sätt REDIS_URL eller WEB_CONCURRENCY=1")
worker_class = "gthread"
threads = THREADS
#: connections the worker keeps open at once (stalled ones included) before it stops accepting
worker_connections = 1000
#: the worker is restarted if its main loop is stuck this long
timeout = 60
graceful_timeout = 20
#: idle keep-alive connections are closed after this many seconds
keepalive = 5
#: request line and headers are bounded (Slack's are small)
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
accesslog = "-"

ANSWER_PROCESSES = int(os.environ.get("STIMULANS_ANSWER_PROCESSES", "1") or 0)
_answers = None


def when_ready(server) -> None:
    """Start the answer processes (REDIS_URL only: without it the one worker answers in its threads)."""
    global _answers
    if os.environ.get("REDIS_URL") and ANSWER_PROCESSES > 0:
        from bot.slack.answer_queue import AnswerProcesses

        _answers = AnswerProcesses(ANSWER_PROCESSES)
        _answers.start(os.environ["REDIS_URL"])  # the workers start after the first answer process is up


def on_exit(server) -> None:
    """After the workers have stopped (nothing more is queued): the answer processes drain and stop."""
    if _answers is not None:
        _answers.stop()


OPTIONS = {"when_ready": when_ready, "on_exit": on_exit,"workers": workers, "worker_class": worker_class, "threads": threads,
           "worker_connections": worker_connections, "timeout": timeout, "graceful_timeout": graceful_timeout,
           "keepalive": keepalive, "limit_request_line": limit_request_line,
           "limit_request_fields": limit_request_fields, "limit_request_field_size": limit_request_field_size,
           "accesslog": accesslog}
