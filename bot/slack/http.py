"""WSGI entry point for gunicorn: `gunicorn 'bot.slack.http:create_wsgi_app()'`.

POST /slack/events  Bolt's endpoint for events, slash commands and interactivity (signed requests)
GET  /healthz       liveness probe: 200 "ok" (touches neither Slack nor the sheet)

Before Bolt sees a request, `request_problem` rejects what Bolt would crash on (a 500 with a
traceback in the log): a missing/invalid Content-Length (411/400), a body larger than MAX_BODY
(413, not read), a Content-Type other than JSON or a form (415), a body not received within
BODY_DEADLINE seconds (408: a stalled client cannot hold a thread), a body that is not UTF-8, JSON that is not an object, an interactive payload that
is not a JSON object or lacks the fields every Slack payload of its type has, and a non-numeric
timestamp header (400). Signatures and the 5-minute window are then verified by Bolt (401). Any
500 Bolt still returns (a listener failing on an unexpected payload) becomes a 400 without details.
"""
from __future__ import annotations

import io
import json
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: Slack's largest payloads (a modal submission with every field full) are well under this.
MAX_BODY = 1024 * 1024
#: the whole body must arrive within this many seconds (Slack sends it at once, from its servers)
BODY_DEADLINE = 5.0

HTTP_ENV_HELP = (
    "HTTP-läget kräver SLACK_BOT_TOKEN och SLACK_SIGNING_SECRET (Basic Information → Signing Secret). "
    "Se docs/slack.md."
)


class BadRequest(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise BadRequest("400 Bad Request", f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("400 Bad Request", f"{what} is not a JSON object")
    return value


def _has(obj: Any, key: str, kind: type) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get(key), kind)


def _check_payload(payload: dict[str, Any]) -> None:
    """The fields Bolt and our listeners rely on for each interactive payload type."""
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise BadRequest("400 Bad Request", "payload has no type")
    if kind in ("block_actions", "view_submission", "view_closed", "shortcut", "message_action"):
        if not (_has(payload, "user", dict) and isinstance(payload["user"].get("id"), str)):
            raise BadRequest("400 Bad Request", f"{kind} payload has no user.id")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
            raise BadRequest("400 Bad Request", "block_actions payload has no actions")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not (isinstance(view, dict) and isinstance(view.get("type"), str)):
            raise BadRequest("400 Bad Request", f"{kind} payload has no view")
        state = view.get("state", {})
        values = state.get("values", {}) if isinstance(state, dict) else None
        if not isinstance(values, dict) or not all(
                isinstance(b, dict) and all(isinstance(a, dict) for a in b.values()) for b in values.values()):
            raise BadRequest("400 Bad Request", f"{kind} payload has a malformed view.state")


def read_body(environ: dict[str, Any], length: int, deadline: float | None = None) -> bytes:
    """Exactly `length` bytes of the body, within `deadline` seconds in total (408 otherwise).

    Under gunicorn the client socket (environ["gunicorn.socket"]) gets a timeout of the time left
    before every read, so a client that announces 1 000 bytes and sends 10 holds a thread for at
    most BODY_DEADLINE seconds, never indefinitely. A body shorter than Content-Length is a 400.
    """
    stream = environ.get("wsgi.input")
    if stream is None or not length:
        return b""
    sock = environ.get("gunicorn.socket")
    end = time.monotonic() + (BODY_DEADLINE if deadline is None else deadline)
    chunks: list[bytes] = []
    got = 0
    complete = False
    try:
        while got < length:
            left = end - time.monotonic()
            if left <= 0:
                raise BadRequest("408 Request Timeout", f"body not received within {BODY_DEADLINE:g} s")
            if sock is not None:
                sock.settimeout(left)
            try:
                chunk = stream.read(min(65536, length - got))
            except OSError:  # socket.timeout is an OSError; a reset connection too
                raise BadRequest("408 Request Timeout", f"body not received within {BODY_DEADLINE:g} s") from None
            if not chunk:
                raise BadRequest("400 Bad Request", "body shorter than Content-Length")
            chunks.append(chunk)
            got += len(chunk)
        complete = True
    finally:
        if sock is not None:
            try:
                sock.settimeout(None)
                if not complete:  # the rest may never come: stop reading, so the server closes after the answer
                    sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass
    return b"".join(chunks)


def request_problem(environ: dict[str, Any]) -> tuple[bytes, BadRequest | None]:
    """(body, None) when Bolt can safely handle the request, else (b"", the reason)."""
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    if not raw_length:
        return b"", BadRequest("411 Length Required", "Content-Length is required")
    try:
        length = int(raw_length)
    except ValueError:
        return b"", BadRequest("400 Bad Request", "Content-Length is not a number")
    if length < 0:
        return b"", BadRequest("400 Bad Request", "Content-Length is negative")
    if length > MAX_BODY:
        return b"", BadRequest("413 Payload Too Large", f"body larger than {MAX_BODY} bytes")
    ts = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    if ts is not None and not (ts.strip().isascii() and ts.strip().isdigit()):
        return b"", BadRequest("400 Bad Request", "X-Slack-Request-Timestamp is not a number")
    ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if ctype not in ("application/json", "application/x-www-form-urlencoded"):
        return b"", BadRequest("415 Unsupported Media Type",
                               "Content-Type must be application/json or application/x-www-form-urlencoded")
    try:
        body = read_body(environ, length)
    except BadRequest as e:
        return b"", e
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return b"", BadRequest("400 Bad Request", "body is not UTF-8")
    try:
        if ctype == "application/json":
            data = _object(text, "body")
            if data.get("type") == "event_callback" and not _has(data, "event", dict):
                raise BadRequest("400 Bad Request", "event_callback without an event object")
        elif ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(text, keep_blank_values=True)
            if "payload" in form:
                _check_payload(_object(form["payload"][0], "payload"))
    except BadRequest as e:
        return b"", e
    return body, None


def _reply(start_response: Any, status: str, message: str) -> list[bytes]:
    payload = json.dumps({"error": message}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def create_wsgi_app(app: App | None = None) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    if app is None:
        from bot.slack.app import SlackConfigError, create_app
        from config.settings import get_settings

        settings = get_settings()
        if not settings.slack_signing_secret or not settings.slack_bot_token:
            raise SlackConfigError(HTTP_ENV_HELP)
        # with REDIS_URL (several workers) the answers go to the answer process (bot/slack/answer_queue.py)
        app = create_app(answer_queue=settings.redis_url is not None)
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "2")])
            return [b"ok"]
        if path == EVENTS_PATH and method == "POST":
            body, problem = request_problem(environ)
            if problem is not None:
                return _reply(start_response, problem.status, str(problem))
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = list(handler(environ, capture))
        if str(captured.get("status", "")).startswith("500"):
            # Bolt answers 500 when a listener or its own middleware fails on a payload it did not expect
            # (the traceback is in the log); for Slack that is a request we cannot process: 400, no details.
            return _reply(start_response, "400 Bad Request", "request could not be processed")
        start_response(captured["status"], captured["headers"])
        return chunks

    return wsgi
