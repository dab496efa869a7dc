"""Test harness for the Slack bot: a mock Slack Web API over loopback, signed requests built like
Slack's, the bot's real WSGI app served over loopback, a small knowledge base and a real workbook store.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from engine.answer import Answer
from engine.knowledge import DATA_DIR, KnowledgeBase, generate_recipients
from engine.models import (
    Agreement,
    Allocation,
    Deadline,
    DeadlineKind,
    Level,
    Post,
    Recipient,
    RecipientKind,
    Source,
)

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
BOT_USER = "UBOT0001"
TEAM = "T0TEST"

SRC = Source(doc="002_74a662b3024a3357", section="Tabell kommuner")
SRC_STH = Source(doc="000_d71a0ad9cf9b4dba", section="Länsgemensamma medel")
AGREEMENT = "ok2020"
HANDLINGSPLANER = "ok2020-kommun-handlingsplaner"
KUNSKAPSBASERAD = "ok2020-kommun-kunskapsbaserad"
SAMMANHALLEN = "ok2020-lan-sammanhallen-vard"
FALUN = "kommun-2080"
RATTVIK = "kommun-2031"
DANDERYD = "kommun-0162"
FALUN_CEILING = Decimal(1_800_000)  # test data: Falun's published amount for KUNSKAPSBASERAD

# Slack users (ids and e-mails in the mock's users.info)
U_FALUN = "UFALUN01"  # kontakt for Falun, matched by Slack id
U_DANDERYD = "UDAND001"  # kontakt for Danderyd, matched by e-mail only
U_COORD = "UCOORD01"  # samordnare
U_STRANGER = "USTRANGE"  # not in Kontakter
EMAILS = {U_FALUN: "falun@example.se", U_DANDERYD: "danderyd@example.se", U_COORD: "samordnare@example.se",
          U_STRANGER: "someone@example.se"}


@lru_cache(maxsize=1)
def slack_kb() -> KnowledgeBase:
    recipients = generate_recipients(DATA_DIR)
    recipients["kommunerna-01"] = Recipient(id="kommunerna-01", kind=RecipientKind.grupp,
                                            name="Kommunerna i Stockholms län", short="Stockholms läns kommuner",
                                            county_code="01")
    kb = KnowledgeBase(recipients=recipients)
    kb.agreements[AGREEMENT] = Agreement(id=AGREEMENT, name="Psykisk hälsa 2020", short="ÖK psykisk hälsa 2020",
                                         years=[2020], parties=["Staten", "SKR"], source=SRC)
    for pid, short, level in [(HANDLINGSPLANER, "Handlingsplaner", Level.kommun),
                              (KUNSKAPSBASERAD, "Kunskapsbaserad psykiatri", Level.kommun),
                              (SAMMANHALLEN, "Sammanhållen vård", Level.lan)]:
        kb.posts[pid] = Post(id=pid, agreement=AGREEMENT, year=2020, name=short, short=short, level=level,
                             synonyms=[short.split()[0].lower()], source=SRC)
    dalarna = sorted((r for r in recipients.values() if r.kind == RecipientKind.kommun and r.county_code == "20"),
                     key=lambda r: r.code)
    for i, r in enumerate(dalarna):
        kb.allocations.append(Allocation(id=f"a-{r.code}-h", table="dalarna-2020-kommuner", agreement=AGREEMENT,
                                         year=2020, recipient=r.id, post=HANDLINGSPLANER,
                                         amount=Decimal("100000.50") + i, source=SRC))
        amount = FALUN_CEILING if r.id == FALUN else Decimal(1_000_000 + i)
        kb.allocations.append(Allocation(id=f"a-{r.code}-k", table="dalarna-2020-kommuner", agreement=AGREEMENT,
                                         year=2020, recipient=r.id, post=KUNSKAPSBASERAD, amount=amount, source=SRC))
    kb.allocations.append(Allocation(id="a-sthlm-pot", table="storsthlm", agreement=AGREEMENT, year=2020,
                                     recipient="kommunerna-01", post=SAMMANHALLEN, amount=Decimal(10570973),
                                     source=SRC_STH))
    kb.deadlines.append(Deadline(id="d-rekv-2020", agreement=AGREEMENT, kind=DeadlineKind.rekvisition,
                                 date=__import__("datetime").date(2099, 12, 1), who="kommunerna",
                                 action="rekvirera medlen", to="Kammarkollegiet",
                                 consequence="annars förfaller rätten till bidrag", source=SRC))
    return kb


# ------------------------------------------------------------------ engine spy

class SpyEngine:
    """Wraps an engine (the real engine.qa.Engine when importable), recording every call.
    A question starting with LÅNGT returns a very long answer (for the block-limit tests)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.calls: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    @property
    def kb(self) -> Any:
        return self.inner.kb

    def _record(self, kind: str, q: str | None) -> None:
        with self._lock:
            self.calls.append((kind, q))

    def ask(self, question: str, *, user_id: str | None = None, conversation: str | None = None) -> Answer:
        self._record("ask", question)
        if question.startswith("LÅNGT"):
            para = "Rad med ett *belopp* 1 726 309 kr och förklarande text som upprepas. " * 12
            text = "\n\n".join(f"{i}. {para}" for i in range(1, 260))
            return Answer(text=text, intent="amount", sources=[SRC])
        return self.inner.ask(question, user_id=user_id, conversation=conversation)

    def help(self) -> Answer:
        self._record("help", None)
        return self.inner.help()

    def status_answer(self, query: str | None = None) -> Answer:
        self._record("status", query)
        return self.inner.status_answer(query)


