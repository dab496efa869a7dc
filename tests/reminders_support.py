"""Test helpers for reminders: a synthetic knowledge base, an in-memory Store, a mock Slack Web API."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from engine.knowledge import KnowledgeBase
from engine.models import Agreement, Deadline, DeadlineKind, Fact, Recipient, RecipientKind, Source
from engine.status import Status
from engine.store import (
    Contact,
    ReminderRecord,
    Role,
    RowKey,
    Snapshot,
    StatusRow,
    StatusUpdate,
    Store,
    UpdateResult,
)

SRC = Source(doc="000_d71a0ad9cf9b4dba", section="Skicka faktura till Storsthlm")

#: a few municipalities of Stockholm county (01) and one elsewhere
MUNICIPALITIES = {
    "kommun-0127": "Botkyrka kommun",
    "kommun-0162": "Danderyds kommun",
    "kommun-0180": "Stockholms stad",
    "kommun-0184": "Solna stad",
}


def storsthlm_deadline(date: dt.date = dt.date(2020, 12, 1), *, id: str = "ok2020-faktura-storsthlm",
                       applies_to: list[str] | None = None) -> Deadline:
    return Deadline(
        id=id, agreement="ok2020", kind=DeadlineKind.faktura, date=date,
        who="kommunerna i Stockholms län", action="skicka faktura", to="Storsthlm",
        consequence="Storsthlm betalar ut medlen när fakturan har kommit in.",
        applies_to=["lan:01:kommun"] if applies_to is None else applies_to, source=SRC,
    )


def invoice_facts() -> list[Fact]:
    def fact(topic: str, text: str, **kw) -> Fact:
        return Fact(id=f"t-{topic}", topic=topic, agreement="ok2020", title=topic, text=text, source=SRC, **kw)

    return [
        fact("faktura_moms", "Ingen moms: statligt bidrag, fakturera bara den tilldelade summan."),
        fact("faktura_epost", "E-faktura till faktura@storsthlm.se.", value="faktura@storsthlm.se"),
        fact("faktura_adress", "Fakturaadress: Storsthlm, Box 38145, 100 64 STOCKHOLM."),
        fact("faktura_referens", "Märk fakturan med referens 717/771.", value="717/771"),
        fact("faktura_dnr", "Ange dnr S/20/0002.", value="S/20/0002"),
        fact("faktura_innehall", "Fakturan ska ange:", items=["referens 717/771", "belopp"]),
        fact("annat_amne", "Ska inte synas i påminnelsen."),
    ]


def make_kb(deadlines: list[Deadline] | None = None) -> KnowledgeBase:
    recipients = {
        rid: Recipient(id=rid, kind=RecipientKind.kommun, name=name, short=name.split()[0],
                       code=rid[-4:], county_code="01")
        for rid, name in MUNICIPALITIES.items()
    }
    recipients["kommun-2080"] = Recipient(id="kommun-2080", kind=RecipientKind.kommun, name="Falu kommun",
                                          short="Falun", code="2080", county_code="20")
    recipients["lan-01"] = Recipient(id="lan-01", kind=RecipientKind.lan, name="Stockholms län", short="Stockholm",
                                     code="01", county_code="01")
    agreement = Agreement(id="ok2020", name="Psykisk hälsa 2020", short="ÖK psykisk hälsa 2020", years=[2020],
                          parties=["staten", "SKR"], source=SRC)
    return KnowledgeBase(agreements={"ok2020": agreement}, deadlines=deadlines or [storsthlm_deadline()],
                         facts=invoice_facts(), recipients=recipients)


def status_row(rid: str, status: Status = Status.ej_rekvirerad, *, agreement: str = "ok2020", post: str = "",
               n: int = 2) -> StatusRow:
    return StatusRow(row=n, key=RowKey(recipient_id=rid, agreement=agreement, post=post),
                     recipient_name=MUNICIPALITIES.get(rid, rid), status=status)


def default_rows() -> list[StatusRow]:
    """Botkyrka and Danderyd open, Stockholm invoiced, Solna without a row, Falun (other county) open."""
    return [
        status_row("kommun-0127", Status.ej_rekvirerad, n=2),
        status_row("kommun-0162", Status.ej_rekvirerad, n=3),
        status_row("kommun-0180", Status.fakturerad, n=4),
        status_row("kommun-2080", Status.ej_rekvirerad, n=5),
    ]


def default_contacts() -> list[Contact]:
    return [
        Contact(row=2, name="Anna Botkyrka", slack_id="UBOTK", recipient_id="kommun-0127"),
        Contact(row=3, name="Dan Danderyd", email="dan@example.se", recipient_id="kommun-0162"),
        Contact(row=4, name="Sara Stockholm", slack_id="USTHLM", recipient_id="kommun-0180"),
        Contact(row=5, name="Kim Samordnare", slack_id="UCOORD", role=Role.samordnare),
    ]


class MemoryStore(Store):
    """A thread-safe in-memory Store with the claim semantics of the real stores."""

    name = "minne"

    def __init__(self, statuses: list[StatusRow] | None = None, contacts: list[Contact] | None = None):
        self._lock = threading.Lock()
        self.statuses = list(default_rows() if statuses is None else statuses)
        self.contacts = list(default_contacts() if contacts is None else contacts)
        self.reminders: list[ReminderRecord] = []
        self.claims = 0
        self.completions = 0

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(statuses=list(self.statuses), contacts=list(self.contacts),
                            reminders=list(self.reminders), fetched_at=dt.datetime.now(dt.UTC))

    def refresh(self) -> Snapshot:
        return self.snapshot()

    def set_status(self, rid: str, status: Status) -> None:
        with self._lock:
            self.statuses = [replace(s, status=status) if s.key.recipient_id == rid else s
                             for s in self.statuses]

    def update_status(self, update: StatusUpdate) -> UpdateResult:  # pragma: no cover - not used here
        raise NotImplementedError

    def append_feedback(self, feedback) -> None:  # pragma: no cover
        raise NotImplementedError

    def claim_reminder(self, record: ReminderRecord) -> bool:
        with self._lock:
            self.claims += 1
            if any(r.reminder_id == record.reminder_id for r in self.reminders):
                return False
            claimed_at = record.claimed_at or dt.datetime.now(dt.UTC).isoformat()
            self.reminders.append(replace(record, status="anspråk", claimed_at=claimed_at))
            return True

    def complete_reminder(self, reminder_id: str, slack_ts: str) -> None:
        with self._lock:
            self.completions += 1
            for i, r in enumerate(self.reminders):
                if r.reminder_id == reminder_id:
                    self.reminders[i] = replace(r, status="skickad", slack_ts=slack_ts)
                    return
            self.reminders.append(ReminderRecord(reminder_id=reminder_id, deadline_id="", offset_days=0,
                                                 channel="", status="skickad", slack_ts=slack_ts))

    def write_allocations(self, rows, actor: str) -> int:  # pragma: no cover
        raise NotImplementedError

    def init_schema(self) -> list[str]:  # pragma: no cover
        return []


class CrashAfterPost(Exception):
    """Injected: the process dies after Slack accepted the post, before the ts is recorded."""


class CrashingStore:
    """Wraps a store; complete_reminder raises (a crash between post and record)."""

    def __init__(self, inner: Store):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def complete_reminder(self, reminder_id: str, slack_ts: str) -> None:
        raise CrashAfterPost(reminder_id)

    def complete_reminders(self, done) -> None:
        raise CrashAfterPost(done[0][0])


class MockSlack:
    """A local Slack Web API on 127.0.0.1: chat.postMessage, conversations.history/open, auth.test."""

    def __init__(self, *, history_error: str | None = None, post_error: str | None = None):
        self.post_error = post_error
        self.lock = threading.Lock()
        self.posts: list[dict] = []
        self.calls: list[str] = []
        self.history_error = history_error
        self._seq = 0
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(body or "{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(body).items()}
                method = self.path.rsplit("/", 1)[-1]
                result = mock.handle(method, args)
                data = json.dumps(result).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def __enter__(self) -> MockSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, method: str, args: dict) -> dict:
        with self.lock:
            self.calls.append(method)
            if method == "auth.test":
                return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT"}
            if method == "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(args.get("users", ""))}}
            if method == "chat.postMessage":
                if self.post_error:
                    return {"ok": False, "error": self.post_error}
                self._seq += 1
                ts = f"{time.time():.0f}.{self._seq:06d}"
                metadata = args.get("metadata")
                if isinstance(metadata, str):
                    metadata = json.loads(metadata)
                blocks = args.get("blocks")
                if isinstance(blocks, str):
                    blocks = json.loads(blocks)
                self.posts.append({"channel": args.get("channel"), "text": args.get("text", ""),
                                   "blocks": blocks, "metadata": metadata, "ts": ts})
                return {"ok": True, "channel": args.get("channel"), "ts": ts}
            if method == "conversations.history":
                if self.history_error:
                    return {"ok": False, "error": self.history_error}
                oldest = float(args.get("oldest") or 0)
                channel = args.get("channel")
                messages = [
                    {"type": "message", "ts": p["ts"], "text": p["text"],
                     **({"metadata": p["metadata"]} if p["metadata"] and args.get("include_all_metadata") else {})}
                    for p in reversed(self.posts) if p["channel"] == channel and float(p["ts"]) >= oldest
                ]
                return {"ok": True, "messages": messages, "has_more": False}
            return {"ok": False, "error": "unknown_method"}

    def posts_for(self, reminder_id: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posts if (p["metadata"] or {}).get("event_payload", {}).get("reminder_id")
                    == reminder_id]


class SimClock:
    """A pacer's clock for tests and the bench: sleeping moves it (no real waiting); every paced call is
    logged with its time, so the busiest minute per Slack method can be checked."""

    def __init__(self) -> None:
        self.t = 0.0
        self.calls: list[tuple[str, float]] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def busiest_minute(self, method: str) -> int:
        times = [t for m, t in self.calls if m == method]
        return max((sum(1 for t in times[i:] if t < start + 60) for i, start in enumerate(times)), default=0)

    def pacer(self):
        """The sender's real Pacer on this clock, logging each paced call."""
        from bot.slack.reminder_sender import Pacer

        sim = self

        class LoggingPacer(Pacer):
            def wait(self, method: str) -> None:
                super().wait(method)
                sim.calls.append((method, sim.t))

        return LoggingPacer(clock=self.clock, sleep=self.sleep)