class MiniEngine:
    """Fallback when engine.qa is not importable: same three methods, fixed Swedish answers."""

    def __init__(self, kb: Any, store: Any = None):
        self.kb = kb
        self.store = store

    def ask(self, question: str, *, user_id: str | None = None, conversation: str | None = None) -> Answer:
        return Answer(text=f"*1 800 000 kr* (svar på: {question})", intent="amount", sources=[SRC])

    def help(self) -> Answer:
        return Answer(text="Fråga t.ex. *Hur mycket får Falun 2020?*", intent="help")

    def status_answer(self, query: str | None = None) -> Answer:
        return Answer(text=f"Status för {query or 'alla'}", intent="status")


def make_engine(kb: Any, store: Any) -> SpyEngine:
    try:
        from engine.qa import Engine
    except ImportError:  # pragma: no cover - while the engine is being written
        return SpyEngine(MiniEngine(kb, store))
    return SpyEngine(Engine(kb, store=store))


# ------------------------------------------------------------------ mock Slack Web API

@dataclass
class Call:
    method: str  # "chat.postMessage", ..., or "response_url"
    data: dict[str, Any]
    path: str = ""


@dataclass
class MockSlack:
    """Threaded HTTP server on 127.0.0.1 answering like Slack's Web API and recording every call."""

    users: dict[str, str] = field(default_factory=lambda: dict(EMAILS))
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._ts = 1000
        self._files = 0
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _read(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                ctype = self.headers.get("Content-Type", "")
                data: dict[str, Any] = {}
                query = urllib.parse.urlsplit(self.path).query
                data.update({k: v[0] for k, v in urllib.parse.parse_qs(query).items()})
                if raw:
                    if "json" in ctype:
                        data.update(json.loads(raw))
                    else:
                        data.update({k: v[0] for k, v in urllib.parse.parse_qs(raw).items()})
                for key in ("blocks", "view"):
                    if isinstance(data.get(key), str):
                        data[key] = json.loads(data[key])
                return data

            def _handle(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if path.startswith("/upload/"):  # step 2 of files_upload_v2: the raw file bytes
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    mock._record(Call("file_upload", {"file_id": path.rsplit("/", 1)[-1], "bytes": raw}, path))
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                data = self._read()
                if path.startswith("/response/"):
                    body = mock._record(Call("response_url", data, path))
                    payload = b"ok"
                    ctype = "text/plain"
                else:
                    method = path.removeprefix("/api/").strip("/")
                    body = mock._record(Call(method, data, path))
                    payload = json.dumps(body).encode()
                    ctype = "application/json"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = _handle
            do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/{name}"

    def _reply(self, call: Call) -> dict[str, Any]:
        m, d = call.method, call.data
        if m == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT0001", "team_id": TEAM, "user": "stimulans"}
        if m in ("chat.postMessage", "chat.postEphemeral"):
            if str(d.get("channel", "")).startswith("CPRIV"):  # a private channel the bot is not in
                return {"ok": False, "error": "not_in_channel"}
            self._ts += 1
            return {"ok": True, "channel": d.get("channel"), "ts": f"1600000000.{self._ts:06d}",
                    "message_ts": f"1600000000.{self._ts:06d}"}
        if m == "users.info":
            uid = d.get("user", "")
            if uid not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": uid, "profile": {"email": self.users[uid]}}}
        if m == "files.getUploadURLExternal":
            self._files += 1
            fid = f"F{self._files:08d}"
            base = self.url.removesuffix("/api/")
            return {"ok": True, "file_id": fid, "upload_url": f"{base}/upload/{fid}"}
        if m == "files.completeUploadExternal":
            files = d.get("files")
            files = json.loads(files) if isinstance(files, str) else (files or [])
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if m == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(d.get("users", "")).split(",")[0]}}
        if m in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V0TEST", **(d.get("view") or {})}}
        return {"ok": True}

    def _record(self, call: Call) -> dict[str, Any]:
        body = self._reply(call)
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
        return body

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 10.0) -> Any:
        """Block until predicate(calls) is truthy (condition wait, bounded); returns its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(list(self.calls))
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting; calls so far: {names}")
                self._cond.wait(left)

    def wait_method(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        return self.wait_for(lambda calls: (found := [c for c in calls if c.method == method])
                             and len(found) >= count and found, timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ the bot over loopback HTTP

class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class BotServer:
    def __init__(self, wsgi_app: Any):
        self.server = make_server("127.0.0.1", 0, wsgi_app, server_class=_ThreadingWSGIServer,
                                  handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ signed requests like Slack's

def wait_healthy(proc: Any, base: str, timeout: float = 60.0, attempt_timeout: float = 2.0) -> None:
    """Bounded wait until a server process started by a test answers GET /healthz with "ok"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=attempt_timeout) as r:
                assert r.read() == b"ok"
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
                raise AssertionError(f"server did not start: {out}") from None
            time.sleep(0.1)


def stop_served(proc: Any, timeout: float = 20.0) -> str:
    """SIGTERM a server process started by a test or the bench (gunicorn drains), wait up to `timeout` s, then
    SIGKILL; its output ("" when it was not captured)."""
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def post(url: str, body: str, content_type: str, headers: dict[str, str]) -> Response:
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST",
                                 headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return Response(resp.status, resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read().decode("utf-8"))


_counter = iter(range(1, 10**9))


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps({
        "token": "legacy", "team_id": TEAM, "api_app_id": "A0TEST", "type": "event_callback",
        "event": event, "event_id": event_id or f"Ev{next(_counter):08d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    })


def mention_event(text: str, user: str = U_COORD, channel: str = "C0CHAN01", ts: str = "1600000001.000100",
                  thread_ts: str | None = None) -> dict[str, Any]:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
          "event_ts": ts}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def dm_event(text: str, user: str = U_COORD, ts: str = "1600000002.000200") -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": "D0DM0001",
            "event_ts": ts}


def command_body(text: str, user: str, response_url: str, trigger_id: str = "trig-1",
                 channel: str = "C0CHAN01") -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": TEAM, "team_domain": "test", "channel_id": channel, "channel_name": "general",
        "user_id": user, "user_name": user.lower(), "command": "/stimulans", "text": text, "api_app_id": "A0TEST",
        "response_url": response_url, "trigger_id": trigger_id,
    })


def interactive_body(payload: dict[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def block_action(action_id: str, value: str, user: str, response_url: str | None, *,
                 channel: str | None = "C0CHAN01", container: dict[str, Any] | None = None,
                 trigger_id: str = "trig-2") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0TEST",
        "token": "legacy", "trigger_id": trigger_id,
        "container": container or {"type": "message", "channel_id": channel, "is_ephemeral": True},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                     "action_ts": "1600000003.000300"}],
    }
    if channel:
        payload["channel"] = {"id": channel, "name": "general"}
    if response_url:
        payload["response_url"] = response_url
    return payload


def view_submission(view: dict[str, Any], user: str, values: dict[str, Any]) -> dict[str, Any]:
    """Payload of a submitted modal; `values` maps block id -> typed text or selected option value."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        bid = block.get("block_id")
        if block.get("type") != "input" or bid is None:
            continue
        el = block["element"]
        if bid in values:
            v = values[bid]
        elif "initial_option" in el:
            v = el["initial_option"]["value"]
        else:
            v = el.get("initial_value")
        if el["type"] == "static_select":
            state[bid] = {"value": {"type": "static_select",
                                    "selected_option": {"value": v, "text": {"type": "plain_text", "text": "x"}}
                                    if v is not None else None}}
        else:
            state[bid] = {"value": {"type": "plain_text_input", "value": v}}
    return {
        "type": "view_submission", "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0TEST",
        "token": "legacy", "trigger_id": "trig-3",
        "view": {**view, "id": "V0TEST", "state": {"values": state}},
    }


# ------------------------------------------------------------------ store

def contact_rows() -> list[list[str]]:
    # Namn, E-post, Slack-id, Mottagare, Kod, Roll
    return [
        ["Fia Falun", EMAILS[U_FALUN], U_FALUN, "Faluns kommun", "2080", "kontakt"],
        ["Dan Danderyd", EMAILS[U_DANDERYD], "", "Danderyds kommun", "0162", "kontakt"],
        ["Sara Samordnare", EMAILS[U_COORD], U_COORD, "", "", "samordnare"],
    ]


def open_workbook_store(path: Path, kb: Any) -> Any:
    """The real local workbook store (sheets/), seeded from the test knowledge base, with contacts."""
    from config.settings import Settings
    from sheets.factory import open_store

    store = open_store(Settings(STIMULANS_WORKBOOK=path), kb=kb)
    store.init_schema()
    store.backend.append_rows("Kontakter", contact_rows())
    store.invalidate()
    return store


@contextmanager
def running_bot(tmp_path: Path):
    """A real Bolt app (request verification on) served over loopback HTTP, talking to a local mock
    Slack Web API, on the real workbook store: yields (mock, server, engine, store, app)."""
    from bot.slack.app import create_app
    from bot.slack.http import create_wsgi_app
    from config.settings import Settings

    mock = MockSlack()
    kb = slack_kb()
    store = open_workbook_store(tmp_path / "stimulans.xlsx", kb)
    engine = make_engine(kb, store)
    settings = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                        SLACK_API_URL=mock.url, STIMULANS_WORKBOOK=tmp_path / "stimulans.xlsx")
    app = create_app(settings, engine=engine, store=store, kb=kb)
    server = BotServer(create_wsgi_app(app))
    try:
        yield mock, server, engine, store, app
    finally:
        server.close()
        mock.close()
